package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/tierkv/tierkv/tools/peerbench/internal/store"
)

// newTable returns a table on w; markdown selects the Markdown renderer
// (for docs/BENCHMARKS.md), else the default box drawing.
func newTable(w io.Writer, markdown bool) *tablewriter.Table {
	opts := []tablewriter.Option{tablewriter.WithHeaderAutoFormat(tw.Off)}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	return tablewriter.NewTable(w, opts...)
}

func exact(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
func f0(x float64) string    { return strconv.FormatFloat(x, 'f', 0, 64) }
func f1(x float64) string    { return strconv.FormatFloat(x, 'f', 1, 64) }
func f2(x float64) string    { return strconv.FormatFloat(x, 'f', 2, 64) }

// ratioStr formats tierkv's ratio, "-" when there is none.
func ratioStr(x float64) string {
	if x == 0 {
		return "-"
	}
	return f2(x) + "x"
}

// writeResults renders the results table (medians per workload and engine,
// with tierkv's throughput ratio to the engine) to w.
func writeResults(w io.Writer, s *summary, markdown bool) error {
	t := newTable(w, markdown)
	t.Header("workload", "engine", "ops/s", "p50 µs", "p99 µs", "disk B / user B", "peak RSS MiB", "mem-tier hits", "tierkv ÷ engine (ops/s)")
	for _, wl := range s.workloads {
		for _, e := range s.engines {
			c, ok := s.get(wl, e)
			if !ok {
				continue
			}
			wamp := "-"
			if c.WriteAmp > 0 {
				wamp = f2(c.WriteAmp)
			}
			ratio := "-"
			if e != store.Tierkv {
				ratio = ratioStr(s.ratio(wl, e, opsOf))
			}
			hits := "-"
			if c.CacheHitRatio > 0 {
				hits = f1(100*c.CacheHitRatio) + "%"
			}
			if err := t.Append(wl, e, f0(c.OpsPerSec), f1(c.P50Micros), f1(c.P99Micros), wamp, f0(c.PeakRSSMiB), hits, ratio); err != nil {
				return err
			}
		}
	}
	return t.Render()
}

// writeTargets renders the ISSUE's targets with the ratios measured.
func writeTargets(w io.Writer, ts []target, markdown bool) error {
	t := newTable(w, markdown)
	t.Header("target (tierkv ÷ peer)", "measured", "met")
	for _, tg := range ts {
		got, met := "n/a", "n/a"
		if tg.Available {
			got, met = f2(tg.Got)+"x", "no"
			if tg.Met() {
				met = "yes"
			}
		}
		if err := t.Append(tg.String(), got, met); err != nil {
			return err
		}
	}
	return t.Render()
}

// writeCSVs writes summary.csv (the medians and ratios) and runs.csv
// (every child run) into dir.
func writeCSVs(dir string, s *summary, runs []runResult) error {
	head := []string{"workload", "engine", "rounds", "ops_per_sec", "shifted_ops_per_sec", "p50_us", "p99_us",
		"disk_bytes_per_user_byte", "peak_rss_mib", "tierkv_ops_ratio", "tierkv_disk_bytes_ratio", "cache_hit_ratio"}
	var rows [][]string
	for _, wl := range s.workloads {
		for _, e := range s.engines {
			c, ok := s.get(wl, e)
			if !ok {
				continue
			}
			rows = append(rows, []string{wl, e, strconv.Itoa(c.Rounds), f1(c.OpsPerSec), f1(c.ShiftedOpsPerSec),
				f2(c.P50Micros), f2(c.P99Micros), strconv.FormatFloat(c.WriteAmp, 'f', 3, 64), f1(c.PeakRSSMiB),
				strconv.FormatFloat(s.ratio(wl, e, opsOf), 'f', 3, 64), strconv.FormatFloat(s.ratio(wl, e, wampOf), 'f', 3, 64),
				strconv.FormatFloat(c.CacheHitRatio, 'f', 3, 64)})
		}
	}
	if err := writeCSV(filepath.Join(dir, "summary.csv"), head, rows); err != nil {
		return err
	}
	head = []string{"round", "workload", "engine", "ops", "seconds", "ops_per_sec", "shifted_ops_per_sec", "p50_us", "p99_us",
		"user_bytes", "disk_bytes", "peak_rss_bytes", "cache_hit_ratio"}
	rows = rows[:0]
	for _, r := range runs {
		// Full precision, so that -report reproduces the summary exactly.
		rows = append(rows, []string{strconv.Itoa(r.Round), r.Workload, r.Engine, strconv.FormatInt(r.Ops, 10),
			exact(r.Seconds), exact(r.OpsPerSec), exact(r.ShiftedOpsPerSec), exact(r.P50Micros), exact(r.P99Micros),
			strconv.FormatInt(r.UserBytes, 10), strconv.FormatInt(r.DiskBytes, 10), strconv.FormatInt(r.PeakRSS, 10),
			exact(r.CacheHitRatio)})
	}
	return writeCSV(filepath.Join(dir, "runs.csv"), head, rows)
}

func writeCSV(path string, head []string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(head)
	_ = w.WriteAll(rows) // WriteAll flushes; its error covers every row
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
