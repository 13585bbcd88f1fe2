package engine_test

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// TestAdv2NestedDirSurvivesCrash: Open creates missing ancestors of its
// directory; their entries must be durable before a write is acknowledged,
// or a machine crash loses a SyncAlways write (the whole DB: Open on the
// crash image silently started a fresh one). Fails before createDirs
// synced the parents of the ancestors it created.
func TestAdv2NestedDirSurvivesCrash(t *testing.T) {
	for _, dir := range []string{"db", "x/db", "x/y/db", "/abs/x/y/db", "x/y/../db"} {
		t.Run("dir="+dir, func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			db, err := engine.Open(dir, &engine.Options{FS: fs})
			if err != nil {
				t.Fatal(err)
			}
			m := newModel()
			for i := range 3 {
				m.writeBoth(t, db, fmt.Appendf(nil, "k%d", i), fmt.Appendf(nil, "v%d", i))
			}
			img := fs.CrashClone(vfs.CrashCloneCfg{})
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			adv2CheckImage(t, dir, &engine.Options{FS: img, ReadOnly: true}, m)
		})
	}
}

// adv2CheckImage opens dir with opts (on a crash image) and fails unless
// it holds exactly what m does; it returns the open DB.
func adv2CheckImage(t *testing.T, dir string, opts *engine.Options, m *model) *engine.DB {
	t.Helper()
	db, err := engine.Open(dir, opts)
	if err != nil {
		t.Fatalf("open the crash image: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	got, err := dump(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.diff(got); err != nil {
		t.Fatalf("after a crash: %v", err)
	}
	return db
}

// TestAdv2RecoveryHeavyReopen crashes a DB whose WAL holds many times the
// memory budget (nothing checkpointed: replay must write back and evict as
// it goes), under every policy, then checks the reopened DB at once with
// the harness's model: a full scan, random iterators in both directions,
// Gets, and the memory tier within its budget after Open.
func TestAdv2RecoveryHeavyReopen(t *testing.T) {
	for i, p := range adv2Policies {
		seed := uint64(500 + i)
		t.Run(fmt.Sprintf("policy=%s/seed=%d", p, seed), func(t *testing.T) {
			opts := engine.Options{
				FS:                 vfs.NewCrashableMem(),
				MemTierBytes:       2 << 10,
				Policy:             p,
				CheckpointWALBytes: 1 << 30, // only replay brings the WAL back
				WALSegmentBytes:    8 << 10,
				MemTableBytes:      8 << 10,
			}
			h := newHarness(t, seed, opts, 400)
			defer func() { _ = h.db.Close() }()
			for range 800 {
				switch r := h.rng.IntN(10); {
				case r < 6:
					h.put()
				case r < 8:
					h.del()
				default:
					h.batch()
				}
			}
			before := h.db.Stats()
			h.adv2Crash(0)
			st := h.db.Stats()
			if st.ReplayedRecords != before.LastSeq-before.DurableSeq {
				t.Errorf("replayed %d records; the WAL held %d above the watermark %d", st.ReplayedRecords, before.LastSeq-before.DurableSeq, before.DurableSeq)
			}
			if st.LastSeq != before.LastSeq || st.MemTierBytes > opts.MemTierBytes {
				t.Errorf("after recovery: LastSeq %d (want %d), MemTierBytes %d of %d", st.LastSeq, before.LastSeq, st.MemTierBytes, opts.MemTierBytes)
			}
			for range 300 {
				if h.rng.IntN(2) == 0 {
					h.get()
				} else {
					h.iterate()
				}
			}
		})
	}
}
