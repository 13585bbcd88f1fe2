package memtier

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// smallTier returns a tier whose budget holds about n entries of key+value
// length kv.
func smallTier(t testing.TB, n, kv int) *Tier {
	return newTier(t, &Options{Policy: "lru", BudgetBytes: int64(n * (kv + EntryOverhead)), MaxEntryFraction: 1})
}

// noise returns n incompressible bytes.
func noise(n int) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func TestPutOverBudgetQueuesDirtyVictims(t *testing.T) {
	tr := smallTier(t, 4, 4)
	for i := range 10 {
		tr.Put(fmt.Appendf(nil, "k%02d", i), []byte("v"), uint64(i+1), false)
	}
	checkInvariants(t, tr)
	st := tr.Stats()
	if st.Entries != 10 || st.PendingWriteBack != 6 || !tr.NeedsWriteBack() {
		t.Fatalf("after 10 dirty puts into room for 4: %+v", st)
	}
	for i := range 10 { // dirty victims stay visible
		if _, _, _, ok := get(tr, fmt.Sprintf("k%02d", i)); !ok {
			t.Fatalf("k%02d not resident before write-back", i)
		}
	}
	var written []Entry
	err := tr.Evict(func(b []Entry) error {
		for _, e := range b {
			if !e.Dirty {
				t.Errorf("write-back of a clean entry %q", e.Key)
			}
			written = append(written, Entry{Key: append([]byte{}, e.Key...), Seq: e.Seq})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, tr)
	st = tr.Stats()
	if len(written) != 6 || st.Entries != 4 || st.PendingWriteBack != 0 || tr.NeedsWriteBack() || st.Evictions != 6 {
		t.Fatalf("after Evict: wrote %d, %+v", len(written), st)
	}
	if st.Bytes > st.BudgetBytes {
		t.Fatalf("charged %d > budget %d after Evict", st.Bytes, st.BudgetBytes)
	}
	if string(written[0].Key) != "k00" {
		t.Fatalf("LRU victim order starts with %q", written[0].Key)
	}
}

func TestEvictKeepsVersionsRewrittenDuringWriteBack(t *testing.T) {
	tr := smallTier(t, 2, 4)
	for i := range 4 {
		tr.Put(fmt.Appendf(nil, "k%d", i), []byte("v"), uint64(i+1), false)
	}
	err := tr.Evict(func(b []Entry) error {
		for _, e := range b {
			// A writer overwrites the victim while it is being written back.
			tr.Put(e.Key, []byte("new"), e.Seq+100, false)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, tr)
	for _, k := range []string{"k0", "k1"} {
		if v, seq, _, ok := get(tr, k); !ok || v != "new" || seq < 100 {
			t.Fatalf("%s: %q seq %d ok %v; the rewrite was lost", k, v, seq, ok)
		}
	}
}

func TestEvictErrorKeepsEntries(t *testing.T) {
	tr := smallTier(t, 2, 4)
	for i := range 5 {
		tr.Put(fmt.Appendf(nil, "k%d", i), []byte("v"), uint64(i+1), false)
	}
	boom := errors.New("disk full")
	if err := tr.Evict(func([]Entry) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Evict = %v, want %v", err, boom)
	}
	checkInvariants(t, tr)
	if st := tr.Stats(); st.Entries != 5 || st.PendingWriteBack != 3 || st.DirtyEntries != 5 {
		t.Fatalf("after failed Evict: %+v", st)
	}
	n := 0
	if err := tr.Evict(func(b []Entry) error { n += len(b); return nil }); err != nil || n != 3 {
		t.Fatalf("retry: err %v, wrote %d", err, n)
	}
	checkInvariants(t, tr)
}

func TestEvictBatches(t *testing.T) {
	tr := newTier(t, &Options{Policy: "lru", BudgetBytes: 1 << 20, MaxEntryFraction: 1})
	big := noise(600 << 10) // two of them overflow the budget; batches by bytes
	n := EvictBatchEntries*2 + 10
	for i := range n {
		tr.Put(fmt.Appendf(nil, "k%05d", i), nil, uint64(i+1), true)
	}
	for i := range 6 {
		tr.Put(fmt.Appendf(nil, "big%d", i), big, uint64(n+i+1), false)
	}
	var batches []int
	err := tr.Evict(func(b []Entry) error {
		size := 0
		for _, e := range b {
			size += len(e.Key) + len(e.Value)
		}
		if len(b) > EvictBatchEntries || (len(b) > 1 && size > EvictBatchBytes) {
			t.Errorf("batch of %d entries, %d bytes", len(b), size)
		}
		batches = append(batches, len(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) < 3 {
		t.Fatalf("batches %v", batches)
	}
	checkInvariants(t, tr)
}

func TestLargePutGoesStraightToWriteBack(t *testing.T) {
	tr := newTier(t, &Options{BudgetBytes: 8 << 10, MaxEntryFraction: 0.25})
	tr.Put([]byte("big"), noise(4<<10), 1, false)
	if st := tr.Stats(); st.PendingWriteBack != 1 || st.PolicyBytes != 0 || st.Entries != 1 {
		t.Fatalf("large put: %+v", st)
	}
	tr.Put([]byte("big"), []byte("small now"), 2, false) // back into the policy
	checkInvariants(t, tr)
	if st := tr.Stats(); st.PendingWriteBack != 0 || st.PolicyBytes == 0 {
		t.Fatalf("rewritten small: %+v", st)
	}
	n := 0
	if err := tr.Evict(func(b []Entry) error { n += len(b); return nil }); err != nil || n != 0 {
		t.Fatalf("Evict wrote %d (stale queue slot not skipped), err %v", n, err)
	}
}

func TestDirtyAndMarkClean(t *testing.T) {
	tr := newTier(t, nil)
	tr.Put([]byte("c"), []byte("3"), 30, false)
	tr.Put([]byte("a"), []byte("1"), 10, false)
	tr.Put([]byte("b"), nil, 20, true)
	tr.Put([]byte("d"), []byte("4"), 40, false)
	d := tr.Dirty(30)
	if len(d) != 3 || d[0].Seq != 10 || d[1].Seq != 20 || d[2].Seq != 30 || !d[1].Tombstone || d[1].Value != nil {
		t.Fatalf("Dirty(30) = %+v", d)
	}
	tr.Put([]byte("a"), []byte("1b"), 50, false) // rewritten after the checkpoint read it
	tr.MarkClean(d)
	checkInvariants(t, tr)
	if _, _, _, ok := get(tr, "b"); ok {
		t.Fatal("clean tombstone still resident")
	}
	rest := tr.Dirty(^uint64(0))
	if len(rest) != 2 || string(rest[0].Key) != "d" || string(rest[1].Key) != "a" {
		t.Fatalf("still dirty: %+v", rest)
	}
	if st := tr.Stats(); st.Entries != 3 || st.DirtyEntries != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestMarkCleanRemovesPendingVictim(t *testing.T) {
	tr := smallTier(t, 2, 4)
	for i := range 4 {
		tr.Put(fmt.Appendf(nil, "k%d", i), []byte("v"), uint64(i+1), false)
	}
	tr.MarkClean(tr.Dirty(^uint64(0)))
	checkInvariants(t, tr)
	if st := tr.Stats(); st.Entries != 2 || st.PendingWriteBack != 0 || tr.NeedsWriteBack() {
		t.Fatalf("after checkpoint of pending victims: %+v", st)
	}
}

func TestPromote(t *testing.T) {
	tr := newTier(t, &Options{Policy: "lru", BudgetBytes: 64 << 10})
	key := []byte("k")
	gen := tr.Generation(key)
	if !tr.Promote(key, []byte("disk"), 1, gen) {
		t.Fatal("promote into an empty tier rejected")
	}
	if v, _, _, ok := get(tr, "k"); !ok || v != "disk" {
		t.Fatalf("promoted value %q %v", v, ok)
	}
	if tr.Promote(key, []byte("again"), 1, gen) {
		t.Fatal("promote over a resident version accepted")
	}
	if len(tr.Dirty(^uint64(0))) != 0 {
		t.Fatal("promoted entry is dirty")
	}
	// Something leaves the shard between the miss and the promotion.
	other := []byte("x")
	gen = tr.Generation(other)
	tr.Put(other, nil, 5, true)
	tr.MarkClean(tr.Dirty(5))
	if tr.Generation(other) == gen {
		t.Fatal("generation did not move when an entry left")
	}
	if tr.Promote(other, []byte("stale"), 4, gen) {
		t.Fatal("promote with a stale generation accepted")
	}
	if tr.Promote([]byte("huge"), noise(32<<10), 1, tr.Generation([]byte("huge"))) {
		t.Fatal("promote over MaxEntryFraction accepted")
	}
	checkInvariants(t, tr)
	if st := tr.Stats(); st.Promotions != 1 || st.PromotionsRejected != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestClose(t *testing.T) {
	tr := newTier(t, nil)
	tr.Put([]byte("a"), []byte("1"), 1, false)
	tr.Close()
	tr.Close()
	if _, _, _, ok := get(tr, "a"); ok {
		t.Fatal("Get after Close hit")
	}
	if err := tr.Evict(func([]Entry) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Evict after Close = %v", err)
	}
	if tr.Promote([]byte("b"), nil, 1, 0) {
		t.Fatal("Promote after Close accepted")
	}
}

func TestEvictPanicKeepsEntriesQueued(t *testing.T) {
	tr := smallTier(t, 2, 4)
	for i := range 5 {
		tr.Put(fmt.Appendf(nil, "k%d", i), []byte("v"), uint64(i+1), false)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the write-back panic did not propagate")
			}
		}()
		_ = tr.Evict(func([]Entry) error { panic("write-back bug") })
	}()
	checkInvariants(t, tr)
	n := 0
	if err := tr.Evict(func(b []Entry) error { n += len(b); return nil }); err != nil || n != 3 {
		t.Fatalf("after a panicking write-back: err %v, wrote %d, want 3", err, n)
	}
}

// TestPromoteAfterWriteBackRace is the race the generation guards against:
// a reader misses, reads an old version from disk, and meanwhile a newer
// dirty version is written back and evicted. The old version must not be
// promoted over it.
func TestPromoteAfterWriteBackRace(t *testing.T) {
	tr := smallTier(t, 2, 8)
	key := []byte("key")
	gen := tr.Generation(key) // the reader's miss, before its disk read
	tr.Put(key, []byte("v2"), 2, false)
	for i := range 4 { // push key out as a dirty victim
		tr.Put(fmt.Appendf(nil, "other%d", i), []byte("x"), uint64(10+i), false)
	}
	if err := tr.Evict(func([]Entry) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok := get(tr, "key"); ok {
		t.Fatal("key still resident; the test did not evict it")
	}
	if tr.Promote(key, []byte("v1"), 1, gen) {
		t.Fatal("an old version read before the write-back was promoted")
	}
	// A fresh miss promotes what the disk now holds.
	if !tr.Promote(key, []byte("v2"), 2, tr.Generation(key)) {
		t.Fatal("promotion with a current generation refused")
	}
}
