package engine_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// crashOp is one write of the crash test's stream; a checkpoint changes no
// state but moves the durability floor of the weaker sync modes.
type crashOp struct {
	checkpoint bool
	batch      []batchOp
}

type batchOp struct {
	key, value []byte
	del        bool
}

func (op crashOp) apply(m *model) {
	for _, b := range op.batch {
		if b.del {
			m.del(b.key)
		} else {
			m.put(b.key, b.value)
		}
	}
}

func genCrashOps(rng *rand.Rand, n, keys int) []crashOp {
	ops := make([]crashOp, n)
	for i := range ops {
		if rng.IntN(150) == 0 {
			ops[i].checkpoint = true
			continue
		}
		for range 1 + rng.IntN(4) {
			k := fmt.Appendf(nil, "key%04d", rng.IntN(keys))
			if rng.IntN(5) == 0 {
				ops[i].batch = append(ops[i].batch, batchOp{key: k, del: true})
				continue
			}
			v := fmt.Appendf(nil, "v%d-%s", i, make([]byte, rng.IntN(600)))
			ops[i].batch = append(ops[i].batch, batchOp{key: k, value: v})
		}
	}
	return ops
}

// crashPoint is a crash clone with what the writer had done around it.
type crashPoint struct {
	fs         *vfs.MemFS
	acked      int // ops acknowledged before the clone began
	started    int // ops started before the clone ended
	checkpoint int // ops before the last checkpoint acknowledged before the clone
	unsynced   int
}

// TestCrashRecovery writes a stream of puts, deletes, batches and
// checkpoints with a tiny memory budget (write-back and eviction all the
// time) while another goroutine takes crash clones of the filesystem at
// random moments, keeping random shares of the unsynced data. Each clone is
// reopened and must hold exactly the state after some prefix of the stream:
// with SyncAlways at least every acknowledged op, with the weaker modes at
// least every op before the last completed checkpoint; never a hole and
// never part of a batch.
var crashRounds = flag.Int("crash.rounds", 1, "how many seeds per TestCrashRecovery case (a soak: -crash.rounds 20)")

// ownFlushCases counts the crash cases in which Pebble flushed on its own
// (more flushes than checkpoints), i.e. that exercised the WAL sync run
// before Pebble's flushes.
var ownFlushCases atomic.Int64

func TestCrashRecovery(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() && ownFlushCases.Load() == 0 {
			t.Errorf("Pebble never flushed on its own in any case: the WAL sync before its flushes went untested")
		}
	})
	cases := []struct {
		sync   engine.SyncMode
		policy engine.Policy
		mem    int64
		async  bool
	}{
		{engine.SyncAlways, engine.PolicyWTinyLFU, 2 << 10, false},
		{engine.SyncAlways, engine.PolicyLRU, 16 << 10, false},
		{engine.SyncNever, engine.PolicyWTinyLFU, 2 << 10, false},
		{engine.SyncNever, engine.PolicyLFU, 16 << 10, true},
		{engine.SyncInterval, engine.PolicyRandom, 4 << 10, false},
		{engine.SyncInterval, engine.PolicyWTinyLFU, 2 << 10, true},
	}
	for round := range *crashRounds {
		for i, c := range cases {
			seed := uint64(1000 + 100*round + i)
			t.Run(fmt.Sprintf("sync=%s/async=%v/policy=%s/mem=%d/seed=%d", c.sync, c.async, c.policy, c.mem, seed), func(t *testing.T) {
				t.Parallel()
				runCrashCase(t, seed, engine.Options{
					MemTierBytes:       c.mem,
					Policy:             c.policy,
					Sync:               c.sync,
					AsyncWAL:           c.async,
					CheckpointWALBytes: 256 << 10,
					WALSegmentBytes:    8 << 10,
					MemTableBytes:      8 << 10, // Pebble flushes on its own, each flush syncing the WAL first
				})
			})
		}
	}
}

func runCrashCase(t *testing.T, seed uint64, opts engine.Options) {
	rng := rand.New(rand.NewPCG(seed, 7))
	ops := genCrashOps(rng, 700, 60)
	fs := vfs.NewCrashableMem()
	opts.FS = fs
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatal(err)
	}
	var acked, started, ckpt atomic.Int64
	var points []crashPoint
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		// Clone every few ops, at a moment the writer does not choose:
		// often in the middle of an Apply, a write-back or a checkpoint.
		crng := rand.New(rand.NewPCG(seed, 99))
		target := int64(0)
		for {
			target += 1 + crng.Int64N(16)
			for started.Load() < target {
				select {
				case <-done:
					return
				default:
					runtime.Gosched()
				}
			}
			for range crng.IntN(50) {
				runtime.Gosched()
			}
			p := crashPoint{acked: int(acked.Load()), checkpoint: int(ckpt.Load())}
			p.unsynced = []int{0, 0, 30, 70, 100}[crng.IntN(5)]
			p.fs = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: p.unsynced, RNG: rand.New(rand.NewPCG(crng.Uint64(), 1))})
			p.started = int(started.Load())
			points = append(points, p)
		}
	})
	for i, op := range ops {
		started.Store(int64(i + 1))
		if op.checkpoint {
			err = db.Checkpoint()
		} else {
			b := db.NewBatch()
			for _, bo := range op.batch {
				if bo.del {
					b.Delete(bo.key)
				} else {
					b.Put(bo.key, bo.value)
				}
			}
			err = db.Apply(b)
		}
		if err != nil {
			t.Fatalf("op %d: %v", i, err)
		}
		acked.Store(int64(i + 1))
		if op.checkpoint {
			ckpt.Store(int64(i + 1))
		}
	}
	close(done)
	wg.Wait()
	if st := db.Stats(); st.Disk.Flushes > int64(st.Checkpoints) {
		ownFlushCases.Add(1)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if len(points) < 40 {
		t.Fatalf("only %d crash points taken; the test is too weak", len(points))
	}
	for i, p := range points {
		lo := p.checkpoint
		if opts.Sync == engine.SyncAlways {
			lo = p.acked
		}
		checkCrashPoint(t, fmt.Sprintf("seed=%d point=%d unsynced=%d%%", seed, i, p.unsynced), p, opts, ops, lo)
	}
}

// checkCrashPoint reopens a clone and finds a prefix in [lo, p.started]
// whose model state equals the recovered state.
func checkCrashPoint(t *testing.T, name string, p crashPoint, opts engine.Options, ops []crashOp, lo int) {
	t.Helper()
	opts.FS = p.fs
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatalf("%s: reopen: %v", name, err)
	}
	got, err := dump(db)
	if err != nil {
		t.Fatalf("%s: dump: %v", name, err)
	}
	m := newModel()
	for _, op := range ops[:lo] {
		op.apply(m)
	}
	var firstErr error
	for n := lo; ; n++ {
		err := m.diff(got)
		if err == nil {
			break
		}
		if firstErr == nil {
			firstErr = err
		}
		if n >= p.started || n >= len(ops) {
			t.Fatalf("%s: recovered state is no prefix in [%d, %d] (acked %d): at %d: %v",
				name, lo, p.started, p.acked, lo, firstErr)
		}
		ops[n].apply(m)
	}
	// The recovered DB must keep working: write, close, reopen.
	if err := db.Put([]byte("after-crash"), []byte("x")); err != nil {
		t.Fatalf("%s: put after recovery: %v", name, err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("%s: close after recovery: %v", name, err)
	}
}
