package main

import (
	"fmt"
	"slices"

	"github.com/tierkv/tierkv/tools/peerbench/internal/store"
)

// cell is the median of one (workload, engine) over the rounds.
type cell struct {
	Workload, Engine string
	Rounds           int
	OpsPerSec        float64
	ShiftedOpsPerSec float64
	P50Micros        float64
	P99Micros        float64
	WriteAmp         float64 // disk bytes per user byte; 0 for read-only workloads
	PeakRSSMiB       float64
	CacheHitRatio    float64 // store.HitCounter engines only
}

// summary holds the cells of a run, by workload then engine.
type summary struct {
	workloads, engines []string
	cells              map[string]map[string]cell
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func summarize(cfg *config, runs []runResult) *summary {
	s := &summary{workloads: workloadNames(cfg), engines: cfg.Engines, cells: map[string]map[string]cell{}}
	type key struct{ w, e string }
	group := map[key][]runResult{}
	for _, r := range runs {
		group[key{r.Workload, r.Engine}] = append(group[key{r.Workload, r.Engine}], r)
	}
	for k, rs := range group {
		pick := func(f func(runResult) float64) float64 {
			xs := make([]float64, len(rs))
			for i, r := range rs {
				xs[i] = f(r)
			}
			return median(xs)
		}
		c := cell{Workload: k.w, Engine: k.e, Rounds: len(rs),
			OpsPerSec:        pick(func(r runResult) float64 { return r.OpsPerSec }),
			ShiftedOpsPerSec: pick(func(r runResult) float64 { return r.ShiftedOpsPerSec }),
			P50Micros:        pick(func(r runResult) float64 { return r.P50Micros }),
			P99Micros:        pick(func(r runResult) float64 { return r.P99Micros }),
			WriteAmp:         pick(runResult.WriteAmp),
			PeakRSSMiB:       pick(func(r runResult) float64 { return float64(r.PeakRSS) / (1 << 20) }),
			CacheHitRatio:    pick(func(r runResult) float64 { return r.CacheHitRatio }),
		}
		if s.cells[k.w] == nil {
			s.cells[k.w] = map[string]cell{}
		}
		s.cells[k.w][k.e] = c
	}
	return s
}

// workloadNames returns the canonical names of cfg's workloads.
func workloadNames(cfg *config) []string {
	out := make([]string, len(cfg.Workloads))
	for i, w := range cfg.Workloads {
		out[i] = canonical(w)
	}
	return out
}

func (s *summary) get(w, e string) (cell, bool) {
	c, ok := s.cells[w][e]
	return c, ok
}

// ratio returns tierkv's figure over engine's for workload w (by f), or
// NaN-free 0 when either is missing or zero.
func (s *summary) ratio(w, engine string, f func(cell) float64) float64 {
	t, ok1 := s.get(w, store.Tierkv)
	p, ok2 := s.get(w, engine)
	if !ok1 || !ok2 || f(p) == 0 {
		return 0
	}
	return f(t) / f(p)
}

func opsOf(c cell) float64  { return c.OpsPerSec }
func wampOf(c cell) float64 { return c.WriteAmp }

// target is one acceptance criterion of the ISSUE.
type target struct {
	Name      string
	Workload  string
	Peer      string
	Metric    string // "ops/s" or "disk bytes"
	Want      float64
	AtMost    bool // the ratio must be <= Want (else >=)
	Got       float64
	Available bool
}

// Met reports whether the target was reached.
func (t target) Met() bool {
	if !t.Available {
		return false
	}
	if t.AtMost {
		return t.Got <= t.Want
	}
	return t.Got >= t.Want
}

// String describes the target, e.g. "C-zipf ops/s vs pebble >= 5.00x".
func (t target) String() string {
	op := ">="
	if t.AtMost {
		op = "<="
	}
	return fmt.Sprintf("%s %s vs %s %s %.2fx", t.Workload, t.Metric, t.Peer, op, t.Want)
}

// targets evaluates the ISSUE's targets on s.
func (s *summary) targets() []target {
	var ts []target
	add := func(w, peer, metric string, want float64, atMost bool) {
		f := opsOf
		if metric != "ops/s" {
			f = wampOf
		}
		_, ok1 := s.get(w, store.Tierkv)
		_, ok2 := s.get(w, peer)
		ts = append(ts, target{Workload: w, Peer: peer, Metric: metric, Want: want, AtMost: atMost,
			Got: s.ratio(w, peer, f), Available: ok1 && ok2})
	}
	for _, w := range []string{"C-zipf", "B-zipf"} {
		add(w, store.Pebble, "ops/s", 5, false)
		add(w, store.PebbleRistretto, "ops/s", 1.2, false)
	}
	add("A-zipf", store.Pebble, "ops/s", 1.5, false)
	for _, w := range s.workloads {
		if len(w) > 8 && w[len(w)-8:] == "-uniform" {
			add(w, store.Pebble, "ops/s", 0.9, false)
		}
	}
	add("A-zipf", store.Pebble, "disk bytes", 0.5, true)
	return ts
}
