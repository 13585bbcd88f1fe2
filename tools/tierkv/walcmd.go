package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tierkv/tierkv/wal"
	"github.com/urfave/cli/v2"
)

func walCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "wal",
		Usage: "dump or repair the write-ahead log",
		Subcommands: []*cli.Command{
			walDumpCommand(e), walRepairCommand(e),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("tierkv wal", "unknown command %q (want dump or repair)", c.Args().First())
			}
			_ = cli.ShowSubcommandHelp(c)
			return usagef("tierkv wal", "no command given (want dump or repair)")
		},
	}
}

// segmentFiles returns the WAL segment files of the DB in dir, oldest
// first (their names sort by first sequence number).
func segmentFiles(dir string) ([]string, error) {
	wdir := filepath.Join(dir, walDirName)
	ents, err := os.ReadDir(wdir)
	if err != nil {
		return nil, fmt.Errorf("read the WAL directory: %w", err)
	}
	var names []string
	for _, ent := range ents {
		if strings.HasSuffix(ent.Name(), ".log") && !ent.IsDir() {
			names = append(names, filepath.Join(wdir, ent.Name()))
		}
	}
	slices.Sort(names)
	return names, nil
}

// segmentFirstSeq parses the sequence number a segment file is named by.
func segmentFirstSeq(path string) uint64 {
	n, _ := strconv.ParseUint(strings.TrimSuffix(filepath.Base(path), ".log"), 10, 64)
	return n
}

// classifyWAL opens the WAL read-only, as the engine would, to tell a bad
// record that is a lost tail (nil error, reported in the RecoveryReport)
// from damage (a *wal.CorruptionError).
func classifyWAL(dir string) (wal.RecoveryReport, error) {
	l, err := wal.Open(filepath.Join(dir, walDirName), &wal.Options{ReadOnly: true})
	if err != nil {
		return wal.RecoveryReport{}, err
	}
	defer l.Close()
	return l.Recovered(), nil
}

func walDumpCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "dump",
		Usage:     "print the WAL's records: sequence, operations, keys, sizes",
		ArgsUsage: "DIR",
		Description: "Reads the segment files directly (it works while the DB is open elsewhere)\n" +
			"and prints one line per record: sequence number, segment offset, stored size,\n" +
			"operation count, user bytes and the first keys. -v lists every operation.\n" +
			"An unreadable record ends the dump: a lost (unsynced) tail exits 0, damage 1.",
		Flags: append([]cli.Flag{
			&cli.Uint64Flag{Name: "from", Usage: "start at sequence number `SEQ`"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print every operation on its own line"},
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object per record"},
		}, codecFlags...),
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 1, 1, "DIR")
			if err != nil {
				return err
			}
			if err := checkDB(a[0]); err != nil {
				return err
			}
			cd, err := codecOf(c)
			if err != nil {
				return err
			}
			d := &dumper{w: bufio.NewWriter(e.stdout), cd: cd, from: c.Uint64("from"),
				verbose: c.Bool("verbose"), json: c.Bool("json")}
			err = d.dump(a[0])
			if ferr := d.w.Flush(); err == nil {
				err = ferr
			}
			return err
		},
	}
}

// dumper prints WAL records. A record's stored size is known only when the
// next one starts, so each line waits for the next record (pending).
type dumper struct {
	w       *bufio.Writer
	cd      codec
	from    uint64
	verbose bool
	json    bool
	pending *dumpRecord
	records int
}

type dumpRecord struct {
	Segment   string   `json:"segment"`
	Offset    int64    `json:"offset"`
	Size      int64    `json:"size"`
	Seq       uint64   `json:"seq"`
	Ops       int      `json:"ops"`
	UserBytes int      `json:"user_bytes"`
	List      []dumpOp `json:"operations"`
}

type dumpOp struct {
	Kind     string `json:"kind"`
	Key      string `json:"key"`
	ValueLen int    `json:"value_len"`
}

func (d *dumper) dump(dir string) error {
	segs, err := segmentFiles(dir)
	if err != nil {
		return err
	}
	var bad *wal.CorruptionError
	for i, seg := range segs {
		if i+1 < len(segs) && segmentFirstSeq(segs[i+1]) <= d.from {
			continue // every record of seg is below --from
		}
		size, err := d.segment(seg)
		if errors.As(err, &bad) {
			bad.File = seg
			d.flush(bad.Offset)
			break
		}
		if err != nil {
			return err
		}
		d.flush(size)
	}
	if !d.json {
		fmt.Fprintf(d.w, "%d records in %d segments\n", d.records, len(segs))
	}
	if bad == nil {
		return nil
	}
	return d.explain(dir, bad)
}

// explain reports an unreadable record: a lost tail is a note, damage an error.
func (d *dumper) explain(dir string, bad *wal.CorruptionError) error {
	rep, err := classifyWAL(dir)
	if err == nil {
		fmt.Fprintf(d.w, "%s offset %d: %s: a lost tail (unsynced data of a crash, %d bytes); the next open drops it\n",
			bad.File, bad.Offset, bad.Reason, rep.DroppedBytes)
		return nil
	}
	if errors.Is(err, wal.ErrCorruption) {
		return withHint(fmt.Errorf("damaged WAL: %w", err),
			"`tierkv wal repair %s` keeps the records before the damage and backs up the rest", dir)
	}
	return err
}

// segment dumps one segment file and returns its size.
func (d *dumper) segment(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	name := filepath.Base(path)
	err = wal.ReadSegment(bufio.NewReaderSize(f, 256<<10), func(b *wal.Batch, off int64) error {
		d.flush(off)
		if b.Seq < d.from {
			return nil
		}
		r := &dumpRecord{Segment: name, Offset: off, Seq: b.Seq, Ops: len(b.Ops)}
		for _, op := range b.Ops {
			r.UserBytes += len(op.Key) + len(op.Value)
			kind := "put"
			if op.Kind == wal.OpDelete {
				kind = "del"
			}
			if d.verbose || d.json || len(r.List) < 3 {
				r.List = append(r.List, dumpOp{kind, d.cd.encode(op.Key), len(op.Value)})
			}
		}
		d.pending = r
		return nil
	})
	return st.Size(), err
}

// flush prints the pending record, which ends where the next one starts.
func (d *dumper) flush(next int64) {
	r := d.pending
	if r == nil {
		return
	}
	d.pending = nil
	d.records++
	r.Size = next - r.Offset
	if d.json {
		b, _ := json.Marshal(r)
		d.w.Write(append(b, '\n'))
		return
	}
	fmt.Fprintf(d.w, "seq %d  %s@%d  %d B  %d ops  %d user B", r.Seq, r.Segment, r.Offset, r.Size, r.Ops, r.UserBytes)
	if d.verbose {
		fmt.Fprintln(d.w)
		for _, op := range r.List {
			fmt.Fprintf(d.w, "    %s %s (%d B)\n", op.Kind, op.Key, op.ValueLen)
		}
		return
	}
	var parts []string
	for _, op := range r.List {
		parts = append(parts, op.Kind+" "+op.Key)
	}
	if more := r.Ops - len(r.List); more > 0 {
		parts = append(parts, fmt.Sprintf("+%d more", more))
	}
	fmt.Fprintf(d.w, "  %s\n", strings.Join(parts, ", "))
}
