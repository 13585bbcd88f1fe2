package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/tierkv/tierkv/tools/peerbench/internal/store"
	"github.com/tierkv/tierkv/tools/ycsb"
)

// Child jobs.
const (
	jobLoad = "load" // load the dataset into Dir, settle it, close
	jobRun  = "run"  // open Dir, warm up, measure, close
)

// childSpec is what the parent passes to a child process (as JSON).
type childSpec struct {
	Job        string
	Engine     string
	Dir        string
	Workload   string
	Round      int
	Memory     int64
	Records    uint64
	ValueSize  int
	Threads    int
	Duration   time.Duration
	Warmup     time.Duration
	Sync       bool
	Seed       uint64
	CPUProfile string // file for the measured phase's profile, or ""
}

// runResult is what a child reports (as JSON on stdout).
type runResult struct {
	Engine           string  `json:"engine"`
	Workload         string  `json:"workload"`
	Round            int     `json:"round"`
	Ops              int64   `json:"ops"`
	Seconds          float64 `json:"seconds"`
	OpsPerSec        float64 `json:"ops_per_sec"`
	ShiftedOpsPerSec float64 `json:"shifted_ops_per_sec,omitempty"` // hotshift: after the shift
	P50Micros        float64 `json:"p50_us"`
	P99Micros        float64 `json:"p99_us"`
	UserBytes        int64   `json:"user_bytes"` // key+value bytes written by the measured phase
	DiskBytes        int64   `json:"disk_bytes"` // write_bytes during the phase and the Close after it
	PeakRSS          int64   `json:"peak_rss"`   // the child's VmHWM
	LoadSeconds      float64 `json:"load_seconds,omitempty"`
	CacheHitRatio    float64 `json:"cache_hit_ratio,omitempty"` // store.HitCounter engines: hits per Get in the phase
}

// WriteAmp returns bytes written to disk per user byte, or 0 without writes.
func (r runResult) WriteAmp() float64 {
	if r.UserBytes == 0 {
		return 0
	}
	return float64(r.DiskBytes) / float64(r.UserBytes)
}

// childMain runs the job described by specJSON and writes its result to w.
func childMain(specJSON string, w io.Writer) error {
	var sp childSpec
	if err := json.Unmarshal([]byte(specJSON), &sp); err != nil {
		return fmt.Errorf("%w: bad spec: %v", errChild, err)
	}
	var res runResult
	var err error
	switch sp.Job {
	case jobLoad:
		res, err = loadJob(&sp)
	case jobRun:
		res, err = runJob(&sp)
	default:
		err = fmt.Errorf("%w: unknown job %q", errChild, sp.Job)
	}
	if err != nil {
		return err
	}
	if res.PeakRSS, err = peakRSS(); err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(res)
}

func (sp *childSpec) storeOptions() store.Options {
	return store.Options{Dir: sp.Dir, MemoryBytes: sp.Memory, Sync: sp.Sync, ItemBytes: keyBytes + sp.ValueSize}
}

func loadJob(sp *childSpec) (runResult, error) {
	start := time.Now()
	s, err := store.Open(sp.Engine, sp.storeOptions())
	if err != nil {
		return runResult{}, err
	}
	err = load(s, sp.Records, sp.ValueSize, sp.Seed)
	if err == nil {
		err = s.Settle()
	}
	if err = errors.Join(err, s.Close()); err != nil {
		return runResult{}, fmt.Errorf("load %s: %w", sp.Engine, err)
	}
	return runResult{Engine: sp.Engine, Workload: "load", LoadSeconds: time.Since(start).Seconds()}, nil
}

func runJob(sp *childSpec) (runResult, error) {
	w, err := ycsb.Parse(sp.Workload)
	if err != nil {
		return runResult{}, err
	}
	s, err := store.Open(sp.Engine, sp.storeOptions())
	if err != nil {
		return runResult{}, err
	}
	res, err := measure(s, w, sp)
	if err = errors.Join(err, closeCounted(s, &res)); err != nil {
		return runResult{}, fmt.Errorf("%s %s: %w", sp.Engine, sp.Workload, err)
	}
	return res, nil
}

// measure warms the engine up, then runs the measured phase; it leaves
// res.DiskBytes holding -write_bytes at the phase's start, for
// closeCounted to complete.
func measure(s store.Store, w ycsb.Workload, sp *childSpec) (runResult, error) {
	res := runResult{Engine: sp.Engine, Workload: w.Name, Round: sp.Round}
	ks := ycsb.NewKeyspace(sp.Records)
	shift := &ycsb.Shift{}
	cs, err := newClients(s, w, ks, shift, sp)
	if err != nil {
		return res, err
	}
	if sp.Warmup > 0 {
		if _, err := runPhase(cs, sp.Warmup, 0, nil); err != nil {
			return res, err
		}
	}
	before, err := ioWriteBytes()
	if err != nil {
		return res, err
	}
	res.DiskBytes = -before
	hits := hitRatio(s)
	stopProfile, err := startProfile(sp.CPUProfile)
	if err != nil {
		return res, err
	}
	var flipAt time.Duration
	if w.HotShift {
		flipAt = sp.Duration / 2
	}
	elapsed, err := runPhase(cs, sp.Duration, flipAt, shift)
	stopProfile()
	if err != nil {
		return res, err
	}
	res.CacheHitRatio = hits()
	t := totals(cs)
	res.Ops, res.Seconds, res.UserBytes = t.ops, elapsed.Seconds(), t.userBytes
	res.OpsPerSec = float64(t.ops) / elapsed.Seconds()
	if flipAt > 0 {
		res.ShiftedOpsPerSec = float64(t.opsShifted) / (elapsed - flipAt).Seconds()
	}
	res.P50Micros = float64(t.hist.ValueAtQuantile(50)) / 1e3
	res.P99Micros = float64(t.hist.ValueAtQuantile(99)) / 1e3
	return res, nil
}

// hitRatio snapshots s's cache counters (if it has them) and returns a
// function giving the hit ratio since.
func hitRatio(s store.Store) func() float64 {
	hc, ok := s.(store.HitCounter)
	if !ok {
		return func() float64 { return 0 }
	}
	h0, g0 := hc.Hits()
	return func() float64 {
		h1, g1 := hc.Hits()
		if g1 == g0 {
			return 0
		}
		return float64(h1-h0) / float64(g1-g0)
	}
}

// closeCounted closes s and completes res.DiskBytes: the close is part of
// the phase's cost, as every store's Close hands its buffered writes to its
// main on-disk structure (see store.Store.Close).
func closeCounted(s store.Store, res *runResult) error {
	err := s.Close()
	after, ioErr := ioWriteBytes()
	res.DiskBytes += after
	return errors.Join(err, ioErr)
}

func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
