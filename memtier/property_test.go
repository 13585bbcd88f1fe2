package memtier

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tierkv/tierkv/memtier/policy"
)

// TestAccountingProperty runs random operation sequences and checks after
// every operation that the charged bytes equal the sum over the resident
// entries (and that every index agrees), that a hit returns the newest
// version written, and that after a successful Evict the tier is within
// budget.
func TestAccountingProperty(t *testing.T) {
	for _, kind := range policy.Kinds() {
		for seed := uint64(1); seed <= 3; seed++ {
			// The ordered index as by default (kept: the tier is small),
			// dropped at the first B-tree operation after each snapshot
			// (shift 63: snapshots sorted by their caller), or dropped
			// and rebuilt by the default rule at any size (see ordered.go).
			for _, lazy := range []struct {
				dropMin int64
				shift   uint
			}{{treeDropMinEntries, treeDropShift}, {1, 63}, {1, treeDropShift}} {
				t.Run(fmt.Sprintf("policy=%s/seed=%d/dropmin=%d/shift=%d", kind, seed, lazy.dropMin, lazy.shift), func(t *testing.T) {
					runAccountingProperty(t, kind, seed, lazy.dropMin, lazy.shift, propertyOps)
				})
			}
		}
	}
}

// propModel is the newest version written of each key.
type propModel struct {
	value map[string][]byte
	tomb  map[string]bool
	seq   map[string]uint64
}

func runAccountingProperty(t *testing.T, kind policy.Kind, seed uint64, dropMin int64, dropShift uint, ops int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	tr := newTier(t, &Options{Policy: kind, BudgetBytes: 6 << 10, Shards: 4, CompressMinBytes: 64, Seed: seed})
	tr.hashMask = 0xff // collisions too
	tr.treeDropMin, tr.treeDropShift = dropMin, dropShift
	m := propModel{map[string][]byte{}, map[string]bool{}, map[string]uint64{}}
	var seq uint64
	for op := 0; op < ops; op++ {
		key := fmt.Sprintf("k%02d", rng.IntN(60))
		desc := ""
		switch r := rng.IntN(100); {
		case r < 35:
			seq++
			v := randValue(rng)
			tomb := rng.IntN(8) == 0
			tr.Put([]byte(key), v, seq, tomb)
			m.value[key], m.tomb[key], m.seq[key] = v, tomb, seq
			desc = "put " + key
		case r < 45:
			if s, ok := m.seq[key]; ok && !m.tomb[key] {
				tr.Promote([]byte(key), m.value[key], s, tr.Generation([]byte(key)))
			}
			desc = "promote " + key
		case r < 80:
			v, s, tomb, ok := tr.Get([]byte(key), nil)
			if ok && (s != m.seq[key] || tomb != m.tomb[key] || (!tomb && string(v) != string(m.value[key]))) {
				t.Fatalf("op %d: Get(%s) = seq %d tomb %v, newest written is seq %d tomb %v", op, key, s, tomb, m.seq[key], m.tomb[key])
			}
			desc = "get " + key
		case r < 85:
			fail := rng.IntN(4) == 0
			err := tr.Evict(func([]Entry) error {
				if fail {
					return errors.New("injected")
				}
				return nil
			})
			if !fail {
				if err != nil {
					t.Fatal(err)
				}
				if st := tr.Stats(); st.Bytes > st.BudgetBytes || st.PendingWriteBack != 0 {
					t.Fatalf("op %d: after Evict %d bytes charged, budget %d, %d pending", op, st.Bytes, st.BudgetBytes, st.PendingWriteBack)
				}
			}
			desc = "evict"
		case r < 90:
			// A write between the snapshot's beginning and its end must not
			// show in it (and, if the tier adopts the snapshot's sorted
			// tree as its index, must be in that).
			seq++
			v := randValue(rng)
			between := func() {
				tr.Put([]byte(key), v, seq, false)
				m.value[key], m.tomb[key], m.seq[key] = v, false, seq
			}
			if err := checkSnapshotAround(tr, between); err != nil {
				t.Fatalf("op %d: %v", op, err)
			}
			desc = "snapshot around put " + key
		default:
			tr.MarkClean(tr.Dirty(seq - uint64(rng.IntN(5))))
			desc = "checkpoint"
		}
		if err := invariantError(tr); err != nil {
			t.Fatalf("op %d (%s): %v", op, desc, err)
		}
	}
	if st := tr.Stats(); dropMin == 1 && (st.OrderedIndexDrops == 0 || st.OrderedIndexRebuilds == 0 || st.SortedSnapshots == 0) {
		t.Fatalf("the ordered index was dropped %d times, rebuilt %d times, %d snapshots sorted: the lazy path went untested",
			st.OrderedIndexDrops, st.OrderedIndexRebuilds, st.SortedSnapshots)
	}
}

func randValue(rng *rand.Rand) []byte {
	n := rng.IntN(200)
	if rng.IntN(20) == 0 {
		n = 300 + rng.IntN(1500) // over MaxEntryFraction of 6 KiB sometimes
	}
	v := make([]byte, n)
	if rng.IntN(2) == 0 { // half compressible
		for i := range v {
			v[i] = byte(rng.Uint32())
		}
	}
	return v
}

// checkSnapshot takes a snapshot and checks that it holds exactly the
// resident versions (the caller makes no concurrent changes).
func checkSnapshot(tr *Tier) error { return checkSnapshotAround(tr, func() {}) }

// checkSnapshotAround begins a snapshot, runs between, finishes it and
// checks that it holds exactly the versions resident at its beginning.
func checkSnapshotAround(tr *Tier, between func()) error {
	tr.pmu.Lock()
	want := residentSorted(tr)
	pending := tr.beginSnapshotLocked()
	tr.pmu.Unlock()
	between()
	snap := pending.Finish()
	defer snap.Close()
	c := snap.NewCursor(nil, nil)
	i := 0
	for ok := c.First(); ok; ok = c.Next() {
		if got := c.Entry().toKey(); i >= len(want) || got != want[i] {
			return fmt.Errorf("snapshot entry %d is %v, want %v", i, got, want[min(i, len(want)-1)])
		}
		i++
	}
	if i != len(want) {
		return fmt.Errorf("snapshot yields %d entries, %d resident", i, len(want))
	}
	return nil
}
