package engine_test

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// adv2Counters are the Stats fields that only ever grow over one DB's life,
// Close included ("after Close it returns the last counters").
func adv2Counters(s engine.Stats) map[string]uint64 {
	return map[string]uint64{
		"Gets": s.Gets, "MemTierHits": s.MemTierHits, "DiskTierHits": s.DiskTierHits,
		"NotFound": s.NotFound, "Promotions": s.Promotions, "Evictions": s.Evictions,
		"WriteBacks": s.WriteBacks, "Writes": s.Writes, "GetErrors": s.GetErrors,
		"Checkpoints": s.Checkpoints, "ReplayedRecords": s.ReplayedRecords,
		"WALTailDroppedBytes": s.WALTailDroppedBytes, "DurableSeq": s.DurableSeq,
		"LastSeq": s.LastSeq, "WALBytesWritten": s.WALBytesWritten, "WALSyncs": s.WALSyncs,
		"UserBytesWritten": s.UserBytesWritten,
	}
}

// adv2CheckStats checks one snapshot on its own and against the previous
// one of the same DB (prev may be nil).
func (h *harness) adv2CheckStats(when string, prev *engine.Stats) engine.Stats {
	h.t.Helper()
	s := h.db.Stats()
	switch {
	case s.MemTierHits+s.DiskTierHits+s.NotFound != s.Gets:
		h.fatalf("%s: MemTierHits %d + DiskTierHits %d + NotFound %d != Gets %d", when, s.MemTierHits, s.DiskTierHits, s.NotFound, s.Gets)
	case s.MemTierBytes < 0 || s.MemTierEntries < 0 || s.DirtyEntries < 0 || s.WALBytes < 0:
		h.fatalf("%s: negative size: %+v", when, s)
	case s.MemTierBytes > h.opts.MemTierBytes:
		h.fatalf("%s: MemTierBytes %d over the option's %d", when, s.MemTierBytes, h.opts.MemTierBytes)
	case s.DirtyEntries > s.MemTierEntries:
		h.fatalf("%s: DirtyEntries %d > MemTierEntries %d", when, s.DirtyEntries, s.MemTierEntries)
	case s.MemTierEntries > 0 && s.MemTierBytes == 0:
		h.fatalf("%s: %d entries charged nothing", when, s.MemTierEntries)
	case s.DurableSeq > s.LastSeq:
		h.fatalf("%s: DurableSeq %d > LastSeq %d", when, s.DurableSeq, s.LastSeq)
	}
	if prev != nil {
		was := adv2Counters(*prev)
		for name, v := range adv2Counters(s) {
			if v < was[name] {
				h.fatalf("%s: %s went down from %d to %d", when, name, was[name], v)
			}
		}
	}
	return s
}

// TestAdv2StatsPlausible runs a mixed, delete-heavy workload (with Gets
// that promote) under every policy with a memory tier of a few KiB and
// checks every Stats snapshot: the Gets identity, sizes within the budget
// and consistent with each other, counters that never go down (not even
// after Close), Writes counting operations, and a Checkpoint with no
// concurrent writer leaving DirtyEntries and WALBytes at zero.
func TestAdv2StatsPlausible(t *testing.T) {
	for i, p := range adv2Policies {
		seed := uint64(300 + i)
		t.Run(fmt.Sprintf("policy=%s/seed=%d", p, seed), func(t *testing.T) {
			opts := engine.Options{FS: vfs.NewMem(), MemTierBytes: 3 << 10, Policy: p, WALSegmentBytes: 4 << 10}
			h := newHarness(t, seed, opts, 60)
			prev := h.adv2CheckStats("open", nil)
			for step := range 600 {
				before := prev.Writes
				switch r := h.rng.IntN(10); {
				case r < 3:
					h.put()
				case r < 5:
					h.del()
				default:
					h.get()
				}
				prev = h.adv2CheckStats(fmt.Sprintf("step %d", step), &prev)
				if w := prev.Writes - before; w > 1 {
					h.fatalf("step %d: Writes grew by %d for one operation", step, w)
				}
				if step%100 == 99 {
					h.checkpoint()
					prev = h.adv2CheckStats("checkpoint", &prev)
					if prev.DirtyEntries != 0 || prev.WALBytes != 0 || prev.DurableSeq != prev.LastSeq {
						h.fatalf("after Checkpoint: DirtyEntries %d, WALBytes %d, DurableSeq %d of LastSeq %d", prev.DirtyEntries, prev.WALBytes, prev.DurableSeq, prev.LastSeq)
					}
				}
			}
			if err := h.db.Close(); err != nil {
				t.Fatal(err)
			}
			h.adv2CheckStats("after Close", &prev)
		})
	}
}
