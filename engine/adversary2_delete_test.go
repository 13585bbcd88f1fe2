package engine_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// adv2Policies is every policy of the memory tier.
var adv2Policies = []engine.Policy{engine.PolicyWTinyLFU, engine.PolicyLRU, engine.PolicyLFU, engine.PolicyRandom}

// adv2Crash replaces the harness's DB by one recovered from a crash image
// of its filesystem (a vfs.NewCrashableMem) taken now, keeping pct percent
// of the unsynced data, and checks the recovered DB against the model,
// which the caller must have made exact for the image (every write synced,
// or a Checkpoint just before).
func (h *harness) adv2Crash(pct int) {
	h.logf("crash (unsynced kept: %d%%)", pct)
	img := h.fs.(*vfs.MemFS).CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(h.rng.Uint64(), 7))})
	_ = h.db.Close() // the original goes on alone; the image is what a crash left
	h.fs, h.opts.FS = img, img
	h.open()
	h.checkAll()
}

// TestAdv2DeleteHeavyAcrossCrashes runs a stream of mostly deletes (of
// keys only on disk, of never-written keys, re-puts after deletes) with a
// memory tier of a few KiB, so tombstones are written back, evicted and
// checkpointed constantly, under every policy; iterators (both ways, random
// seeks and bounds) and Gets are model-checked after every step, and the
// DB is crashed now and then: with SyncAlways at any moment, with the
// weaker modes right after a Checkpoint. A deleted key must never come
// back, a live one never vanish.
func TestAdv2DeleteHeavyAcrossCrashes(t *testing.T) {
	modes := []engine.SyncMode{engine.SyncAlways, engine.SyncNever, engine.SyncInterval}
	for i, p := range adv2Policies {
		for _, s := range modes {
			seed := uint64(100 + i*10 + int(s))
			t.Run(fmt.Sprintf("policy=%s/sync=%s/seed=%d", p, s, seed), func(t *testing.T) {
				t.Parallel()
				opts := engine.Options{
					FS:                 vfs.NewCrashableMem(),
					MemTierBytes:       3 << 10,
					Policy:             p,
					Sync:               s,
					CheckpointWALBytes: 16 << 10,
					WALSegmentBytes:    4 << 10,
				}
				h := newHarness(t, seed, opts, 60)
				defer func() { _ = h.db.Close() }()
				for range 450 {
					h.adv2DeleteHeavyStep(s)
				}
				h.checkAll()
			})
		}
	}
}

func (h *harness) adv2DeleteHeavyStep(s engine.SyncMode) {
	switch r := h.rng.IntN(100); {
	case r < 25:
		h.put()
	case r < 55:
		h.del()
	case r < 62:
		h.batch()
	case r < 75:
		h.get()
	case r < 88:
		h.iterate()
	case r < 92:
		h.checkpoint()
	case r < 94:
		h.reopen()
	default:
		if s != engine.SyncAlways {
			h.checkpoint()
		}
		h.adv2Crash([]int{0, 50, 100}[h.rng.IntN(3)])
	}
}
