package engine_test

import (
	"flag"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

var (
	metaSeed  = flag.Uint64("metamorphic.seed", 42, "first seed of TestMetamorphic")
	metaSeeds = flag.Int("metamorphic.seeds", 1, "how many consecutive seeds TestMetamorphic runs (a soak: -metamorphic.seeds 50)")
	metaSteps = flag.Int("metamorphic.steps", 1200, "operations per run")
)

// TestMetamorphic runs one random operation stream per seed under every
// policy, several memory budgets (tiny: constant write-back and eviction;
// everything fits) and sync modes, each checked step by step against the
// model: the tiers must be invisible except in speed.
func TestMetamorphic(t *testing.T) {
	budgets := []struct {
		name  string
		bytes int64
	}{{"tiny", 4 << 10}, {"small", 64 << 10}, {"large", 64 << 20}}
	policies := []engine.Policy{engine.PolicyWTinyLFU, engine.PolicyLRU, engine.PolicyLFU, engine.PolicyRandom}
	syncs := []engine.SyncMode{engine.SyncAlways, engine.SyncNever}
	steps := *metaSteps
	if testing.Short() {
		steps = 300
	}
	for seed := *metaSeed; seed < *metaSeed+uint64(*metaSeeds); seed++ {
		for _, p := range policies {
			for _, b := range budgets {
				for _, s := range syncs {
					name := fmt.Sprintf("seed=%d/policy=%s/mem=%s/sync=%s", seed, p, b.name, s)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						opts := engine.Options{
							FS:                 vfs.NewMem(),
							MemTierBytes:       b.bytes,
							Policy:             p,
							Sync:               s,
							CheckpointWALBytes: 64 << 10, // background checkpoints too
							WALSegmentBytes:    16 << 10,
						}
						h := newHarness(t, seed, opts, 300)
						for range steps {
							h.step()
						}
						h.checkAll()
						if err := h.db.Close(); err != nil {
							t.Fatalf("close: %v", err)
						}
					})
				}
			}
		}
	}
}
