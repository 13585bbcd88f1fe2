package engine_test

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// adv2OpenIter is an iterator and the model of the state it must show.
type adv2OpenIter struct {
	it   *engine.Iterator
	mit  *modelIter
	name string
}

// adv2NewIter opens an iterator with random bounds on the harness's DB and
// freezes a copy of the model beside it.
func (h *harness) adv2NewIter(name string) *adv2OpenIter {
	lower, upper := h.bounds()
	it, err := h.db.NewIter(&engine.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		h.fatalf("new iter: %v", err)
	}
	h.logf("%s: opened over [%q, %q)", name, lower, upper)
	return &adv2OpenIter{it: it, mit: h.m.clone().iter(lower, upper), name: name}
}

// TestAdv2OldIteratorsSurviveChurn keeps several iterators open, each
// opened at a different moment, while writes (many of them deletes) force
// evictions, write-backs, background and explicit checkpoints and
// compactions with a memory tier of a few KiB; every positioning call of
// every iterator, in both directions, must show exactly the state at its
// NewIter: a key deleted after it still shows, a key written after it does
// not, nothing written back or compacted away since changes it.
func TestAdv2OldIteratorsSurviveChurn(t *testing.T) {
	for i, p := range adv2Policies {
		seed := uint64(200 + i)
		t.Run(fmt.Sprintf("policy=%s/seed=%d", p, seed), func(t *testing.T) {
			t.Parallel()
			opts := engine.Options{
				FS:                 vfs.NewMem(),
				MemTierBytes:       3 << 10,
				Policy:             p,
				Sync:               engine.SyncNever,
				CheckpointWALBytes: 8 << 10,
				WALSegmentBytes:    4 << 10,
				MemTableBytes:      256 << 10,
			}
			h := newHarness(t, seed, opts, 80)
			defer func() { _ = h.db.Close() }()
			var open []*adv2OpenIter
			defer func() {
				for _, oi := range open {
					_ = oi.it.Close()
				}
			}()
			for step := range 1500 {
				switch r := h.rng.IntN(100); {
				case r < 30:
					h.put()
				case r < 50:
					h.del()
				case r < 55:
					h.batch()
				case r < 57:
					h.checkpoint()
				case r < 58:
					h.logf("compact")
					if err := h.db.Compact(nil, nil); err != nil {
						h.fatalf("compact: %v", err)
					}
				case r < 61 || len(open) == 0:
					if len(open) == 4 {
						_ = open[0].it.Close()
						open = open[1:]
					}
					open = append(open, h.adv2NewIter(fmt.Sprintf("iter@%d", step)))
				default:
					oi := open[h.rng.IntN(len(open))]
					h.iterStep(oi.name, oi.it, oi.mit)
				}
			}
			for _, oi := range open {
				if err := oi.it.Error(); err != nil {
					h.fatalf("%s: %v", oi.name, err)
				}
			}
		})
	}
}
