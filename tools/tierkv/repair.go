package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/disktier"
	"github.com/tierkv/tierkv/engine"
	"github.com/tierkv/tierkv/wal"
	"github.com/urfave/cli/v2"
)

func walRepairCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "repair",
		Usage:     "point-in-time recovery: keep the WAL up to its first bad record",
		ArgsUsage: "DIR",
		Description: "For a DB that will not open because its WAL is damaged. Keeps every record\n" +
			"before the first bad one, copies the segments it changes into\n" +
			"DIR/wal-backup-TIME/ first, and reports exactly what was dropped. Writes in\n" +
			"the dropped records are lost unless already written back to the disk tier.\n" +
			"--dry-run reports without changing anything.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "report what would be dropped, change nothing"},
		},
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 1, 1, "DIR")
			if err != nil {
				return err
			}
			return repair(e.stdout, a[0], c.Bool("dry-run"), time.Now())
		},
	}
}

func repair(w io.Writer, dir string, dryRun bool, now time.Time) error {
	if err := checkDB(dir); err != nil {
		return err
	}
	lock, err := vfs.Default.Lock(filepath.Join(dir, lockName))
	if err != nil {
		return withHint(fmt.Errorf("%s is in use: %s", dir, lockHolder(dir)), "stop that process before repairing")
	}
	defer func() {
		if lock != nil {
			lock.Close()
		}
	}()
	wdir := filepath.Join(dir, walDirName)
	rep, err := openPITR(wdir, true)
	if err != nil {
		return err
	}
	if rep.Segment == "" {
		fmt.Fprintf(w, "WAL intact: %d segments, %d records, last seq %d; nothing to repair\n", rep.Segments, rep.Records, rep.LastSeq)
		return nil
	}
	watermark := diskWatermark(dir)
	if dryRun {
		fmt.Fprintln(w, "dry run: nothing changed; without --dry-run repair would:")
		printRepair(w, rep, watermark, "")
		return nil
	}
	backup := filepath.Join(dir, "wal-backup-"+now.UTC().Format("20060102T150405Z"))
	if err := backupSegments(wdir, backup, append([]string{rep.Segment}, rep.DroppedSegments...)); err != nil {
		return fmt.Errorf("back up the WAL before repairing (nothing changed): %w", err)
	}
	if rep, err = openPITR(wdir, false); err != nil {
		return err
	}
	printRepair(w, rep, watermark, backup)
	lock.Close()
	lock = nil
	db, err := engine.Open(dir, &engine.Options{ReadOnly: true})
	if err != nil {
		return withHint(fmt.Errorf("the WAL is repaired but the DB still does not open: %w", err), "run `tierkv verify %s`", dir)
	}
	st := db.Stats()
	fmt.Fprintf(w, "the DB opens: last seq %d, durable seq %d\n", st.LastSeq, st.DurableSeq)
	return db.Close()
}

// openPITR opens the WAL in wdir with point-in-time recovery and returns
// its report; readOnly only computes it.
func openPITR(wdir string, readOnly bool) (wal.RecoveryReport, error) {
	l, err := wal.Open(wdir, &wal.Options{ReadOnly: readOnly, Recovery: wal.RecoverPointInTime})
	if err != nil {
		return wal.RecoveryReport{}, fmt.Errorf("open the WAL: %w", err)
	}
	rep := l.Recovered()
	return rep, l.Close()
}

// diskWatermark returns the disk tier's durable watermark, or 0 if it
// cannot be read.
func diskWatermark(dir string) uint64 {
	s, err := disktier.Open(filepath.Join(dir, diskDirName), &disktier.Options{ReadOnly: true})
	if err != nil {
		return 0
	}
	defer s.Close()
	return s.Watermark()
}

func printRepair(w io.Writer, rep wal.RecoveryReport, watermark uint64, backup string) {
	kind := "lost tail (unsynced data of a crash)"
	if rep.Damaged {
		kind = "damage"
	}
	p := kv{w: w, width: 16}
	p.line("first bad record", "%s offset %d: %s (%s)", rep.Segment, rep.Offset, rep.Reason, kind)
	p.line("kept", "%d records, up to seq %d", rep.Records, rep.LastSeq)
	later := "no later segments"
	if n := len(rep.DroppedSegments); n > 0 {
		later = fmt.Sprintf("%d later segments (%s)", n, strings.Join(rep.DroppedSegments, ", "))
	}
	p.line("dropped", "%d bytes: %d readable records after the bad one, %s", rep.DroppedBytes, rep.DroppedRecords, later)
	p.line("disk tier", "durable up to seq %d: dropped records at or below it lose nothing, any above it are lost",
		watermark)
	if backup != "" {
		p.line("backup", "%s (the original segments, to restore or examine)", backup)
	}
}

// backupSegments copies the named segments of wdir into the new directory
// backup and syncs them.
func backupSegments(wdir, backup string, names []string) error {
	if err := os.Mkdir(backup, 0o755); err != nil {
		return err
	}
	for _, name := range names {
		if err := copyFile(filepath.Join(wdir, name), filepath.Join(backup, name)); err != nil {
			return err
		}
	}
	d, err := os.Open(backup)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
