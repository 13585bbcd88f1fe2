package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/disktier"
	"github.com/tierkv/tierkv/engine"
	"github.com/tierkv/tierkv/wal"
	"github.com/urfave/cli/v2"
)

func inspectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "describe a DB without changing it: tiers, WAL segments, watermark, LSM shape, write amp",
		ArgsUsage: "DIR",
		Description: "Opens DIR read-only (nothing in it changes) and prints the memory tier as\n" +
			"the WAL replay would fill it, the WAL segments, the durable watermark, and the\n" +
			"disk tier's LSM levels, write amplification and Pebble format version. If\n" +
			"another process has the DB open, it reads the files directly instead and\n" +
			"says what it cannot know.\n" +
			"Exit status 1 if the DB is damaged.",
		Flags: []cli.Flag{jsonFlag},
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 1, 1, "DIR")
			if err != nil {
				return err
			}
			if err := checkDB(a[0]); err != nil {
				return err
			}
			rep, err := inspect(a[0])
			if err != nil {
				return err
			}
			if c.Bool("json") {
				err = writeJSON(e.stdout, rep)
			} else {
				rep.print(e.stdout)
			}
			if err == nil && rep.Damage != "" {
				return explainOpen(a[0], rep.damageErr)
			}
			return err
		},
	}
}

type inspectReport struct {
	Dir        string `json:"dir"`
	Complete   bool   `json:"complete"` // false: a file-level view only
	InUseBy    string `json:"in_use_by,omitempty"`
	Damage     string `json:"damage,omitempty"`
	damageErr  error
	LastSeq    uint64        `json:"last_seq"`
	DurableSeq uint64        `json:"durable_seq"`
	Mem        memReport     `json:"memory_tier"`
	WAL        walReport     `json:"wal"`
	Disk       diskReport    `json:"disk_tier"`
	LostTail   *lostTailNote `json:"lost_tail,omitempty"`
}

type memReport struct {
	Bytes   int64 `json:"bytes"`
	Entries int64 `json:"entries"`
	Dirty   int64 `json:"dirty"`
}

type walReport struct {
	Bytes    int64        `json:"bytes"`
	Segments []segmentRep `json:"segments"`
}

type segmentRep struct {
	Name     string `json:"name"`
	FirstSeq uint64 `json:"first_seq"`
	Size     int64  `json:"size"`
}

type diskReport struct {
	Bytes         int64         `json:"bytes"`
	SSTables      int           `json:"sstables"`
	FormatVersion string        `json:"pebble_format_version"`
	Levels        []levelReport `json:"levels,omitempty"`
	Writes        *writesReport `json:"lifetime_writes,omitempty"`
}

// writesReport is the disk tier's lifetime write counters, as recorded at
// its last checkpoint or clean close.
type writesReport struct {
	UserBytes       uint64  `json:"user_bytes"`
	FlushBytes      uint64  `json:"flush_bytes"`
	CompactionBytes uint64  `json:"compaction_bytes"`
	WriteAmp        float64 `json:"write_amp"`
}

type levelReport struct {
	Level int   `json:"level"`
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes"`
}

type lostTailNote struct {
	Segment string `json:"segment"`
	Offset  int64  `json:"offset"`
	Bytes   int64  `json:"bytes"`
}

// inspect reads the files, then, unless the DB is in use or damaged,
// opens each layer read-only in turn.
func inspect(dir string) (*inspectReport, error) {
	rep := &inspectReport{Dir: dir}
	if err := rep.fileLevel(dir); err != nil {
		return nil, err
	}
	db, err := engine.Open(dir, &engine.Options{ReadOnly: true})
	switch {
	case errors.Is(err, engine.ErrLocked):
		rep.InUseBy = lockHolder(dir)
		return rep, nil
	case errors.Is(err, engine.ErrCorruption):
		rep.Damage, rep.damageErr = oneLine(err.Error()), err
		return rep, nil
	case err != nil:
		return nil, explainOpen(dir, err)
	}
	st := db.Stats()
	if err := db.Close(); err != nil {
		return nil, err
	}
	rep.LastSeq, rep.DurableSeq = st.LastSeq, st.DurableSeq
	rep.Mem = memReport{st.MemTierBytes, st.MemTierEntries, st.DirtyEntries}
	if err := rep.levels(dir); err != nil {
		return nil, err
	}
	if err := rep.walSegments(dir); err != nil {
		return nil, err
	}
	rep.Complete = true
	return rep, nil
}

// fileLevel fills in what the directory listing tells: WAL segment files
// and the disk tier's files and format version.
func (r *inspectReport) fileLevel(dir string) error {
	segs, err := segmentFiles(dir)
	if err != nil {
		return err
	}
	for _, s := range segs {
		st, err := os.Stat(s)
		if err != nil {
			return err
		}
		r.WAL.Segments = append(r.WAL.Segments, segmentRep{filepath.Base(s), segmentFirstSeq(s), st.Size()})
		r.WAL.Bytes += st.Size()
	}
	ents, err := os.ReadDir(filepath.Join(dir, diskDirName))
	if err != nil {
		return err
	}
	// The record is replaced atomically, so reading it needs no lock; a
	// damaged one leaves the counters out (the open reports the damage).
	if c, err := disktier.ReadLifetimeCounters(vfs.Default, filepath.Join(dir, diskDirName)); err == nil {
		r.Disk.Writes = &writesReport{c.UserBytes, c.FlushBytes, c.CompactionBytes, c.WriteAmp()}
	}
	for _, ent := range ents {
		name := ent.Name()
		if info, err := ent.Info(); err == nil && !ent.IsDir() {
			r.Disk.Bytes += info.Size()
		}
		switch {
		case strings.HasSuffix(name, ".sst"):
			r.Disk.SSTables++
		case strings.HasPrefix(name, "marker.format-version."):
			// marker.format-version.<seq>.<version>: Pebble's format marker.
			v := strings.TrimLeft(name[strings.LastIndex(name, ".")+1:], "0")
			if v == "" {
				v = "0"
			}
			r.Disk.FormatVersion = v
		}
	}
	return nil
}

// levels opens the disk tier read-only for its LSM shape.
func (r *inspectReport) levels(dir string) error {
	s, err := disktier.Open(filepath.Join(dir, diskDirName), &disktier.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("open the disk tier: %w", err)
	}
	m := s.Metrics()
	for i, l := range m.Levels {
		r.Disk.Levels = append(r.Disk.Levels, levelReport{i, l.Files, l.Bytes})
	}
	return s.Close()
}

// walSegments opens the WAL read-only for the valid size of each segment
// and any lost tail that the next open will drop.
func (r *inspectReport) walSegments(dir string) error {
	l, err := wal.Open(filepath.Join(dir, walDirName), &wal.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("open the WAL: %w", err)
	}
	r.WAL.Segments, r.WAL.Bytes = nil, 0
	for _, s := range l.Segments() {
		r.WAL.Segments = append(r.WAL.Segments, segmentRep{s.Name, s.FirstSeq, s.Size})
		r.WAL.Bytes += s.Size
	}
	if rec := l.Recovered(); rec.Segment != "" {
		r.LostTail = &lostTailNote{rec.Segment, rec.Offset, rec.DroppedBytes}
	}
	return l.Close()
}

func (r *inspectReport) print(w io.Writer) {
	p := kv{w: w, width: 13}
	p.line("DB", "%s", r.Dir)
	switch {
	case r.InUseBy != "":
		p.line("state", "in use: %s; file-level view (the LSM levels, watermark and memory tier need the lock)", r.InUseBy)
	case r.Damage != "":
		p.line("state", "DAMAGED (details below); file-level view")
	default:
		p.line("state", "not in use; opened read-only, nothing changed")
		p.line("sequence", "last %d (WAL), durable %d (disk-tier watermark): %d to replay at open",
			r.LastSeq, r.DurableSeq, r.LastSeq-min(r.LastSeq, r.DurableSeq))
		p.line("memory tier", "%s in %d entries (%d dirty) after replaying the WAL; its budget is set per open",
			bytesStr(r.Mem.Bytes), r.Mem.Entries, r.Mem.Dirty)
	}
	p.line("WAL", "%d segments, %s", len(r.WAL.Segments), bytesStr(r.WAL.Bytes))
	for _, s := range r.WAL.Segments {
		fmt.Fprintf(w, "  %s  first seq %-10d %s\n", s.Name, s.FirstSeq, bytesStr(s.Size))
	}
	if t := r.LostTail; t != nil {
		p.line("lost tail", "%s at %s offset %d (unsynced data of a crash; the next writable open drops it)",
			bytesStr(t.Bytes), t.Segment, t.Offset)
	}
	p.line("disk tier", "%s in %d sstables, Pebble format version %s", bytesStr(r.Disk.Bytes), r.Disk.SSTables, r.Disk.FormatVersion)
	if wr := r.Disk.Writes; wr != nil {
		p.line("disk writes", "write amplification %.2f: %s written into Pebble, %s by its flushes, %s by its compactions (since creation, as of the last checkpoint)",
			wr.WriteAmp, bytesStr(int64(wr.UserBytes)), bytesStr(int64(wr.FlushBytes)), bytesStr(int64(wr.CompactionBytes)))
	}
	if len(r.Disk.Levels) == 0 {
		return
	}
	rows := make([][]string, 0, len(r.Disk.Levels))
	for _, l := range r.Disk.Levels {
		rows = append(rows, []string{fmt.Sprintf("L%d", l.Level), fmt.Sprint(l.Files), bytesStr(l.Bytes)})
	}
	_ = writeTable(w, []string{"level", "files", "size"}, rows)
}
