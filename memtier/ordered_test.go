package memtier

import (
	"fmt"
	"testing"
)

// TestOrderedIndexDroppedAndRebuilt checks the default thresholds: a tier
// churned with no Snapshot stops maintaining its B-tree once the work since
// the last Snapshot passes its entry count, the next Snapshot rebuilds it
// with exactly the resident versions, and a tier snapshotted often enough
// keeps it.
func TestOrderedIndexDroppedAndRebuilt(t *testing.T) {
	const keys = 3 * treeDropMinEntries
	for _, tc := range []struct {
		name          string
		snapshotEvery int // writes between snapshots; 0 = none
		wantDrops     bool
	}{
		{"no-snapshots", 0, true},
		{"frequent-snapshots", treeDropMinEntries / 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Room for about half the keys: writes insert and evict.
			tr := newTier(t, &Options{BudgetBytes: keys / 2 * (16 + EntryOverhead), Policy: "lru"})
			for i := range 2 * keys {
				k := fmt.Appendf(nil, "k%07d", (i*7919)%keys)
				tr.Put(k, k[:8], uint64(i+1), false)
				if err := tr.Evict(func([]Entry) error { return nil }); err != nil {
					t.Fatal(err)
				}
				if tc.snapshotEvery > 0 && i%tc.snapshotEvery == 0 {
					tr.Snapshot().Close()
				}
			}
			st := tr.Stats()
			if st.Entries < treeDropMinEntries {
				t.Fatalf("only %d entries resident: the test does not reach the drop threshold", st.Entries)
			}
			if got := st.OrderedIndexDrops > 0; got != tc.wantDrops {
				t.Fatalf("ordered index dropped %d times, want drops: %v", st.OrderedIndexDrops, tc.wantDrops)
			}
			checkInvariants(t, tr)
			// After many changes a snapshot is sorted by its caller and the
			// tier goes on without an index; one soon after that rebuilds
			// the index and maintains it again.
			for i, want := range []struct {
				sorted, rebuilt uint64
				off             bool
			}{{1, 0, true}, {1, 1, false}} {
				if err := checkSnapshot(tr); err != nil {
					t.Fatal(err)
				}
				if !tc.wantDrops {
					continue
				}
				st := tr.Stats()
				if st.SortedSnapshots != want.sorted || st.OrderedIndexRebuilds != want.rebuilt || tr.treeOff != want.off {
					t.Fatalf("snapshot %d: %d sorted, %d rebuilds, index off %v; want %d, %d, %v", i+1,
						st.SortedSnapshots, st.OrderedIndexRebuilds, tr.treeOff, want.sorted, want.rebuilt, want.off)
				}
				checkInvariants(t, tr)
			}
		})
	}
}

// TestAbbreviatedSortOrder checks the rebuild's sort against keys that
// defeat its 8-byte abbreviations: a long shared prefix, keys that are
// prefixes of others, trailing zero bytes and ties in the abbreviation.
func TestAbbreviatedSortOrder(t *testing.T) {
	tr := newTier(t, &Options{BudgetBytes: 1 << 20, Policy: "lru"})
	keys := []string{
		"shared-prefix-0001", "shared-prefix-0001\x00", "shared-prefix-0001\x00\x00", "shared-prefix-00011",
		"shared-prefix-000", "shared-prefix-0002-and-more-bytes-past-eight", "shared-prefix-0002-and-more-bytes-past-eighx",
		"shared-prefix-", "shared-prefix-\xff", "shared-prefix-\x00",
	}
	for i, k := range keys {
		tr.Put([]byte(k), []byte("v"), uint64(i+1), false)
	}
	tr.pmu.Lock()
	sorted := sortByKey(tr.residentLocked())
	tr.pmu.Unlock()
	for i := 1; i < len(sorted); i++ {
		if sorted[i-1].key() >= sorted[i].key() {
			t.Fatalf("position %d: %q sorted before %q", i, sorted[i-1].key(), sorted[i].key())
		}
	}
	if len(sorted) != len(keys) {
		t.Fatalf("%d entries sorted, %d resident", len(sorted), len(keys))
	}
}
