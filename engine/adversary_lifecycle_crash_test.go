package engine_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/tierkv/tierkv/engine"
)

// advLifecycleOpts keeps everything in the WAL (no background checkpoint)
// while a tiny memory tier forces write-backs and Pebble's own flushes.
func advLifecycleOpts(sync engine.SyncMode) engine.Options {
	return engine.Options{
		MemTierBytes:       2 << 10,
		Sync:               sync,
		CheckpointWALBytes: 1 << 30,
		WALSegmentBytes:    4 << 10,
		MemTableBytes:      16 << 10,
	}
}

// advWriteHistory writes n single-key operations (puts of varied sizes,
// some deletes) over 150 keys and returns the model state after each prefix
// length, as fingerprints.
func advWriteHistory(t *testing.T, db *engine.DB, seed uint64, n int) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 5))
	m := newModel()
	states := []string{advFingerprint(m.kv)}
	for i := range n {
		k := fmt.Appendf(nil, "key%03d", rng.IntN(150))
		var v []byte // nil: a delete
		if rng.IntN(6) != 0 {
			v = fmt.Appendf(nil, "v%d-%s", i, make([]byte, rng.IntN(200)))
		}
		m.writeBoth(t, db, k, v)
		states = append(states, advFingerprint(m.kv))
	}
	return states
}

// advFingerprint is a canonical string of a key/value map.
func advFingerprint(kv map[string][]byte) string {
	m := &model{kv: kv}
	var s []byte
	for _, k := range m.keys(nil, nil) {
		s = fmt.Appendf(s, "%q=%q;", k, kv[string(k)])
	}
	return string(s)
}

// advStateOf opens fs (with opts) and returns the fingerprint of its contents.
func advStateOf(t *testing.T, name string, fs vfs.FS, opts engine.Options) string {
	t.Helper()
	opts.FS = fs
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatalf("%s: open: %v", name, err)
	}
	defer db.Close()
	got, err := dump(db)
	if err != nil {
		t.Fatalf("%s: dump: %v", name, err)
	}
	return advFingerprint(got)
}

// advPrefixIndex returns the largest i with states[i] == s, or -1.
func advPrefixIndex(states []string, s string) int {
	for i := len(states) - 1; i >= 0; i-- {
		if states[i] == s {
			return i
		}
	}
	return -1
}

// lockGateFS holds gate's read side while a Lock call runs. Pebble's
// MemFS.Lock read-locks the mutex CrashClone write-locks twice (in Lock,
// then in the Create it calls): a CrashClone arriving in between waits
// for the first, and the second then waits behind it (Go's RWMutex queues
// new readers after a waiting writer), so the two deadlock. advCloneDuring
// takes gate's write side around each clone.
type lockGateFS struct {
	vfs.FS
	gate *cloneGate
}

// cloneGate orders crash clones against Lock calls (see lockGateFS).
type cloneGate = sync.RWMutex

func (f lockGateFS) Lock(name string) (io.Closer, error) {
	f.gate.RLock()
	defer f.gate.RUnlock()
	return f.FS.Lock(name)
}

// advCloneDuring runs op in a goroutine and takes crash clones of fs until
// it returns (at least one during it, and one after). An op that opens a
// DB must reach fs through a lockGateFS on gate.
func advCloneDuring(t *testing.T, fs *vfs.MemFS, gate *sync.RWMutex, seed uint64, op func() error) []*vfs.MemFS {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	done := make(chan error, 1)
	go func() { done <- op() }()
	var clones []*vfs.MemFS
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("operation under crash clones: %v", err)
			}
			return append(clones, fs.CrashClone(vfs.CrashCloneCfg{}))
		default:
		}
		for range rng.IntN(40) {
			runtime.Gosched()
		}
		if len(clones) < 12 {
			pct := []int{0, 50, 100}[rng.IntN(3)]
			gate.Lock()
			clones = append(clones, fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(rng.Uint64(), 2))}))
			gate.Unlock()
		}
	}
}

// TestAdvCrashDuringLifecycle crashes in the middle of Open's own recovery
// (which writes back and evicts, since the WAL holds far more than the
// memory budget), of Close, of Compact and of Checkpoint. Every clone must
// reopen to a prefix of the writes: under SyncAlways the full history, and
// under SyncNever at least what a checkpoint before the crash covered.
func TestAdvCrashDuringLifecycle(t *testing.T) {
	phases := []string{"open", "close", "compact", "checkpoint"}
	for _, sync := range []engine.SyncMode{engine.SyncAlways, engine.SyncNever} {
		for pi, phase := range phases {
			t.Run(fmt.Sprintf("sync=%s/phase=%s", sync, phase), func(t *testing.T) {
				t.Parallel()
				seed := uint64(10*int(sync) + pi)
				opts := advLifecycleOpts(sync)
				fs := vfs.NewCrashableMem()
				opts.FS = fs
				db, err := engine.Open("db", &opts)
				if err != nil {
					t.Fatal(err)
				}
				states := advWriteHistory(t, db, seed, 300)
				full := len(states) - 1
				lo := full // SyncAlways: everything was acknowledged
				var op func() error
				var gate cloneGate
				switch phase {
				case "open":
					// Crash without Close, then crash again while the
					// image recovers.
					img := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rand.New(rand.NewPCG(seed, 1))})
					_ = db.Close()
					fs = img
					o := opts
					o.FS = lockGateFS{img, &gate}
					op = func() error {
						db2, err := engine.Open("db", &o)
						if err != nil {
							return err
						}
						return db2.Close()
					}
				case "close":
					op = db.Close
				case "compact":
					op = func() error { return db.Compact(nil, nil) }
				case "checkpoint":
					op = db.Checkpoint
				}
				if sync != engine.SyncAlways {
					lo = 0
				}
				clones := advCloneDuring(t, fs, &gate, seed, op)
				_ = db.Close()
				for i, c := range clones {
					name := fmt.Sprintf("clone %d/%d", i, len(clones))
					got := advStateOf(t, name, c, opts)
					at := advPrefixIndex(states, got)
					if at < lo {
						t.Fatalf("%s: recovered state is prefix %d of %d, want at least %d", name, at, full, lo)
					}
				}
				// The final clone (after the operation returned): with
				// SyncNever, a completed Close, Compact or Checkpoint made
				// everything durable.
				if got := advStateOf(t, "final", clones[len(clones)-1], opts); advPrefixIndex(states, got) != full {
					t.Fatalf("after %s returned, a crash loses writes: prefix %d of %d", phase, advPrefixIndex(states, got), full)
				}
			})
		}
	}
}

// TestAdvReadOnlyRecoveryMatchesReadWrite: a crash image whose WAL tail
// lost some blocks opens ReadOnly to the same state a read-write open then
// recovers, changing no file, and that state is a prefix of the writes.
func TestAdvReadOnlyRecoveryMatchesReadWrite(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			opts := advLifecycleOpts(engine.SyncNever)
			fs := vfs.NewCrashableMem()
			opts.FS = fs
			db, err := engine.Open("db", &opts)
			if err != nil {
				t.Fatal(err)
			}
			states := advWriteHistory(t, db, seed, 300)
			img := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 60, RNG: rand.New(rand.NewPCG(seed, 4))})
			_ = db.Close()
			before := fsState(t, img, "db")
			ro := opts
			ro.ReadOnly = true
			roState := advStateOf(t, "read-only", img, ro)
			after := fsState(t, img, "db")
			delete(before, "db/LOCK")
			delete(after, "db/LOCK")
			if !mapsEqual(before, after) {
				t.Fatalf("read-only recovery changed files:\nbefore %v\nafter  %v", keysOf(before), keysOf(after))
			}
			rwState := advStateOf(t, "read-write", img, opts)
			if roState != rwState {
				t.Fatalf("read-only open sees prefix %d, read-write open prefix %d", advPrefixIndex(states, roState), advPrefixIndex(states, rwState))
			}
			if advPrefixIndex(states, rwState) < 0 {
				t.Fatalf("recovered state is no prefix of the writes")
			}
		})
	}
}

// TestAdvSyncIntervalMakesWritesDurable: under SyncInterval, a write
// acknowledged and then left alone (no further writes, no checkpoint)
// becomes durable by itself: a crash clone taken after the interval's
// fsyncs holds it.
func TestAdvSyncIntervalMakesWritesDurable(t *testing.T) {
	for _, async := range []bool{false, true} {
		t.Run(fmt.Sprintf("async=%v", async), func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			opts := engine.Options{FS: fs, Sync: engine.SyncInterval, SyncInterval: time.Millisecond, AsyncWAL: async}
			db, err := engine.Open("db", &opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Put([]byte("lonely"), []byte("write")); err != nil {
				t.Fatal(err)
			}
			last := db.Stats().WALSyncs
			deadline := time.Now().Add(10 * time.Second)
			for {
				o := opts
				o.FS = fs.CrashClone(vfs.CrashCloneCfg{})
				crashed, err := engine.Open("db", &o)
				if err != nil {
					t.Fatal(err)
				}
				v, err := crashed.Get([]byte("lonely"))
				crashed.Close()
				if err == nil && string(v) == "write" {
					return
				}
				// Not durable yet: wait for the next fsync of the WAL.
				for db.Stats().WALSyncs == last {
					if time.Now().After(deadline) {
						t.Fatalf("an acknowledged write is still not durable %v later (%d WAL syncs)", 10*time.Second, last)
					}
					runtime.Gosched()
				}
				last = db.Stats().WALSyncs
			}
		})
	}
}

// TestAdvCrashChain crashes the same DB again and again, each generation
// recovering from the previous crash (often with a dropped WAL tail, whose
// sequence numbers the next generation then reuses) and writing more before
// the next crash: every recovery must be a prefix of that generation's
// writes on top of the previous recovery, never anything older or mixed.
func TestAdvCrashChain(t *testing.T) {
	for _, c := range []struct {
		sync  engine.SyncMode
		async bool
	}{{engine.SyncNever, false}, {engine.SyncInterval, true}, {engine.SyncAlways, false}} {
		t.Run(fmt.Sprintf("sync=%s/async=%v", c.sync, c.async), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(c.sync), 17))
			opts := engine.Options{
				MemTierBytes:       2 << 10,
				Sync:               c.sync,
				AsyncWAL:           c.async,
				CheckpointWALBytes: 16 << 10,
				WALSegmentBytes:    4 << 10,
				MemTableBytes:      16 << 10,
			}
			fs := vfs.NewCrashableMem()
			base := newModel()
			dropped := 0
			for gen := range 20 {
				opts.FS = fs
				db, err := engine.Open("db", &opts)
				if err != nil {
					t.Fatalf("generation %d: open: %v", gen, err)
				}
				got, err := dump(db)
				if err != nil {
					t.Fatal(err)
				}
				if err := base.diff(got); err != nil {
					t.Fatalf("generation %d: recovered state is not the previous one's prefix: %v", gen, err)
				}
				m := base.clone()
				states := []*model{m.clone()}
				n := 50 + rng.IntN(150)
				for i := range n {
					k := fmt.Appendf(nil, "k%02d", rng.IntN(40))
					var v []byte // nil: a delete
					if rng.IntN(5) != 0 {
						v = fmt.Appendf(nil, "g%d-%d-%s", gen, i, make([]byte, rng.IntN(150)))
					}
					m.writeBoth(t, db, k, v)
					states = append(states, m.clone())
				}
				fs = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rand.New(rand.NewPCG(rng.Uint64(), 3))})
				_ = db.Close()
				// Find which prefix the next generation will recover: open
				// read-only first (it changes nothing), then the read-write
				// open of the next generation must agree.
				ro := opts
				ro.FS, ro.ReadOnly = fs, true
				rdb, err := engine.Open("db", &ro)
				if err != nil {
					t.Fatalf("generation %d: read-only open after the crash: %v", gen, err)
				}
				got, err = dump(rdb)
				rdb.Close()
				if err != nil {
					t.Fatal(err)
				}
				at := -1
				for i := len(states) - 1; i >= 0; i-- {
					if states[i].diff(got) == nil {
						at = i
						break
					}
				}
				if at < 0 || (c.sync == engine.SyncAlways && at != n) {
					t.Fatalf("generation %d: recovered state is prefix %d of %d writes", gen, at, n)
				}
				if at < n {
					dropped++
				}
				base = states[at]
			}
			if c.sync != engine.SyncAlways && dropped == 0 {
				t.Fatalf("no crash lost any write: the chain never recovered from a dropped tail")
			}
		})
	}
}

// TestAdvIOErrorDuringOpen fails, in turn, every filesystem operation of
// Open (its recovery replays a WAL larger than the memory budget, so it
// writes back and flushes): each such Open returns (an error, or success
// if the operation did not matter) without panicking or hanging, leaves
// the directory unlocked and loses nothing, so that the next Open on a
// healthy filesystem recovers every acknowledged write.
//
// Failing a write of Pebble's MANIFEST inside pebble.Open's own flush used
// to hang Open for ever (Pebble calls Logger.Fatalf, which the disk tier
// keeps from exiting, and the flush then retried forever); failing a
// directory fsync while Pebble moved a marker panicked; and failing a
// MANIFEST fsync in a flush during recovery let Pebble (which does not
// unwind after Fatalf) retry the flush and record the same table twice, so
// that the next Open's first compaction hit an invariant panic.
func TestAdvIOErrorDuringOpen(t *testing.T) {
	base := vfs.NewMem()
	opts := advLifecycleOpts(engine.SyncAlways)
	opts.FS = base
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatal(err)
	}
	states := advWriteHistory(t, db, 77, 300)
	img := vfs.NewMem()
	if _, err := vfs.Clone(base, img, "db", "db"); err != nil { // a crash: no checkpoint
		t.Fatal(err)
	}
	_ = db.Close()
	// Count the operations of a clean Open.
	var ops atomic.Int64
	counting := errorfs.Wrap(cloneMem(t, img), errorfs.InjectorFunc(func(errorfs.Op) error {
		ops.Add(1)
		return nil
	}))
	o := opts
	o.FS = counting
	db, err = engine.Open("db", &o)
	if err != nil {
		t.Fatal(err)
	}
	openOps := ops.Load()
	_ = db.Close()
	if openOps < 20 {
		t.Fatalf("Open ran only %d filesystem operations", openOps)
	}
	for fail := range openOps { // every one of them
		t.Run(fmt.Sprintf("fail-op=%d", fail), func(t *testing.T) {
			fs := cloneMem(t, img)
			var n atomic.Int64
			o := opts
			o.FS = errorfs.Wrap(fs, errorfs.InjectorFunc(func(errorfs.Op) error {
				if n.Add(1)-1 == fail {
					return errorfs.ErrInjected
				}
				return nil
			}))
			done := make(chan struct{})
			go func() {
				defer close(done)
				if db, err := engine.Open("db", &o); err == nil {
					// The failed operation did not matter (or was retried).
					if err := db.Close(); err != nil && !strings.Contains(err.Error(), "injected") {
						t.Errorf("close: %v", err)
					}
				}
			}()
			select {
			case <-done:
			case <-time.After(time.Minute):
				// A MANIFEST write failing inside pebble.Open's own flush
				// used to hang Open forever (Pebble's Fatalf, which we keep
				// from exiting, leaves that flush retrying).
				t.Fatalf("Open with operation %d failing does not return", fail)
			}
			got := advStateOf(t, "healthy reopen", fs, opts)
			if at := advPrefixIndex(states, got); at != len(states)-1 {
				t.Fatalf("after an Open that failed at operation %d, a healthy Open recovers prefix %d of %d", fail, at, len(states)-1)
			}
		})
	}
}

func cloneMem(t *testing.T, src vfs.FS) *vfs.MemFS {
	t.Helper()
	dst := vfs.NewMem()
	if _, err := vfs.Clone(src, dst, "db", "db"); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestAdvSyncAlwaysIgnoresAsyncWAL: AsyncWAL is ignored with SyncAlways;
// every acknowledged write, batch or single, survives a crash taken right
// after it (keeping no unsynced byte).
func TestAdvSyncAlwaysIgnoresAsyncWAL(t *testing.T) {
	fs := vfs.NewCrashableMem()
	opts := engine.Options{FS: fs, Sync: engine.SyncAlways, AsyncWAL: true, MemTierBytes: 2 << 10}
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 30 {
		k := fmt.Appendf(nil, "k%02d", i)
		if i%3 == 0 {
			b := db.NewBatch()
			b.Put(k, []byte("batch"))
			b.Put(append(k, '+'), []byte("batch"))
			err = db.Apply(b)
		} else {
			err = db.Put(k, []byte("put"))
		}
		if err != nil {
			t.Fatal(err)
		}
		o := opts
		o.FS = fs.CrashClone(vfs.CrashCloneCfg{})
		crashed, err := engine.Open("db", &o)
		if err != nil {
			t.Fatal(err)
		}
		_, err1 := crashed.Get(k)
		var err2 error
		if i%3 == 0 {
			_, err2 = crashed.Get(append(k, '+'))
		}
		crashed.Close()
		if err1 != nil || err2 != nil {
			t.Fatalf("write %d acknowledged under SyncAlways (AsyncWAL set) lost in a crash: %v, %v", i, err1, err2)
		}
	}
}
