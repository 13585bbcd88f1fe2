package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tierkv/tierkv/tools/peerbench/internal/store"
)

// bench is the parent process: it loads a template per engine, then runs
// every (round, workload, engine) in a child, engines alternating.
type bench struct {
	cfg       *config
	self      string // this binary, re-executed for children
	work      string
	progress  io.Writer
	templates map[string]map[string]int64 // engine -> template file sizes
}

func newBench(cfg *config, progress io.Writer) (*bench, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	work, cleanup := cfg.WorkDir, func() {}
	if work == "" {
		if work, err = os.MkdirTemp("", "peerbench-"); err != nil {
			return nil, nil, err
		}
		cleanup = func() { os.RemoveAll(work) }
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, nil, err
	}
	return &bench{cfg: cfg, self: self, work: work, progress: progress, templates: map[string]map[string]int64{}}, cleanup, nil
}

func (b *bench) spec(job, engine, dir string) childSpec {
	c := b.cfg
	return childSpec{Job: job, Engine: engine, Dir: dir, Memory: c.Memory, Records: c.Records,
		ValueSize: c.ValueSize, Threads: c.Threads, Duration: c.Duration, Warmup: c.Warmup,
		Sync: c.Sync, Seed: c.Seed}
}

func (b *bench) template(engine string) string {
	return filepath.Join(b.work, "template-"+sanitize(engine))
}

func sanitize(s string) string { return strings.NewReplacer("+", "_", "/", "_").Replace(s) }

// loadTemplates loads the dataset once per engine.
func (b *bench) loadTemplates() (map[string]runResult, error) {
	loads := map[string]runResult{}
	for _, e := range b.cfg.Engines {
		dir := b.template(e)
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		sp := b.spec(jobLoad, e, dir)
		r, err := b.child(sp)
		if err != nil {
			return nil, err
		}
		sizes, err := fileSizes(dir)
		if err != nil {
			return nil, err
		}
		b.templates[e] = sizes
		var size int64
		for _, n := range sizes {
			size += n
		}
		fmt.Fprintf(b.progress, "load %-17s %d records in %.1fs, %.1f MiB on disk\n", e, b.cfg.Records, r.LoadSeconds, float64(size)/(1<<20))
		loads[e] = r
	}
	return loads, nil
}

// runAll runs the rounds; engines alternate within each workload.
func (b *bench) runAll() ([]runResult, error) {
	var out []runResult
	total := b.cfg.Rounds * len(b.cfg.Workloads) * len(b.cfg.Engines)
	for round := 1; round <= b.cfg.Rounds; round++ {
		for _, w := range b.cfg.Workloads {
			for _, e := range b.cfg.Engines {
				r, err := b.runOne(round, w, e)
				if err != nil {
					return out, err
				}
				out = append(out, r)
				fmt.Fprintf(b.progress, "[%d/%d] round %d %-10s %-17s %10.0f ops/s  p99 %8.1fus  wamp %5.2f  rss %5.0f MiB%s\n",
					len(out), total, round, r.Workload, e, r.OpsPerSec, r.P99Micros, r.WriteAmp(), float64(r.PeakRSS)/(1<<20), hitNote(r))
			}
		}
	}
	return out, nil
}

func (b *bench) runOne(round int, w, engine string) (runResult, error) {
	dir := filepath.Join(b.work, "run-"+sanitize(engine))
	if err := os.RemoveAll(dir); err != nil {
		return runResult{}, err
	}
	if err := checkTemplate(b.template(engine), b.templates[engine]); err != nil {
		return runResult{}, err
	}
	if err := cloneDir(b.template(engine), dir, engine != store.Badger); err != nil {
		return runResult{}, fmt.Errorf("clone the %s template: %w", engine, err)
	}
	defer os.RemoveAll(dir)
	sp := b.spec(jobRun, engine, dir)
	sp.Workload, sp.Round = w, round
	if engine == b.cfg.Profile {
		sp.CPUProfile = filepath.Join(b.cfg.Out, fmt.Sprintf("cpu-%s-%s-r%d.pprof", sanitize(engine), w, round))
	}
	return b.child(sp)
}

func hitNote(r runResult) string {
	if r.CacheHitRatio == 0 {
		return ""
	}
	return fmt.Sprintf("  cache hits %.1f%%", 100*r.CacheHitRatio)
}

// child runs one job in a fresh process and decodes its result.
func (b *bench) child(sp childSpec) (runResult, error) {
	js, err := json.Marshal(sp)
	if err != nil {
		return runResult{}, err
	}
	cmd := exec.Command(b.self, "-child", string(js))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return runResult{}, fmt.Errorf("%w: %s %s %s after %v: %v\n%s", errChild, sp.Job, sp.Engine, sp.Workload,
			time.Since(start).Round(time.Millisecond), err, stderr.String())
	}
	var r runResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return runResult{}, fmt.Errorf("%w: %s %s %s: bad output %q: %v", errChild, sp.Job, sp.Engine, sp.Workload, stdout.String(), err)
	}
	return r, nil
}
