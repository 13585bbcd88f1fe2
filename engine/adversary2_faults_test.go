package engine_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/tierkv/tierkv/engine"
)

// adv2FaultLog is what concurrent writers learned from a failing DB: the
// writes acknowledged, and the ones that failed (present or not after a
// reopen, but whole: a failed batch of two keys shows both or neither).
type adv2FaultLog struct {
	mu      sync.Mutex
	acked   *model
	pending map[string][]byte
	failed  [][]string // the keys of each failed write
}

// TestAdv2WALSyncFailsUnderConcurrentWriters fails the N-th fsync of the
// WAL while four writers put and apply two-key batches, in SyncAlways and
// SyncInterval: every write that fails returns an error matching
// ErrReadOnly, as does every later one; reads keep working; and both
// before and after a reopen on the healthy filesystem, every acknowledged
// write is there, a failed batch is whole or absent, and no key appears
// that was never written.
func TestAdv2WALSyncFailsUnderConcurrentWriters(t *testing.T) {
	walSync := faultTargets[1]
	if walSync.name != "wal-sync" {
		t.Fatalf("faultTargets[1] is %q, want wal-sync", walSync.name)
	}
	for _, s := range []engine.SyncMode{engine.SyncAlways, engine.SyncInterval} {
		for _, nth := range []int64{1, 7, 23} {
			t.Run(fmt.Sprintf("sync=%s/fail-sync=%d", s, nth), func(t *testing.T) {
				base := vfs.NewMem()
				var armed atomic.Bool
				var syncs atomic.Int64
				inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
					if armed.Load() && walSync.match(op) && syncs.Add(1) >= nth {
						return errorfs.ErrInjected
					}
					return nil
				})
				opts := engine.Options{FS: errorfs.Wrap(base, inj), Sync: s, SyncInterval: 50_000, MemTierBytes: 4 << 10}
				db, err := engine.Open("db", &opts)
				if err != nil {
					t.Fatal(err)
				}
				armed.Store(true) // the N-th sync after Open
				fl := &adv2FaultLog{acked: newModel(), pending: map[string][]byte{}}
				var wg sync.WaitGroup
				for w := range 4 {
					wg.Go(func() { fl.write(t, db, w) })
				}
				wg.Wait()
				if len(fl.failed) == 0 {
					t.Fatalf("no write failed after %d WAL syncs", syncs.Load())
				}
				if err := db.Put([]byte("later"), []byte("x")); !errors.Is(err, engine.ErrReadOnly) {
					t.Fatalf("a write after the failure: %v, want ErrReadOnly", err)
				}
				fl.check(t, "before reopen", db)
				_ = db.Close()
				armed.Store(false)
				opts.FS = base
				db, err = engine.Open("db", &opts)
				if err != nil {
					t.Fatalf("reopen on the healthy FS: %v", err)
				}
				defer db.Close()
				fl.check(t, "after reopen", db)
			})
		}
	}
}

// write puts keys of writer w, every fifth time as a two-key batch, until
// a write fails (with SyncInterval the failing fsync is the background
// syncer's, so the writers go on until it comes) or 20000 succeed.
func (fl *adv2FaultLog) write(t *testing.T, db *engine.DB, w int) {
	for i := range 20000 {
		k1, k2 := fmt.Sprintf("w%d-%05d", w, i), fmt.Sprintf("w%d-%05d-b", w, i)
		v := fmt.Appendf(nil, "v%d", i)
		keys := []string{k1}
		var err error
		if i%5 == 4 {
			keys = append(keys, k2)
			b := db.NewBatch()
			b.Put([]byte(k1), v)
			b.Put([]byte(k2), v)
			err = db.Apply(b)
		} else {
			err = db.Put([]byte(k1), v)
		}
		fl.mu.Lock()
		for _, k := range keys {
			if err == nil {
				fl.acked.put([]byte(k), v)
			} else {
				fl.pending[k] = v
			}
		}
		if err != nil {
			fl.failed = append(fl.failed, keys)
		}
		fl.mu.Unlock()
		if err != nil {
			if !errors.Is(err, engine.ErrReadOnly) {
				t.Errorf("writer %d: a failed write returned %v, want ErrReadOnly", w, err)
			}
			return
		}
	}
}

// check compares db with what the writers learned.
func (fl *adv2FaultLog) check(t *testing.T, when string, db *engine.DB) {
	t.Helper()
	checkAcked(t, when, db, fl.acked, fl.pending)
	got, err := dump(db)
	if err != nil {
		t.Fatal(err)
	}
	for k := range got {
		_, acked := fl.acked.get([]byte(k))
		if _, failed := fl.pending[k]; !acked && !failed {
			t.Fatalf("%s: key %q, never written, is present", when, k)
		}
	}
	for _, keys := range fl.failed {
		_, first := got[keys[0]]
		for _, k := range keys[1:] {
			if _, ok := got[k]; ok != first {
				t.Fatalf("%s: part of a failed batch is present: %q %v, %q %v", when, keys[0], first, k, ok)
			}
		}
	}
}
