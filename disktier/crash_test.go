package disktier

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

var crashSeed = flag.Uint64("crash.seed", 0, "replay TestDisableWALCrashProperty with this seed (0: time-based seeds)")

// crashOp is one operation of a test batch.
type crashOp struct {
	key  string
	kind byte // 's' set, 't' tombstone, 'd' delete
	val  []byte
}

// crashSnap is one state the store passed through: after a committed
// batch, or after Compact purged tombstones (same watermark).
type crashSnap struct {
	watermark uint64
	state     map[string]version
}

// crashModel holds every state the store passed through, in order.
type crashModel struct {
	snaps []crashSnap
	cur   map[string]version
}

func newCrashModel() *crashModel {
	return &crashModel{snaps: []crashSnap{{0, map[string]version{}}}, cur: map[string]version{}}
}

// commit applies batch seq (which also sets the watermark to seq).
func (m *crashModel) commit(ops []crashOp, seq uint64) {
	for _, op := range ops {
		switch op.kind {
		case 's':
			m.cur[op.key] = version{value: op.val, seq: seq}
		case 't':
			m.cur[op.key] = version{seq: seq, tomb: true}
		case 'd':
			delete(m.cur, op.key)
		}
	}
	m.snaps = append(m.snaps, crashSnap{seq, maps.Clone(m.cur)})
}

// purge models Compact(nil, nil): tombstones at or below the watermark go.
func (m *crashModel) purge() {
	w := m.snaps[len(m.snaps)-1].watermark
	maps.DeleteFunc(m.cur, func(_ string, v version) bool { return v.tomb && v.seq <= w })
	m.snaps = append(m.snaps, crashSnap{w, maps.Clone(m.cur)})
}

// last is the index of the newest state.
func (m *crashModel) last() int { return len(m.snaps) - 1 }

// readAll returns the store's whole user keyspace.
func readAll(t *testing.T, s *Store) map[string]version {
	t.Helper()
	it, err := s.NewIter(nil, nil)
	if err != nil {
		t.Fatalf("NewIter: %v", err)
	}
	defer it.Close()
	st := map[string]version{}
	for ok := it.First(); ok; ok = it.Next() {
		st[string(it.Key())] = version{value: bytes.Clone(it.Value()), seq: it.Seq(), tomb: it.Tombstone()}
	}
	if err := it.Error(); err != nil {
		t.Fatalf("iterate: %v", err)
	}
	return st
}

func equalStates(a, b map[string]version) bool {
	return maps.EqualFunc(a, b, func(x, y version) bool {
		return x.seq == y.seq && x.tomb == y.tomb && bytes.Equal(x.value, y.value)
	})
}

// randomBatch returns ~20 operations, or now and then 300 (over half the
// test's memtable size: Pebble then queues the batch itself as a flushable
// instead of applying it to the memtable).
func randomBatch(rng *rand.Rand) []crashOp {
	n := 15 + rng.IntN(11)
	if rng.IntN(30) == 0 {
		n = 300
	}
	ops := make([]crashOp, n)
	for i := range ops {
		op := crashOp{key: fmt.Sprintf("key%03d", rng.IntN(300))}
		switch r := rng.IntN(10); {
		case r < 7:
			op.kind = 's'
			op.val = bytes.Repeat([]byte{byte(rng.Uint32())}, rng.IntN(400))
		case r < 9:
			op.kind = 't'
		default:
			op.kind = 'd'
		}
		ops[i] = op
	}
	return ops
}

// TestDisableWALCrashProperty proves the property the design rests on:
// with Pebble's WAL disabled, a crash at any moment reopens to exactly the
// state after some whole committed batch at or after the last completed
// Flush. 200 crash clones: 4 seeds x {0, 50}% unsynced data x 25 clones.
func TestDisableWALCrashProperty(t *testing.T) {
	seeds := []uint64{*crashSeed}
	if *crashSeed == 0 {
		base := uint64(time.Now().UnixNano())
		seeds = []uint64{base, base + 1, base + 2, base + 3}
	}
	var tally crashTally
	for _, seed := range seeds {
		for _, pct := range []int{0, 50} {
			t.Run(fmt.Sprintf("seed=%d/unsynced=%d", seed, pct), func(t *testing.T) {
				t.Logf("replay with -crash.seed=%d", seed)
				runCrashProperty(t, seed, pct, 25, &tally)
			})
		}
	}
	t.Logf("%d crash clones: %d at the last Flush, %d beyond it (background flushes)", tally.clones, tally.atFlush, tally.beyondFlush)
	if len(seeds) > 1 && tally.beyondFlush == 0 {
		t.Fatalf("no crash clone landed beyond the last Flush: the test did not exercise background flushes")
	}
}

func runCrashProperty(t *testing.T, seed uint64, pct, clones int, tally *crashTally) {
	rng := rand.New(rand.NewPCG(seed, uint64(pct)))
	fs := vfs.NewCrashableMem()
	opts := &Options{MemTableBytes: 64 << 10, BlockCacheBytes: 1 << 20, L0CompactionThreshold: 2}
	s := openMem(t, fs, opts)
	defer s.Close()
	m := newCrashModel()
	flushed := 0 // the state covered by the last completed Flush
	b := s.NewBatch()
	for c := 0; c < clones; {
		ops := randomBatch(rng)
		seq := uint64(len(m.snaps))
		for _, op := range ops {
			switch op.kind {
			case 's':
				b.Set([]byte(op.key), op.val, seq)
			case 't':
				b.SetTombstone([]byte(op.key), seq)
			case 'd':
				b.Delete([]byte(op.key))
			}
		}
		b.SetWatermark(seq)
		mustCommit(t, s, b)
		m.commit(ops, seq)
		switch r := rng.IntN(50); {
		case r < 2:
			if err := s.Flush(); err != nil {
				t.Fatalf("seed=%d: Flush: %v", seed, err)
			}
			flushed = m.last()
		case r < 3:
			if err := s.Compact(nil, nil); err != nil {
				t.Fatalf("seed=%d: Compact: %v", seed, err)
			}
			m.purge()
			flushed = m.last()
		}
		if rng.IntN(6) == 0 {
			at := checkCrashClone(t, fs, m, flushed, seed, pct, rng.Uint64(), opts)
			tally.record(at, flushed)
			c++
		}
	}
}

// crashTally counts where the crash clones landed, so that the test can
// insist it saw clones beyond the last Flush (background flushes).
type crashTally struct {
	clones, atFlush, beyondFlush int
}

func (c *crashTally) record(at, flushed int) {
	c.clones++
	if at == flushed {
		c.atFlush++
	} else {
		c.beyondFlush++
	}
}

// checkCrashClone reopens a crash clone of fs, checks that it holds one of
// the states from the last Flush on, and returns that state's index.
func checkCrashClone(t *testing.T, fs *vfs.MemFS, m *crashModel, flushed int, seed uint64, pct int, cloneSeed uint64, opts *Options) int {
	t.Helper()
	cfg := vfs.CrashCloneCfg{UnsyncedDataPercent: pct}
	if pct > 0 {
		cfg.RNG = rand.New(rand.NewPCG(cloneSeed, 0))
	}
	crashed := fs.CrashClone(cfg)
	o := *opts
	o.FS = crashed
	s, err := Open("disk", &o)
	if err != nil {
		t.Fatalf("seed=%d unsynced=%d: reopening the crash clone (state %d, last flush %d): %v",
			seed, pct, m.last(), flushed, err)
	}
	defer s.Close()
	w, got := s.Watermark(), readAll(t, s)
	for i := m.last(); i >= flushed; i-- {
		if m.snaps[i].watermark == w && equalStates(got, m.snaps[i].state) {
			return i
		}
	}
	t.Fatalf("seed=%d unsynced=%d: crash clone (watermark %d, %d keys) is none of the states %d..%d after the last Flush: DisableWAL property broken",
		seed, pct, w, len(got), flushed, m.last())
	return -1
}

// TestCrashDuringFlush takes crash clones from another goroutine while the
// writer commits and flushes, so clones also land inside explicit flushes:
// each clone must hold a whole-batch state between the last Flush that had
// completed before the clone and the last commit made before it ended.
func TestCrashDuringFlush(t *testing.T) {
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("replay with -crash.seed=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 99))
	fs := vfs.NewCrashableMem()
	opts := &Options{MemTableBytes: 64 << 10, BlockCacheBytes: 1 << 20, L0CompactionThreshold: 2}
	s := openMem(t, fs, opts)
	defer s.Close()
	var (
		mu      sync.Mutex // guards m
		m       = newCrashModel()
		flushed atomic.Int64
		clones  = make(chan error, 1)
	)
	go func() {
		crng := rand.New(rand.NewPCG(seed, 100))
		for n := 0; n < 40; n++ {
			lo := int(flushed.Load())
			crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 50, RNG: crng})
			mu.Lock()
			hi, snaps := m.last(), m.snaps
			mu.Unlock()
			if err := checkClone(crashed, opts, snaps, lo, hi); err != nil {
				clones <- fmt.Errorf("seed=%d clone %d: %w", seed, n, err)
				return
			}
		}
		clones <- nil
	}()
	b := s.NewBatch()
	for done := false; !done; {
		select {
		case err := <-clones:
			if err != nil {
				t.Fatal(err)
			}
			done = true
			continue
		default:
		}
		ops := randomBatch(rng)
		mu.Lock()
		seq := uint64(len(m.snaps))
		mu.Unlock()
		applyOps(b, ops, seq)
		mustCommit(t, s, b)
		mu.Lock()
		m.commit(ops, seq)
		mu.Unlock()
		if rng.IntN(5) == 0 {
			if err := s.Flush(); err != nil {
				t.Fatalf("seed=%d: Flush: %v", seed, err)
			}
			flushed.Store(int64(seq))
		}
	}
}

// applyOps adds ops to b as batch seq, with the watermark.
func applyOps(b *Batch, ops []crashOp, seq uint64) {
	for _, op := range ops {
		switch op.kind {
		case 's':
			b.Set([]byte(op.key), op.val, seq)
		case 't':
			b.SetTombstone([]byte(op.key), seq)
		case 'd':
			b.Delete([]byte(op.key))
		}
	}
	b.SetWatermark(seq)
}

// checkClone opens a crash clone and checks it holds one of snaps[lo..hi].
func checkClone(fs vfs.FS, opts *Options, snaps []crashSnap, lo, hi int) error {
	o := *opts
	o.FS = fs
	s, err := Open("disk", &o)
	if err != nil {
		return fmt.Errorf("reopen: %w", err)
	}
	defer s.Close()
	it, err := s.NewIter(nil, nil)
	if err != nil {
		return err
	}
	got := map[string]version{}
	for ok := it.First(); ok; ok = it.Next() {
		got[string(it.Key())] = version{value: bytes.Clone(it.Value()), seq: it.Seq(), tomb: it.Tombstone()}
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return err
	}
	w := s.Watermark()
	for i := hi; i >= lo; i-- {
		if snaps[i].watermark == w && equalStates(got, snaps[i].state) {
			return nil
		}
	}
	return fmt.Errorf("clone (watermark %d, %d keys) is none of the states %d..%d: DisableWAL property broken", w, len(got), lo, hi)
}
