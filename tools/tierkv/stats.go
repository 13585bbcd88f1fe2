package main

import (
	"fmt"
	"io"

	"github.com/tierkv/tierkv/engine"
	"github.com/urfave/cli/v2"
)

func statsCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "stats",
		Usage:     "print the engine's statistics",
		ArgsUsage: "DIR",
		Description: "Opens DIR read-only (replaying its WAL into memory, changing nothing) and\n" +
			"prints engine.Stats: tier sizes, sequence numbers, the disk tier's LSM. The\n" +
			"operation counters cover this open only; `tierkv bench` shows them under load.",
		Flags: []cli.Flag{jsonFlag},
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 1, 1, "DIR")
			if err != nil {
				return err
			}
			db, err := openReadOnly(a[0])
			if err != nil {
				return err
			}
			st := db.Stats()
			if err := db.Close(); err != nil {
				return err
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, st)
			}
			printStats(e.stdout, a[0], st)
			return nil
		},
	}
}

// printStats prints st for humans.
func printStats(w io.Writer, dir string, st engine.Stats) {
	p := kv{w: w, width: 14}
	p.line("DB", "%s", dir)
	p.line("sequence", "last %d, durable %d (%d records replayed from the WAL at open)",
		st.LastSeq, st.DurableSeq, st.ReplayedRecords)
	p.line("memory tier", "%s of %s budget, %d entries, %d dirty",
		bytesStr(st.MemTierBytes), bytesStr(st.MemTierBudget), st.MemTierEntries, st.DirtyEntries)
	p.line("WAL", "%s live", bytesStr(st.WALBytes))
	p.line("disk tier", "%s on disk", bytesStr(int64(st.Disk.DiskUsageBytes)))
	p.line("gets", "%d: %s", st.Gets, hitSummary(st))
	p.line("tier traffic", "%d promotions, %d evictions, %d write-backs, %d checkpoints",
		st.Promotions, st.Evictions, st.WriteBacks, st.Checkpoints)
	p.line("writes", "%d operations", st.Writes)
	p.line("latency", "get %s, put %s", latencyStr(st.GetLatency), latencyStr(st.PutLatency))
	p.line("disk writes", "%s by tierkv into Pebble, %s by Pebble (write amp %.2f) since open; %s, %s (write amp %.2f) since creation",
		bytesStr(int64(st.Disk.BytesWritten)), bytesStr(int64(st.Disk.PebbleBytesWritten)), st.Disk.WriteAmp,
		bytesStr(int64(st.Disk.LifetimeBytesWritten)), bytesStr(int64(st.Disk.LifetimePebbleBytesWritten)), st.Disk.LifetimeWriteAmp)
	if st.WALTailDroppedBytes > 0 {
		p.line("lost WAL tail", "%s (unsynced data of a crash, dropped at open)", bytesStr(int64(st.WALTailDroppedBytes)))
	}
	fmt.Fprintf(w, "\nPebble (disk tier) metrics:\n%s\n", st.Disk.Summary)
}

// hitSummary formats the share of Gets answered by each tier.
func hitSummary(st engine.Stats) string {
	if st.Gets == 0 {
		return "no lookups yet"
	}
	pct := func(n uint64) float64 { return 100 * float64(n) / float64(st.Gets) }
	return fmt.Sprintf("memory %.1f%%, disk %.1f%%, not found %.1f%%",
		pct(st.MemTierHits), pct(st.DiskTierHits), pct(st.NotFound))
}

func latencyStr(l engine.Latency) string {
	if l.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("p50 %v p99 %v p99.9 %v (n=%d)", l.P50, l.P99, l.P999, l.Count)
}
