package sim

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/tierkv/tierkv/memtier/policy"
)

// Config selects a grid of traces x sizes x policies for Run.
type Config struct {
	// Dir is the traces directory (holding arc/, lirs/, ...). Required.
	Dir string
	// Traces names the traces to replay (Catalog names); default all.
	Traces []string
	// Sizes overrides every selected trace's sizes (in the trace's unit);
	// default each trace's published sizes (Trace.Sizes).
	Sizes []int64
	// Policies lists the policies to simulate; default policy.Kinds().
	Policies []policy.Kind
	// Parallelism is how many goroutines replay a trace's simulators;
	// default runtime.GOMAXPROCS(0).
	Parallelism int
	// Options are the policy options of every simulator; Capacity is set
	// from each size (see NewSimulatorOptions). Default zero: every default.
	Options policy.Options
}

// Result is the outcome of one trace replayed through one policy at one size.
type Result struct {
	Trace    string
	File     string
	Unit     string
	Size     int64 // in Unit
	Capacity int64 // in policy cost units
	Policy   policy.Kind
	Requests int64
	Hits     int64
	HitRatio float64 // percent
}

// Run replays every trace of cfg through every policy at every size and
// returns the results in trace, size, policy order. Each trace is read once,
// its batches fanned out to all of its simulators. Run is safe for
// concurrent use. It returns ErrUnknownTrace, ErrFormat or a file error
// (wrapped), or ctx's error if it is cancelled.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	traces, err := selectTraces(cfg.Traces)
	if err != nil {
		return nil, err
	}
	kinds := cfg.Policies
	if len(kinds) == 0 {
		kinds = policy.Kinds()
	}
	par := cfg.Parallelism
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	var out []Result
	for _, t := range traces {
		sizes := t.Sizes
		if len(cfg.Sizes) > 0 {
			sizes = cfg.Sizes
		}
		res, err := replayGrid(ctx, cfg.Dir, t, sizes, kinds, cfg.Options, par)
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	return out, nil
}

// Replay replays one trace through one policy at one size (in the trace's unit).
func Replay(ctx context.Context, dir string, t Trace, kind policy.Kind, size int64) (Result, error) {
	res, err := replayGrid(ctx, dir, t, []int64{size}, []policy.Kind{kind}, policy.Options{}, 1)
	if err != nil {
		return Result{}, err
	}
	return res[0], nil
}

func selectTraces(names []string) ([]Trace, error) {
	if len(names) == 0 {
		return Catalog(), nil
	}
	out := make([]Trace, 0, len(names))
	for _, n := range names {
		t, err := Lookup(n)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// replayGrid feeds trace t once to a simulator per (size, kind), splitting
// the simulators over par goroutines that each process every batch.
func replayGrid(ctx context.Context, dir string, t Trace, sizes []int64, kinds []policy.Kind, opts policy.Options, par int) ([]Result, error) {
	var sims []*Simulator
	var out []Result
	for _, size := range sizes {
		for _, k := range kinds {
			opts.Capacity = t.Capacity(size)
			s, err := NewSimulatorOptions(k, opts, t.ByteSized())
			if err != nil {
				return nil, fmt.Errorf("sim: trace %s size %d: %w", t.Name, size, err)
			}
			sims = append(sims, s)
			out = append(out, Result{Trace: t.Name, File: t.File, Unit: t.Unit, Size: size,
				Capacity: t.Capacity(size), Policy: k})
		}
	}
	groups := split(sims, par)
	err := Stream(ctx, dir, t, func(batch []Request) error {
		var wg sync.WaitGroup
		for _, g := range groups[1:] {
			wg.Go(func() { replayBatch(g, batch) })
		}
		replayBatch(groups[0], batch)
		wg.Wait()
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, s := range sims {
		out[i].Requests, out[i].Hits, out[i].HitRatio = s.Requests(), s.Hits(), s.HitRatio()
	}
	return out, nil
}

func replayBatch(sims []*Simulator, batch []Request) {
	for _, s := range sims {
		for _, r := range batch {
			s.Access(r)
		}
	}
}

// split deals sims round-robin into at most par non-empty groups.
func split(sims []*Simulator, par int) [][]*Simulator {
	n := max(1, min(par, len(sims)))
	groups := make([][]*Simulator, n)
	for i, s := range sims {
		groups[i%n] = append(groups[i%n], s)
	}
	return groups
}
