package engine_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// advWriters is how many goroutines write in the concurrent crash test.
const advWriters = 3

// advHistory records what the concurrent writers did, for checking a
// recovered state against the durability contract.
type advHistory struct {
	acked [advWriters]atomic.Int64 // ops acknowledged, per writer
	// deps[w][i] is how many ops each writer had acknowledged when op i of
	// writer w started: if op i survives a crash, so must those (no hole
	// in the acknowledged order, across writers too).
	deps [advWriters][][advWriters]int64
	// floor is what each writer had acknowledged when the last completed
	// Checkpoint started: the weak sync modes promise at least that.
	floorMu sync.Mutex
	floor   [advWriters]int64
}

func (h *advHistory) snapshotAcked() (out [advWriters]int64) {
	for w := range out {
		out[w] = h.acked[w].Load()
	}
	return out
}

// advCrashKey is op i of writer w's own key; advLastKey is the key every op
// of writer w overwrites with its op number (in the same batch).
func advCrashKey(w, i int) []byte { return fmt.Appendf(nil, "w%d-%05d", w, i) }
func advLastKey(w int) []byte     { return fmt.Appendf(nil, "w%d-last", w) }

func advCrashValue(w, i int) []byte {
	return fmt.Appendf(nil, "%d/%d/%s", w, i, make([]byte, (i*37+w*11)%300))
}

// advCrashPoint is a crash clone with the writers' progress around it.
type advCrashPoint struct {
	fs      *vfs.MemFS
	acked   [advWriters]int64 // acknowledged before the clone began
	floor   [advWriters]int64 // the checkpoint floor before the clone began
	started [advWriters]int64 // started before the clone ended (upper bound)
}

// TestAdvConcurrentCrash runs several writers (two-key batches), explicit
// checkpoints, background checkpoints (a tiny CheckpointWALBytes), compactions
// and Gets at once, with a tiny memory tier and tiny WAL segments and Pebble
// memtables, while crash clones are taken at moments nobody chooses. Each
// clone must reopen to a state that holds, per writer, ops 0..j-1 exactly
// (no hole; both keys of a batch or neither), respects causality across
// writers, holds every acknowledged op under SyncAlways and at least the
// checkpoint floor otherwise. The recovered DB then takes more writes and
// is crashed again (no Close): those writes must survive too.
func TestAdvConcurrentCrash(t *testing.T) {
	cases := []struct {
		sync  engine.SyncMode
		async bool
	}{
		{engine.SyncAlways, false},
		{engine.SyncNever, false},
		{engine.SyncNever, true},
		{engine.SyncInterval, true},
	}
	for i, c := range cases {
		for seed := uint64(i + 1); seed <= uint64(i+1); seed++ {
			t.Run(fmt.Sprintf("sync=%s/async=%v/seed=%d", c.sync, c.async, seed), func(t *testing.T) {
				t.Parallel()
				opts := engine.Options{
					MemTierBytes:       3 << 10,
					Sync:               c.sync,
					AsyncWAL:           c.async,
					CheckpointWALBytes: 24 << 10,
					WALSegmentBytes:    4 << 10,
					MemTableBytes:      16 << 10,
				}
				runAdvConcurrentCrash(t, seed, opts)
			})
		}
	}
}

func runAdvConcurrentCrash(t *testing.T, seed uint64, opts engine.Options) {
	const opsPerWriter = 180
	fs := vfs.NewCrashableMem()
	opts.FS = fs
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &advHistory{}
	for w := range advWriters {
		h.deps[w] = make([][advWriters]int64, opsPerWriter)
	}
	var started [advWriters]atomic.Int64
	var writers, others sync.WaitGroup
	stop := make(chan struct{})
	// Every cloneEvery ops in all, the writer that gets there hands the
	// cloner a ticket (and waits for it to be taken, so clones happen while
	// writers are still running); the cloner then clones at a moment of
	// its own.
	const cloneEvery = 30
	var total atomic.Int64
	tickets := make(chan struct{})
	for w := range advWriters {
		writers.Go(func() {
			for i := range opsPerWriter {
				if total.Add(1)%cloneEvery == 0 {
					tickets <- struct{}{}
				}
				h.deps[w][i] = h.snapshotAcked()
				started[w].Store(int64(i + 1))
				b := db.NewBatch()
				b.Put(advCrashKey(w, i), advCrashValue(w, i))
				b.Put(advLastKey(w), []byte(strconv.Itoa(i)))
				if err := db.Apply(b); err != nil {
					t.Errorf("writer %d op %d: %v", w, i, err)
					return
				}
				h.acked[w].Store(int64(i + 1))
			}
		})
	}
	others.Go(func() { // checkpoints, compactions and reads
		rng := rand.New(rand.NewPCG(seed, 3))
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			switch n % 4 {
			case 0:
				at := h.snapshotAcked()
				if err := db.Checkpoint(); err != nil {
					t.Errorf("checkpoint: %v", err)
					return
				}
				h.floorMu.Lock()
				for w := range at {
					h.floor[w] = max(h.floor[w], at[w])
				}
				h.floorMu.Unlock()
			case 1:
				if err := db.Compact(advCrashKey(rng.IntN(advWriters), 0), nil); err != nil {
					t.Errorf("compact: %v", err)
					return
				}
			default:
				w := rng.IntN(advWriters)
				_, _ = db.Get(advCrashKey(w, rng.IntN(opsPerWriter)))
			}
		}
	})
	var points []advCrashPoint
	crng := rand.New(rand.NewPCG(seed, 9))
	cloned := make(chan struct{})
	go func() {
		writers.Wait()
		close(cloned)
	}()
	for alive := true; alive; {
		select {
		case <-tickets:
		case <-cloned:
			alive = false
			continue
		}
		for range crng.IntN(100) {
			runtime.Gosched()
		}
		var p advCrashPoint
		p.acked = h.snapshotAcked()
		h.floorMu.Lock()
		p.floor = h.floor
		h.floorMu.Unlock()
		p.fs = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: []int{0, 50, 100}[crng.IntN(3)], RNG: rand.New(rand.NewPCG(crng.Uint64(), 1))})
		for w := range advWriters {
			p.started[w] = started[w].Load()
		}
		points = append(points, p)
	}
	writers.Wait()
	close(stop)
	others.Wait()
	if t.Failed() {
		return
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d crash points, acked at each: %v", len(points), func() (a [][advWriters]int64) {
		for _, p := range points {
			a = append(a, p.acked)
		}
		return a
	}())
	if len(points) < advWriters*opsPerWriter/cloneEvery-1 {
		t.Fatalf("only %d crash points: the test checked too little", len(points))
	}
	for i, p := range points {
		name := fmt.Sprintf("seed=%d point=%d", seed, i)
		lo := p.floor
		if opts.Sync == engine.SyncAlways {
			lo = p.acked
		}
		advCheckCrashPoint(t, name, p.fs, opts, h, lo, p.started)
	}
}

// advRecovered opens fs and returns, per writer, how many ops it holds,
// after checking that they form a prefix (no hole, batches whole).
func advRecovered(t *testing.T, name string, db *engine.DB, limit [advWriters]int64) [advWriters]int64 {
	t.Helper()
	got, err := dump(db)
	if err != nil {
		t.Fatalf("%s: dump: %v", name, err)
	}
	var n [advWriters]int64
	for w := range advWriters {
		j := int64(0)
		for ; j < limit[w]; j++ {
			v, ok := got[string(advCrashKey(w, int(j)))]
			if !ok {
				break
			}
			if string(v) != string(advCrashValue(w, int(j))) {
				t.Fatalf("%s: writer %d op %d holds a wrong value (%d bytes)", name, w, j, len(v))
			}
			delete(got, string(advCrashKey(w, int(j))))
		}
		last, ok := got[string(advLastKey(w))]
		delete(got, string(advLastKey(w)))
		switch {
		case j == 0 && ok:
			t.Fatalf("%s: writer %d: last=%q but none of its ops", name, w, last)
		case j > 0 && string(last) != strconv.Itoa(int(j-1)):
			t.Fatalf("%s: writer %d: ops 0..%d recovered but last=%q (part of a batch)", name, w, j-1, last)
		}
		n[w] = j
	}
	for k := range got {
		if len(k) > 1 && k[0] == 'w' {
			t.Fatalf("%s: key %q recovered beyond a hole or never written", name, k)
		}
	}
	return n
}

func advCheckCrashPoint(t *testing.T, name string, fs *vfs.MemFS, opts engine.Options, h *advHistory, lo, hi [advWriters]int64) {
	t.Helper()
	opts.FS = fs
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatalf("%s: reopen: %v", name, err)
	}
	n := advRecovered(t, name, db, hi)
	for w := range advWriters {
		if n[w] < lo[w] {
			t.Fatalf("%s: writer %d: %d ops recovered, want at least %d (acked %v)", name, w, n[w], lo[w], lo)
		}
		if n[w] > 0 {
			for u, need := range h.deps[w][n[w]-1] {
				if n[u] < need {
					t.Fatalf("%s: writer %d op %d survived but writer %d has %d ops, %d acked before it started", name, w, n[w]-1, u, n[u], need)
				}
			}
		}
	}
	// Crash again, without a Close, after more writes: the recovered DB
	// must be as durable as a fresh one.
	for i := range 30 {
		if err := db.Put(fmt.Appendf(nil, "post-%02d", i), make([]byte, 200)); err != nil {
			t.Fatalf("%s: put after recovery: %v", name, err)
		}
	}
	if opts.Sync != engine.SyncAlways {
		if err := db.Checkpoint(); err != nil {
			t.Fatalf("%s: checkpoint after recovery: %v", name, err)
		}
	}
	for i := 30; i < 40; i++ { // weak modes: not covered by the checkpoint, may be lost
		if err := db.Put(fmt.Appendf(nil, "post-%02d", i), make([]byte, 200)); err != nil {
			t.Fatalf("%s: put after recovery: %v", name, err)
		}
	}
	opts.FS = fs.CrashClone(vfs.CrashCloneCfg{})
	db2, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatalf("%s: second reopen: %v", name, err)
	}
	defer db2.Close()
	if n2 := advRecovered(t, name+" second crash", db2, hi); n2 != n {
		t.Fatalf("%s: the second crash changed the first recovery's state: %v, then %v", name, n, n2)
	}
	for i := range 40 {
		_, err := db2.Get(fmt.Appendf(nil, "post-%02d", i))
		if i < 30 || opts.Sync == engine.SyncAlways {
			if err != nil {
				t.Fatalf("%s: post-%02d written after recovery, lost in a second crash: %v", name, i, err)
			}
		} else if err != nil && !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("%s: post-%02d: %v", name, i, err)
		}
	}
	_ = db.Close()
}
