package engine_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// TestMemTierBudgetHonoured writes entries of very different sizes into
// small and larger memory tiers: after every write returns, the tier's
// charged bytes, dirty victims waiting for their batched write-back
// included, are within MemTierBytes (the policy gets 31/32 of it, the
// victims' queue the rest).
func TestMemTierBudgetHonoured(t *testing.T) {
	for _, c := range []struct {
		budget    int64
		valueSize int
	}{
		{4 << 10, 100}, {64 << 10, 10}, {64 << 10, 1000},
		{1 << 20, 10}, {1 << 20, 100}, {1 << 20, 1000}, {1 << 20, 10000},
		{4 << 20, 5000},
	} {
		t.Run(fmt.Sprintf("budget=%d/value=%d", c.budget, c.valueSize), func(t *testing.T) {
			db := openMem(t, &engine.Options{MemTierBytes: c.budget, Sync: engine.SyncNever})
			rng := rand.New(rand.NewPCG(uint64(c.budget), uint64(c.valueSize)))
			v := make([]byte, c.valueSize)
			keys := 2 * int(c.budget) / (c.valueSize + 16 + 100) // about twice what fits
			limit := c.budget
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
					t.Fatalf("write %d: memory tier holds %d bytes, over its budget of %d", i, st.MemTierBytes, c.budget)
				}
				full = full || st.MemTierBytes > c.budget*85/100
			}
			if !full {
				t.Fatalf("the memory tier never filled: the test checked nothing")
			}
		})
	}
}

// TestMemTierBudgetConcurrentWriters: with four writers the victims of one
// queue while another writes back, so a snapshot taken mid-write may be
// over by what the writers in flight added (bounded by the room kept for
// the queue); once they stop, the tier is within its budget.
func TestMemTierBudgetConcurrentWriters(t *testing.T) {
	const budget = 1 << 20
	db := openMem(t, &engine.Options{MemTierBytes: budget, Sync: engine.SyncNever})
	var wg sync.WaitGroup
	var over atomic.Int64
	for w := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			v := make([]byte, 500)
			for range 5000 {
				for j := range v {
					v[j] = byte(rng.Uint32())
				}
				if err := db.Put(fmt.Appendf(nil, "key%06d", rng.IntN(10000)), v); err != nil {
					t.Error(err)
					return
				}
				if b := db.Stats().MemTierBytes; b > budget+budget/32 {
					over.Store(b)
				}
			}
		})
	}
	wg.Wait()
	if b := over.Load(); b != 0 {
		t.Fatalf("memory tier held %d bytes during the writes, budget %d (+1/32 = %d)", b, budget, budget+budget/32)
	}
	if b := db.Stats().MemTierBytes; b > budget || b < budget*85/100 {
		t.Fatalf("after the writes the memory tier holds %d bytes, budget %d (want 85%% to 100%%)", b, budget)
	}
}
