package memtier

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// hitRatioRun replays a Zipf trace through the tier's read path (Get, and
// on a miss Generation + Promote, as the engine does) and returns the hit
// ratio. goroutines > 1 split the trace between them.
func hitRatioRun(t testing.TB, keys [][]byte, trace []uint32, capacity int, lossless bool, sampleBits uint, goroutines int) float64 {
	tr, err := New(&Options{BudgetBytes: int64(capacity) * (32 + EntryOverhead)})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tr.lossless, tr.sampleBits = lossless, sampleBits
	var hits atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			dst := make([]byte, 0, 32)
			n := int64(0)
			for i := g; i < len(trace); i += goroutines {
				k := keys[trace[i]]
				if _, _, _, ok := tr.Get(k, dst[:0]); ok {
					n++
					continue
				}
				tr.Promote(k, k, 1, tr.Generation(k))
			}
			hits.Add(n)
		})
	}
	wg.Wait()
	return float64(hits.Load()) / float64(len(trace))
}

// TestLossyAccessHitRatio measures what the lossy access buffers cost in hit
// ratio against applying every access at once, on a Zipf(0.99) trace over
// 100K keys with room for 5K, and fails if the single-reader lossy path
// loses more than 1.5 points.
func TestLossyAccessHitRatio(t *testing.T) {
	const universe, capacity = 100_000, 5_000
	length := hitRatioTraceLen
	keys := benchKeys(universe)
	trace := zipfTrace(universe, 0.99, length, 7)
	lossless := hitRatioRun(t, keys, trace, capacity, true, 0, 1)
	for _, tc := range []struct {
		goroutines int
		sampleBits uint
	}{{1, 0}, {2, 0}, {1, 2}, {2, 2}, {1, 3}} {
		t.Run(fmt.Sprintf("goroutines=%d/sample=1in%d", tc.goroutines, 1<<tc.sampleBits), func(t *testing.T) {
			lossy := hitRatioRun(t, keys, trace, capacity, false, tc.sampleBits, tc.goroutines)
			t.Logf("hit ratio: lossless %.4f, lossy %.4f (%+.2f points)", lossless, lossy, 100*(lossy-lossless))
			// Only the buffering itself is held to a bound here: sampling's
			// cost depends on the trace length (it slows warm-up), and
			// parallel runs depend on scheduling.
			if tc.goroutines == 1 && tc.sampleBits == 0 && lossy < lossless-0.015 {
				t.Errorf("lossy buffers cost %.2f points of hit ratio", 100*(lossless-lossy))
			}
		})
	}
}
