package main

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/tierkv/tierkv/tools/peerbench/internal/store"
	"github.com/tierkv/tierkv/tools/ycsb"
)

// Latency histograms track 1ns to 60s, in nanoseconds, with
// 3 significant digits.
const histMax = int64(60 * time.Second)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, histMax, 3) }

// client is one benchmark thread; its generator and value stream persist
// from the warm-up into the measured phase.
type client struct {
	s     store.Store
	ks    *ycsb.Keyspace
	shift *ycsb.Shift
	gen   *ycsb.Generator
	rng   *rand.Rand
	vals  []byte // random bytes; values are windows of it
	vsize int
	key   []byte

	// Counters of the current phase.
	hist       *hdrhistogram.Histogram
	ops        int64
	opsShifted int64 // operations after the hot-set shift
	userBytes  int64 // key+value bytes of writes
}

func newClients(s store.Store, w ycsb.Workload, ks *ycsb.Keyspace, shift *ycsb.Shift, sp *childSpec) ([]*client, error) {
	cs := make([]*client, sp.Threads)
	for i := range cs {
		seed := ycsb.ThreadSeed(sp.Seed, i) // the CLI's per-thread seeds
		gen, err := ycsb.NewGenerator(w, ks, shift, seed)
		if err != nil {
			return nil, err
		}
		c := &client{s: s, ks: ks, shift: shift, gen: gen, vsize: sp.ValueSize,
			rng: rand.New(rand.NewPCG(seed, seed+1)), hist: newHist()}
		c.vals = randomBytes(c.rng, valueSourceBytes(sp.ValueSize))
		cs[i] = c
	}
	return cs, nil
}

// valueSourceBytes sizes the random buffer that values are windows of:
// 1 MiB, so the few values in one block rarely overlap and compress no
// better than random data (YCSB's values are random too), and at least
// twice the value.
func valueSourceBytes(vsize int) int { return max(1<<20, 2*vsize+64) }

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// runPhase runs every client until d passes, flipping shift (if any) at
// flipAt (0: never), with fresh counters; it returns the wall time and the
// first error.
func runPhase(cs []*client, d, flipAt time.Duration, shift *ycsb.Shift) (time.Duration, error) {
	var stop atomic.Bool
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range cs {
		c.hist, c.ops, c.opsShifted, c.userBytes = newHist(), 0, 0, 0
		wg.Go(func() { errs[i] = c.loop(&stop) })
	}
	if flipAt > 0 && shift != nil {
		time.Sleep(flipAt)
		shift.Flip()
		time.Sleep(d - flipAt)
	} else {
		time.Sleep(d)
	}
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return elapsed, err
		}
	}
	return elapsed, nil
}

// loop runs operations until stop; an error stops this client.
func (c *client) loop(stop *atomic.Bool) error {
	for !stop.Load() {
		op := c.gen.Next()
		c.key = ycsb.KeyName(c.key[:0], op.KeyNum)
		t0 := time.Now()
		if err := c.do(op); err != nil {
			return fmt.Errorf("%s of record %d: %w", op.Kind, op.KeyNum, err)
		}
		_ = c.hist.RecordValue(min(int64(time.Since(t0)), histMax))
		if op.Kind == ycsb.Insert {
			c.ks.Ack(op.KeyNum)
		}
		c.ops++
		if c.shift.Flipped() {
			c.opsShifted++
		}
	}
	return nil
}

func (c *client) value() []byte {
	off := c.rng.IntN(len(c.vals) - c.vsize)
	return c.vals[off : off+c.vsize]
}

func (c *client) do(op ycsb.Op) error {
	switch op.Kind {
	case ycsb.Read:
		_, err := c.s.Get(c.key)
		return err
	case ycsb.Update, ycsb.Insert:
		c.userBytes += int64(len(c.key) + c.vsize)
		return c.s.Put(c.key, c.value())
	case ycsb.ReadModifyWrite:
		if _, err := c.s.Get(c.key); err != nil {
			return err
		}
		c.userBytes += int64(len(c.key) + c.vsize)
		return c.s.Put(c.key, c.value())
	case ycsb.Scan:
		_, err := c.s.Scan(c.key, op.ScanLen)
		return err
	}
	return fmt.Errorf("unknown operation %v", op.Kind)
}

// phaseTotals sums the clients' counters.
type phaseTotals struct {
	hist                       *hdrhistogram.Histogram
	ops, opsShifted, userBytes int64
}

func totals(cs []*client) phaseTotals {
	t := phaseTotals{hist: newHist()}
	for _, c := range cs {
		t.hist.Merge(c.hist)
		t.ops += c.ops
		t.opsShifted += c.opsShifted
		t.userBytes += c.userBytes
	}
	return t
}

// load writes records [0, n) in batches, each value a window of a random
// buffer drawn from seed, so every engine loads the same bytes.
func load(s store.Store, n uint64, vsize int, seed uint64) error {
	const batchOps = 256
	rng := rand.New(rand.NewPCG(seed, ^seed))
	vals := randomBytes(rng, valueSourceBytes(vsize))
	keys := make([][]byte, 0, batchOps)
	values := make([][]byte, 0, batchOps)
	for i := range n {
		off := rng.IntN(len(vals) - vsize)
		keys = append(keys, ycsb.KeyName(nil, i))
		values = append(values, vals[off:off+vsize])
		if len(keys) == batchOps || i == n-1 {
			if err := s.WriteBatch(keys, values); err != nil {
				return fmt.Errorf("load record %d: %w", i, err)
			}
			keys, values = keys[:0], values[:0]
		}
	}
	return nil
}
