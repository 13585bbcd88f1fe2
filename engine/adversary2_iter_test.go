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

// TestAdv2IterEdgeSequences replays, under bounds that are prefixes of keys
// or fall between keys that differ only by trailing 0x00 bytes, the
// positioning sequences that trip merging iterators: a seek to exactly a
// bound, a step the other way after running off either end, Last after
// Next ran off the end, and so on; with the keys' versions in the memory
// tier, on disk, or recovered after a reopen, some deleted over a disk
// version. Every step is compared with the model.
func TestAdv2IterEdgeSequences(t *testing.T) {
	keys := []string{"a", "a\x00", "a\x00\x00", "a\x00\x01", "ab", "b", "b\x00", "b\x00\x00"}
	bounds := []struct{ name, lower, upper string }{
		{"prefix", "a", "a\x00\x01"},
		{"trailing-zero", "a\x00", "b\x00"},
		{"between", "a\x00\x00", "b"},
		{"lower-only", "b", ""},
		{"upper-only", "", "a\x00\x00"},
	}
	seqs := map[string][]string{
		"seekge-upper":  {"SeekGE upper", "Prev", "Next", "Last", "Prev", "Next", "Next"},
		"seeklt-lower":  {"SeekLT lower", "Next", "Prev", "First", "Next", "Prev", "Prev"},
		"off-the-end":   {"Last", "Next", "Last", "Prev", "SeekGE upper", "Last"},
		"off-the-start": {"First", "Prev", "First", "Next", "SeekLT lower", "First"},
		"empty-key":     {"SeekGE empty", "Prev", "SeekLT empty", "Next", "SeekGE empty", "Next"},
		"zigzag":        {"SeekGE lower", "Next", "Prev", "Prev", "Next", "Next", "Next", "Prev"},
	}
	for _, tier := range advTiers {
		t.Run("tier="+tier, func(t *testing.T) {
			opts := engine.Options{MemTierBytes: 2 << 10}
			db, fs := advOpen(t, opts)
			m := newModel()
			for _, k := range keys {
				m.writeBoth(t, db, []byte(k), []byte("v-"+k))
			}
			db = advMove(t, db, fs, opts, tier)
			if tier == "disk" { // advMove's filler keys are data too
				for i := range 400 {
					m.put(fmt.Appendf(nil, "~filler%04d", i), make([]byte, 64))
				}
			}
			// Deleted over whatever tier holds them.
			m.writeBoth(t, db, []byte("a\x00\x00"), nil)
			m.writeBoth(t, db, []byte("b\x00"), nil)
			for _, bc := range bounds {
				for name, seq := range seqs {
					t.Run(bc.name+"/"+name, func(t *testing.T) {
						adv2RunSequence(t, db, m, adv2Bound(bc.lower), adv2Bound(bc.upper), seq)
					})
				}
			}
		})
	}
}

// adv2Bound makes "" an absent bound.
func adv2Bound(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

func adv2RunSequence(t *testing.T, db *engine.DB, m *model, lower, upper []byte, seq []string) {
	it, err := db.NewIter(&engine.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	mit := m.iter(lower, upper)
	for i, step := range seq {
		var g, w bool
		switch step {
		case "First":
			g, w = it.First(), mit.First()
		case "Last":
			g, w = it.Last(), mit.Last()
		case "Next":
			g, w = it.Next(), mit.Next()
		case "Prev":
			g, w = it.Prev(), mit.Prev()
		case "SeekGE upper":
			g, w = it.SeekGE(upper), mit.SeekGE(upper)
		case "SeekLT lower":
			g, w = it.SeekLT(lower), mit.SeekLT(lower)
		case "SeekGE lower":
			g, w = it.SeekGE(lower), mit.SeekGE(lower)
		case "SeekGE empty":
			g, w = it.SeekGE([]byte{}), mit.SeekGE([]byte{})
		case "SeekLT empty":
			g, w = it.SeekLT([]byte{}), mit.SeekLT([]byte{})
		}
		advCheckPos(t, fmt.Sprintf("step %d (%s)", i, step), it, g, mit, w)
	}
	if err := it.Error(); err != nil {
		t.Fatal(err)
	}
}
