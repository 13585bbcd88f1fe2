package memtier

import (
	"fmt"
	"testing"
)

// TestTreeLag overwrites keys far more often than the ordered index is
// synced and checks, for each bound, that the lag stays within it and that
// a snapshot still holds exactly the newest versions, also after evictions
// and deletes have freed and reused the ids of lagging keys.
func TestTreeLag(t *testing.T) {
	tests := []struct {
		name   string
		keys   int
		value  int
		budget int64
	}{
		{"count-bound", 3000, 8, 8 << 20},          // 3000 keys > treeLagMax
		{"byte-bound", 200, 2000, 8 << 20},         // 200 x 2 KB > 64 KiB
		{"evicting", 400, 100, 400 * 150},          // victims and reused ids
		{"tiny-budget", 50, 300, 50 * 300 * 3 / 2}, // most writes evict
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/keys=%d/value=%d", tc.name, tc.keys, tc.value), func(t *testing.T) {
			tr := newTier(t, &Options{BudgetBytes: tc.budget, CompressMinBytes: -1, Policy: "lru"})
			value := make([]byte, tc.value)
			seq := uint64(0)
			maxLag := 0
			for round := range 6 {
				for i := range tc.keys {
					seq++
					k := fmt.Appendf(nil, "k%05d", (i*7+round)%tc.keys)
					tr.Put(k, value, seq, i%29 == 0)
					maxLag = max(maxLag, tr.lagLen())
					if tr.lagLen() >= treeLagMax || tr.treeLagBytes >= tr.treeLagLimit {
						t.Fatalf("lag %d keys / %d bytes, bounds %d / %d", tr.lagLen(), tr.treeLagBytes, treeLagMax, tr.treeLagLimit)
					}
				}
				if err := invariantError(tr); err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				if round%2 == 1 {
					tr.MarkClean(tr.Dirty(seq)) // tombstones leave, freeing ids
					if err := tr.Evict(func([]Entry) error { return nil }); err != nil {
						t.Fatal(err)
					}
				}
				if err := checkSnapshot(tr); err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				if tr.lagLen() != 0 {
					t.Fatalf("round %d: %d keys still lag after a snapshot", round, tr.lagLen())
				}
			}
			if maxLag == 0 {
				t.Fatal("no overwrite was deferred")
			}
			t.Logf("largest lag: %d keys", maxLag)
			checkInvariants(t, tr)
		})
	}
}
