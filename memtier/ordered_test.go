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
			// After many changes a snapshot is sorted by its caller, and
			// the tree it sorted becomes the tier's index again (nothing
			// changed meanwhile); the next one clones it.
			for i, want := range []struct {
				sorted, rebuilt uint64
				off             bool
			}{{1, 1, false}, {1, 1, false}} {
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

// TestSortedSnapshotAdoption begins a sorted snapshot, changes the tier
// before finishing it (inserts, overwrites, removals, an id reused for
// another key), and checks that the snapshot shows the state at its
// beginning while the tier adopts the sorted tree, brought up to date, as
// its index; and that too many changes meanwhile leave the tier without
// one.
func TestSortedSnapshotAdoption(t *testing.T) {
	for _, tc := range []struct {
		name    string
		changes int
		adopted bool
	}{{"adopted", 300, true}, {"abandoned", catchUpMax + 10, false}} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTier(t, &Options{BudgetBytes: 200 << 10, Policy: "lru", MaxEntryFraction: 1})
			tr.treeDropMin, tr.treeDropShift = 1, 63 // drop at the first change
			for i := range 1000 {
				k := fmt.Appendf(nil, "k%04d", i)
				tr.Put(k, k, uint64(i+1), false)
			}
			tr.pmu.Lock()
			want := residentSorted(tr)
			pending := tr.beginSnapshotLocked()
			tr.pmu.Unlock()
			if pending.tree != nil {
				t.Fatal("the snapshot cloned an index that should have been dropped")
			}
			seq := uint64(1000)
			for i := range tc.changes {
				seq++
				k := fmt.Appendf(nil, "k%04d", (i*37)%1400) // overwrites and new keys
				tr.Put(k, []byte("new"), seq, i%7 == 0)
				if i%50 == 0 { // write back and evict: removals, freed ids reused
					if err := tr.Evict(func([]Entry) error { return nil }); err != nil {
						t.Fatal(err)
					}
					tr.MarkClean(tr.Dirty(seq))
				}
			}
			snap := pending.Finish()
			c := snap.NewCursor(nil, nil)
			i := 0
			for ok := c.First(); ok; ok = c.Next() {
				if i >= len(want) || c.Entry().toKey() != want[i] {
					t.Fatalf("snapshot entry %d is %v, want %v", i, c.Entry().toKey(), want[min(i, len(want)-1)])
				}
				i++
			}
			if i != len(want) {
				t.Fatalf("snapshot yields %d entries, %d were resident at its beginning", i, len(want))
			}
			if adopted := !tr.treeOff; adopted != tc.adopted {
				t.Fatalf("index adopted: %v, want %v", adopted, tc.adopted)
			}
			checkInvariants(t, tr) // an adopted index holds exactly the resident versions
		})
	}
}

// TestSortedSnapshotNotAdoptedAfterRebuild: a sorted snapshot still being
// finished while the tier rebuilds its index (another snapshot came soon)
// and drops it again must not hand its tree, with a log that missed the
// changes made while the index was maintained, back as the index.
func TestSortedSnapshotNotAdoptedAfterRebuild(t *testing.T) {
	tr := newTier(t, &Options{BudgetBytes: 200 << 10, Policy: "lru", MaxEntryFraction: 1})
	tr.treeDropMin, tr.treeDropShift = 1, 63
	seq := uint64(0)
	put := func(i int) {
		seq++
		k := fmt.Appendf(nil, "k%04d", i)
		tr.Put(k, k, seq, false)
	}
	for i := range 500 {
		put(i)
	}
	first := tr.BeginSnapshot()  // sorted: the index was dropped
	second := tr.BeginSnapshot() // nothing changed since: rebuilds and keeps it
	if first.tree != nil || second.tree == nil {
		t.Fatalf("first snapshot cloned %v, second %v; want sorted then cloned", first.tree != nil, second.tree != nil)
	}
	second.Finish().Close()
	for i := 500; i < 600; i++ { // maintained (these are not in first's log), then dropped again
		put(i)
	}
	if !tr.treeOff {
		t.Fatal("the index was not dropped again")
	}
	put(600) // logged nowhere now
	first.Finish().Close()
	checkInvariants(t, tr)
	if err := checkSnapshot(tr); err != nil {
		t.Fatal(err)
	}
}
