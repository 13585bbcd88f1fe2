package memtier

import (
	"encoding/binary"
	"runtime"
	"testing"

	"github.com/tierkv/tierkv/memtier/policy"
)

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// fillTier puts n entries of 16-byte keys and 16-byte values (big-endian
// counters, so keys arrive in order) into tr.
func fillTier(tr *Tier, n int) {
	var k, v [16]byte
	for i := range n {
		binary.BigEndian.PutUint64(k[8:], uint64(i))
		binary.BigEndian.PutUint64(v[:], uint64(i))
		tr.Put(k[:], v[:], uint64(i+1), false)
	}
}

// measureOverhead returns the heap bytes per entry beyond key and value
// with n entries resident.
func measureOverhead(t testing.TB, kind policy.Kind, n int) float64 {
	before := heapInUse()
	tr, err := New(&Options{Policy: kind, BudgetBytes: int64(n) * (32 + EntryOverhead)})
	if err != nil {
		t.Fatal(err)
	}
	fillTier(tr, n)
	if n > treeDropMaxEntries && tr.treeOff {
		t.Fatalf("a tier of %d entries (past %d) runs without its ordered index", n, treeDropMaxEntries)
	}
	tr.Snapshot().Close() // the ordered index counts (a fill alone may drop it: ordered.go)
	after := heapInUse()
	if st := tr.Stats(); st.Entries != int64(n) {
		t.Fatalf("%d entries resident, want %d", st.Entries, n)
	}
	runtime.KeepAlive(tr)
	return float64(after-before)/float64(n) - 32
}

// overheadTarget is the target for bytes per entry beyond key and
// value (at the 1M entries this test uses).
const overheadTarget = 100

// overheadTargetEntries is the tier size the target is stated for.
const overheadTargetEntries = 1_000_000

func TestEntryOverhead(t *testing.T) {
	n := overheadEntries
	for _, kind := range policy.Kinds() {
		t.Run("policy="+string(kind), func(t *testing.T) {
			got := measureOverhead(t, kind, n)
			t.Logf("%d entries: %.1f bytes of overhead per entry (EntryOverhead = %d)", n, got, EntryOverhead)
			if got > EntryOverhead {
				t.Errorf("measured overhead %.1f B/entry exceeds the charged EntryOverhead %d: the budget is not honest", got, EntryOverhead)
			}
			// Every policy, the default W-TinyLFU included, is held to the
			// issue's target at its 1M entries (the reduced size of -race
			// runs only to EntryOverhead, charged at the worst size
			// measured, a few bytes above the target).
			if n >= overheadTargetEntries && got > overheadTarget {
				t.Errorf("overhead %.1f B/entry over the %d-byte target", got, overheadTarget)
			}
		})
	}
}

func policyKind(s string) policy.Kind { return policy.Kind(s) }

// TestLargeBudgetAllocatesLazily: a tier's fixed allocations do not scale
// with its budget (the policy's sketch starts at policy.MaxDefaultExpectedEntries and
// grows with the entries resident), so a large, empty tier costs little.
func TestLargeBudgetAllocatesLazily(t *testing.T) {
	for _, kind := range policy.Kinds() {
		t.Run("policy="+string(kind), func(t *testing.T) {
			before := heapInUse()
			tr, err := New(&Options{Policy: kind, BudgetBytes: 64 << 30})
			if err != nil {
				t.Fatal(err)
			}
			grown := heapInUse() - before
			runtime.KeepAlive(tr)
			if grown > 16<<20 {
				t.Fatalf("an empty tier with a 64 GiB budget holds %d MiB", grown>>20)
			}
		})
	}
}
