package main

import (
	"fmt"
	"io"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/tierkv/tierkv/engine"
	"github.com/tierkv/tierkv/tools/ycsb"
)

// phaseReport is the outcome of one measured phase, as printed and as
// --json emits it.
type phaseReport struct {
	Workload     string       `json:"workload"`
	Mix          string       `json:"mix"`
	Threads      int          `json:"threads"`
	Seconds      float64      `json:"seconds"`
	Ops          int64        `json:"ops"`
	OpsPerSec    float64      `json:"ops_per_sec"`
	Latency      []opLatency  `json:"latency"`
	Tiers        tierReport   `json:"tiers"`
	Writes       writeReport  `json:"writes"`
	Sizes        sizesReport  `json:"sizes"`
	Errors       string       `json:"error,omitempty"`
	statsAtStart engine.Stats // for the deltas
}

type opLatency struct {
	Op        string  `json:"op"`
	Count     int64   `json:"count"`
	OpsPerSec float64 `json:"ops_per_sec"`
	P50us     float64 `json:"p50_us"`
	P99us     float64 `json:"p99_us"`
	P999us    float64 `json:"p999_us"`
}

// tierReport says which tier answered the phase's Gets.
type tierReport struct {
	Gets          uint64  `json:"gets"`
	MemHitRatio   float64 `json:"mem_hit_ratio"`
	DiskHitRatio  float64 `json:"disk_hit_ratio"`
	NotFoundRatio float64 `json:"not_found_ratio"`
	Promotions    uint64  `json:"promotions"`
	Evictions     uint64  `json:"evictions"`
	WriteBacks    uint64  `json:"write_backs"`
}

// writeReport is the disk traffic of the phase per byte the user wrote:
// WAL and disk-tier bytes counted at the filesystem, including the
// checkpoint that ends the phase, over the key and value bytes of the
// phase's writes.
type writeReport struct {
	UserBytes        int64   `json:"user_bytes"`
	WALBytes         int64   `json:"wal_bytes_written"`
	DiskTierBytes    int64   `json:"disk_tier_bytes_written"`
	BytesPerUserByte float64 `json:"disk_bytes_per_user_byte"` // 0 when the phase wrote nothing
}

type sizesReport struct {
	MemTierBytes  int64  `json:"mem_tier_bytes"`
	MemTierBudget int64  `json:"mem_tier_budget"`
	MemEntries    int64  `json:"mem_tier_entries"`
	WALBytes      int64  `json:"wal_bytes"`
	DiskBytes     uint64 `json:"disk_bytes"`
}

func latencyOf(name string, h *hdrhistogram.Histogram, elapsed time.Duration) opLatency {
	us := func(q float64) float64 { return float64(h.ValueAtQuantile(q)) / 1e3 }
	return opLatency{Op: name, Count: h.TotalCount(), OpsPerSec: float64(h.TotalCount()) / elapsed.Seconds(),
		P50us: us(50), P99us: us(99), P999us: us(99.9)}
}

// fillReport computes the phase's report from its result and the stats
// and filesystem counters at its start and end.
func fillReport(rep *phaseReport, res *phaseResult, end engine.Stats, walBytes, diskBytes int64) {
	start := rep.statsAtStart
	rep.Seconds = res.Elapsed.Seconds()
	rep.Ops = res.Ops
	rep.OpsPerSec = float64(res.Ops) / res.Elapsed.Seconds()
	for k, h := range res.PerKind {
		if h.TotalCount() > 0 {
			rep.Latency = append(rep.Latency, latencyOf(ycsb.OpKind(k).String(), h, res.Elapsed))
		}
	}
	rep.Latency = append(rep.Latency, latencyOf("all", res.All, res.Elapsed))
	t := &rep.Tiers
	t.Gets = end.Gets - start.Gets
	if t.Gets > 0 {
		t.MemHitRatio = float64(end.MemTierHits-start.MemTierHits) / float64(t.Gets)
		t.DiskHitRatio = float64(end.DiskTierHits-start.DiskTierHits) / float64(t.Gets)
		t.NotFoundRatio = float64(end.NotFound-start.NotFound) / float64(t.Gets)
	}
	t.Promotions = end.Promotions - start.Promotions
	t.Evictions = end.Evictions - start.Evictions
	t.WriteBacks = end.WriteBacks - start.WriteBacks
	rep.Writes = writeReport{UserBytes: res.UserBytes, WALBytes: walBytes, DiskTierBytes: diskBytes}
	if res.UserBytes > 0 {
		rep.Writes.BytesPerUserByte = float64(walBytes+diskBytes) / float64(res.UserBytes)
	}
	rep.Sizes = sizesReport{end.MemTierBytes, end.MemTierBudget, end.MemTierEntries, end.WALBytes, end.Disk.DiskUsageBytes}
	if res.FirstErr != nil {
		rep.Errors = res.FirstErr.Error()
	}
}

func usStr(us float64) string {
	if us >= 1000 {
		return fmt.Sprintf("%.2fms", us/1000)
	}
	return fmt.Sprintf("%.1fµs", us)
}

func pctStr(r float64) string { return fmt.Sprintf("%.1f%%", 100*r) }

// printReport prints the phase's tables.
func printReport(w io.Writer, rep *phaseReport) error {
	rows := make([][]string, 0, len(rep.Latency))
	for _, l := range rep.Latency {
		rows = append(rows, []string{l.Op, fmt.Sprint(l.Count), fmt.Sprintf("%.0f", l.OpsPerSec),
			usStr(l.P50us), usStr(l.P99us), usStr(l.P999us)})
	}
	if err := writeTable(w, []string{"op", "count", "ops/s", "p50", "p99", "p99.9"}, rows); err != nil {
		return err
	}
	t, wr, s := rep.Tiers, rep.Writes, rep.Sizes
	amp := "n/a (no writes)"
	if wr.UserBytes > 0 {
		amp = fmt.Sprintf("%.2f (WAL %s + disk tier %s for %s of keys and values)", wr.BytesPerUserByte,
			bytesStr(wr.WALBytes), bytesStr(wr.DiskTierBytes), bytesStr(wr.UserBytes))
	}
	summary := [][]string{
		{"gets answered by the memory tier", pctStr(t.MemHitRatio)},
		{"gets answered by the disk tier", pctStr(t.DiskHitRatio)},
		{"gets of absent keys", pctStr(t.NotFoundRatio)},
		{"promotions / evictions / write-backs", fmt.Sprintf("%d / %d / %d", t.Promotions, t.Evictions, t.WriteBacks)},
		{"bytes written to disk per user byte", amp},
		{"memory tier now", fmt.Sprintf("%s of %s, %d entries", bytesStr(s.MemTierBytes), bytesStr(s.MemTierBudget), s.MemEntries)},
		{"WAL / disk tier now", fmt.Sprintf("%s / %s", bytesStr(s.WALBytes), bytesStr(int64(s.DiskBytes)))},
	}
	if err := writeTextTable(w, []string{fmt.Sprintf("tiers (%d gets)", t.Gets), "value"}, summary); err != nil {
		return err
	}
	if rep.Errors != "" {
		fmt.Fprintf(w, "first error: %s\n", rep.Errors)
	}
	return nil
}
