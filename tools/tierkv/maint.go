package main

import (
	"fmt"
	"io"

	"github.com/tierkv/tierkv/engine"
	"github.com/urfave/cli/v2"
)

func checkpointCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "checkpoint",
		Usage:     "write every dirty entry to the disk tier and drop the WAL it no longer needs",
		ArgsUsage: "DIR",
		Flags:     []cli.Flag{progressFlag(e), jsonFlag},
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 1, 1, "DIR")
			if err != nil {
				return err
			}
			return maintain(c, e, a[0], "checkpoint", func(db *engine.DB) error { return db.Checkpoint() })
		},
	}
}

func compactCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "compact",
		Usage:     "checkpoint, then compact the disk tier over [--start, --end)",
		ArgsUsage: "DIR",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "start", Usage: "first key `K` (inclusive); default: the first"},
			&cli.StringFlag{Name: "end", Usage: "end key `K` (exclusive); default: past the last"},
			progressFlag(e), jsonFlag,
		}, codecFlags...),
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 1, 1, "DIR")
			if err != nil {
				return err
			}
			cd, err := codecOf(c)
			if err != nil {
				return err
			}
			var start, end []byte
			if c.IsSet("start") {
				if start, err = cd.decode(c.String("start"), "--start"); err != nil {
					return usagef(c.Command.HelpName, "%v", err)
				}
			}
			if c.IsSet("end") {
				if end, err = cd.decode(c.String("end"), "--end"); err != nil {
					return usagef(c.Command.HelpName, "%v", err)
				}
			}
			return maintain(c, e, a[0], "compact", func(db *engine.DB) error { return db.Compact(start, end) })
		},
	}
}

// sizes are the DB's sizes before or after maintenance.
type sizes struct {
	WALBytes     int64  `json:"wal_bytes"`
	DirtyEntries int64  `json:"dirty_entries"`
	DiskBytes    uint64 `json:"disk_bytes"`
	DurableSeq   uint64 `json:"durable_seq"`
}

func sizesOf(st engine.Stats) sizes {
	return sizes{st.WALBytes, st.DirtyEntries, st.Disk.DiskUsageBytes, st.DurableSeq}
}

// maintain opens dir, runs op (named name) under a spinner and prints the
// sizes before and after.
func maintain(c *cli.Context, e *env, dir, name string, op func(*engine.DB) error) error {
	db, err := openDB(dir, nil, false)
	if err != nil {
		return err
	}
	before := sizesOf(db.Stats())
	err = spin(e.stderr, c.Bool("progress"), name, func() error { return op(db) })
	after := sizesOf(db.Stats())
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return explainOpen(dir, fmt.Errorf("%s: %w", name, err))
	}
	if c.Bool("json") {
		return writeJSON(e.stdout, map[string]sizes{"before": before, "after": after})
	}
	printSizes(e.stdout, name, before, after)
	return nil
}

func printSizes(w io.Writer, name string, before, after sizes) {
	fmt.Fprintf(w, "%s done\n", name)
	p := kv{w: w, width: 14}
	p.line("WAL", "%s -> %s", bytesStr(before.WALBytes), bytesStr(after.WALBytes))
	p.line("dirty entries", "%d -> %d", before.DirtyEntries, after.DirtyEntries)
	p.line("disk tier", "%s -> %s", bytesStr(int64(before.DiskBytes)), bytesStr(int64(after.DiskBytes)))
	p.line("durable seq", "%d -> %d", before.DurableSeq, after.DurableSeq)
}
