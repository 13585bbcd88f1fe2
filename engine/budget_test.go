package engine_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// TestMemTierBudgetHonoured writes entries of very different sizes into
// small and larger memory tiers: after every write returns, the tier is at
// most 1/32 over its budget (dirty victims wait for a batched write-back,
// paced to about 1/64).
func TestMemTierBudgetHonoured(t *testing.T) {
	for _, c := range []struct {
		budget    int64
		valueSize int
	}{
		{64 << 10, 10}, {64 << 10, 1000},
		{1 << 20, 10}, {1 << 20, 100}, {1 << 20, 1000}, {1 << 20, 10000},
		{4 << 20, 5000},
	} {
		t.Run(fmt.Sprintf("budget=%d/value=%d", c.budget, c.valueSize), func(t *testing.T) {
			db := openMem(t, &engine.Options{MemTierBytes: c.budget, Sync: engine.SyncNever})
			rng := rand.New(rand.NewPCG(uint64(c.budget), uint64(c.valueSize)))
			v := make([]byte, c.valueSize)
			keys := 2 * int(c.budget) / (c.valueSize + 16 + 100) // about twice what fits
			limit := c.budget + c.budget/32
			full := false
			for i := range 2 * keys {
				for j := range v { // incompressible: charged in full
					v[j] = byte(rng.Uint32())
				}
				if err := db.Put(fmt.Appendf(nil, "key%09d", rng.IntN(keys)), v); err != nil {
					t.Fatal(err)
				}
				st := db.Stats()
				if st.MemTierBytes > limit {
					t.Fatalf("write %d: memory tier holds %d bytes, budget %d (+1/32 = %d)", i, st.MemTierBytes, c.budget, limit)
				}
				full = full || st.MemTierBytes > c.budget*9/10
			}
			if !full {
				t.Fatalf("the memory tier never filled: the test checked nothing")
			}
		})
	}
}
