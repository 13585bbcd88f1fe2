package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/tierkv/tierkv/engine"
	"github.com/tierkv/tierkv/tools/ycsb"
)

// workloadConfig is one measured phase of bench or demo.
type workloadConfig struct {
	Workload  ycsb.Workload
	Dist      ycsb.Distribution // overrides the workload's unless empty
	Records   uint64            // records loaded (keys 0..Records-1)
	ValueSize int
	Threads   int
	Duration  time.Duration
	MaxOps    int64 // stop after this many operations too, unless 0
	Seed      uint64
}

// phaseResult is what one phase measured.
type phaseResult struct {
	Elapsed   time.Duration
	Ops       int64
	PerKind   [ycsb.NumOpKinds]*hdrhistogram.Histogram // latency in ns
	All       *hdrhistogram.Histogram
	UserBytes int64 // key and value bytes written by the phase's writes
	Errors    int64
	FirstErr  error
}

// Histograms track 1ns to 60s with 3 significant digits.
const histMax = int64(60 * time.Second)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, histMax, 3) }

// client is one benchmark thread.
type client struct {
	db    *engine.DB
	ks    *ycsb.Keyspace
	gen   *ycsb.Generator
	rng   *rand.Rand
	vals  []byte // random bytes; values are windows of it
	vsize int
	key   []byte
	hists [ycsb.NumOpKinds]*hdrhistogram.Histogram
	user  int64
	ops   atomic.Int64
}

// runPhase runs cfg against db from cfg.Threads goroutines until the
// duration passes (or MaxOps), calling tick from this goroutine every
// 100ms with the operations done so far.
func runPhase(db *engine.DB, ks *ycsb.Keyspace, cfg workloadConfig, tick func(ops int64, elapsed time.Duration)) (*phaseResult, error) {
	clients := make([]*client, cfg.Threads)
	for i := range clients {
		gen, err := ycsb.NewGenerator(cfg.Workload.WithDistribution(cfg.Dist), ks, nil, ycsb.ThreadSeed(cfg.Seed, i))
		if err != nil {
			return nil, err
		}
		clients[i] = newClient(db, gen, cfg.ValueSize, cfg.Seed+uint64(i))
		clients[i].ks = ks
	}
	var stop atomic.Bool
	var total atomic.Int64
	errs := make(chan error, len(clients))
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range clients {
		wg.Go(func() { errs <- c.loop(&stop, &total, cfg.MaxOps) })
	}
	watch(&stop, &total, start, cfg, tick, &wg)
	wg.Wait()
	res := &phaseResult{Elapsed: time.Since(start), All: newHist()}
	close(errs)
	for err := range errs {
		if err != nil && res.FirstErr == nil {
			res.FirstErr = err
		}
	}
	merge(res, clients)
	return res, nil
}

// watch reports progress until the phase's time or operations run out, or
// every client has stopped, then tells the clients to stop.
func watch(stop *atomic.Bool, total *atomic.Int64, start time.Time, cfg workloadConfig, tick func(int64, time.Duration), wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	deadline := time.NewTimer(cfg.Duration)
	defer deadline.Stop()
	for {
		select {
		case <-done:
			stop.Store(true)
			return
		case <-deadline.C:
			stop.Store(true)
			return
		case <-t.C:
			if tick != nil {
				tick(total.Load(), time.Since(start))
			}
		}
	}
}

func newClient(db *engine.DB, gen *ycsb.Generator, vsize int, seed uint64) *client {
	c := &client{db: db, gen: gen, rng: rand.New(rand.NewPCG(seed, seed+1)), vsize: vsize}
	c.vals = make([]byte, 2*vsize+64)
	for i := range c.vals {
		c.vals[i] = byte(c.rng.Uint32())
	}
	for k := range c.hists {
		c.hists[k] = newHist()
	}
	return c
}

// loop runs operations until stop; it returns the first error, which
// stops only this client.
func (c *client) loop(stop *atomic.Bool, total *atomic.Int64, maxOps int64) error {
	for !stop.Load() {
		if maxOps > 0 && total.Add(1) > maxOps {
			return nil
		} else if maxOps == 0 {
			total.Add(1)
		}
		op := c.gen.Next()
		c.key = ycsb.KeyName(c.key[:0], op.KeyNum)
		t0 := time.Now()
		if err := c.do(op); err != nil {
			return fmt.Errorf("%s of record %d: %w", op.Kind, op.KeyNum, err)
		}
		if op.Kind == ycsb.Insert {
			c.ks.Ack(op.KeyNum)
		}
		_ = c.hists[op.Kind].RecordValue(min(int64(time.Since(t0)), histMax))
		c.ops.Add(1)
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
		_, err := c.db.Get(c.key)
		return ignoreNotFound(err)
	case ycsb.Update, ycsb.Insert:
		c.user += int64(len(c.key) + c.vsize)
		return c.db.Put(c.key, c.value())
	case ycsb.ReadModifyWrite:
		if _, err := c.db.Get(c.key); ignoreNotFound(err) != nil {
			return err
		}
		c.user += int64(len(c.key) + c.vsize)
		return c.db.Put(c.key, c.value())
	case ycsb.Scan:
		return c.scan(op.ScanLen)
	}
	return fmt.Errorf("unknown operation %v", op.Kind)
}

func (c *client) scan(n int) error {
	it, err := c.db.NewIter(&engine.IterOptions{LowerBound: c.key})
	if err != nil {
		return err
	}
	for ok := it.First(); ok && n > 1; ok = it.Next() {
		n--
	}
	return errors.Join(it.Error(), it.Close())
}

func ignoreNotFound(err error) error {
	if errors.Is(err, engine.ErrNotFound) {
		return nil
	}
	return err
}

// merge sums the clients' histograms and counters into res.
func merge(res *phaseResult, clients []*client) {
	for k := range res.PerKind {
		res.PerKind[k] = newHist()
	}
	for _, c := range clients {
		for k, h := range c.hists {
			res.PerKind[k].Merge(h)
			res.All.Merge(h)
		}
		res.UserBytes += c.user
		res.Ops += c.ops.Load()
	}
}

// load writes records [0, n) with values of size vsize in batches,
// calling progress with the records written so far.
func load(db *engine.DB, n uint64, vsize int, seed uint64, progress func(done uint64)) (userBytes int64, err error) {
	const batchOps = 256
	rng := rand.New(rand.NewPCG(seed, ^seed))
	vals := make([]byte, 2*vsize+64)
	for i := range vals {
		vals[i] = byte(rng.Uint32())
	}
	b := db.NewBatch()
	var key []byte
	for i := range n {
		key = ycsb.KeyName(key[:0], i)
		off := rng.IntN(len(vals) - vsize)
		b.Put(key, vals[off:off+vsize])
		userBytes += int64(len(key) + vsize)
		if b.Len() == batchOps || i == n-1 {
			if err := db.Apply(b); err != nil {
				return userBytes, fmt.Errorf("load record %d: %w", i, err)
			}
			b.Reset()
			if progress != nil {
				progress(i + 1)
			}
		}
	}
	return userBytes, nil
}
