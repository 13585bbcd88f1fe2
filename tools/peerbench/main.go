package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/tierkv/tierkv/tools/peerbench/internal/store"
	"github.com/tierkv/tierkv/tools/ycsb"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	cfg, child, err := parseFlags(args)
	if err != nil {
		return err
	}
	if child != "" {
		return childMain(child, stdout)
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return err
	}
	if cfg.Report != "" {
		runs, err := readRuns(cfg.Report, cfg)
		if err != nil {
			return err
		}
		return report(stdout, cfg, runs)
	}
	b, cleanup, err := newBench(cfg, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	writeTerms(stdout, cfg)
	if _, err := b.loadTemplates(); err != nil {
		return err
	}
	runs, err := b.runAll()
	if err != nil {
		return err
	}
	return report(stdout, cfg, runs)
}

// report prints the tables, writes the CSVs, the Markdown tables and the
// charts.
func report(stdout io.Writer, cfg *config, runs []runResult) error {
	s := summarize(cfg, runs)
	if err := writeResults(stdout, s, false); err != nil {
		return err
	}
	ts := s.targets()
	if err := writeTargets(stdout, ts, false); err != nil {
		return err
	}
	if err := writeCSVs(cfg.Out, s, runs); err != nil {
		return err
	}
	md, err := os.Create(cfg.Out + "/summary.md")
	if err != nil {
		return err
	}
	err = errors.Join(writeResults(md, s, true), writeTargets(md, ts, true), md.Close())
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%d records x %d B, budget %.0f MiB, %d threads, sync=%v, median of %d",
		cfg.Records, cfg.ValueSize, float64(cfg.Memory)/(1<<20), cfg.Threads, cfg.Sync, cfg.Rounds)
	paths, err := writeCharts(cfg.Out, s, title)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s/summary.csv, runs.csv, summary.md and %s\n", cfg.Out, strings.Join(paths, ", "))
	return nil
}

// writeTerms prints the fair terms of the run.
func writeTerms(w io.Writer, cfg *config) {
	fmt.Fprintf(w, "peerbench %s — %s, GOMAXPROCS %d\n", time.Now().UTC().Format(time.RFC3339), runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "command: peerbench %s\n", strings.Join(cfg.Args, " "))
	fmt.Fprintf(w, "dataset: %d records x (%d B key + %d B value) = %.0f MiB, loaded once per engine, settled, cloned fresh per run\n",
		cfg.Records, keyBytes, cfg.ValueSize, float64(cfg.Records)*float64(keyBytes+cfg.ValueSize)/(1<<20))
	fmt.Fprintf(w, "memory budget per engine: %.1f MiB\n", float64(cfg.Memory)/(1<<20))
	for _, e := range cfg.Engines {
		fmt.Fprintf(w, "  %-17s %s\n", e, store.Split(e, cfg.Memory))
	}
	fmt.Fprintf(w, "write buffers: %d x %d MiB memtables in every LSM; durability: fsync per write = %v (all engines)\n",
		store.WriteBuffers, store.WriteBufferBytes>>20, cfg.Sync)
	fmt.Fprintf(w, "threads %d, seed %d, warm-up %v + measured %v per run, %d rounds, engines alternating %s\n",
		cfg.Threads, cfg.Seed, cfg.Warmup, cfg.Duration, cfg.Rounds, strings.Join(cfg.Engines, " "))
	for _, name := range cfg.Workloads {
		wl, _ := ycsb.Parse(name)
		fmt.Fprintf(w, "  %-10s %s\n", wl.Name, wl.Describe())
	}
}

// canonical returns the canonical name of workload name.
func canonical(name string) string {
	w, err := ycsb.Parse(name)
	if err != nil {
		return name
	}
	return w.Name
}
