package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/disktier"
	"github.com/tierkv/tierkv/wal"
	"github.com/urfave/cli/v2"
)

func verifyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check every WAL record's checksum and every disk-tier block's checksum",
		ArgsUsage: "DIR",
		Description: "Reads every record of every WAL segment and every key of the disk tier\n" +
			"(which makes Pebble read, and checksum, every data and index block of every\n" +
			"live sstable), without changing anything. Prints each problem with file and\n" +
			"offset; exits 1 if anything is damaged. A lost WAL tail (unsynced data of a\n" +
			"crash, which the next open drops) is reported but is not damage.",
		Flags: []cli.Flag{jsonFlag},
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 1, 1, "DIR")
			if err != nil {
				return err
			}
			if err := checkDB(a[0]); err != nil {
				return err
			}
			// Pebble's files can be read only under its lock, and the WAL of a
			// running DB is a moving target: verify a closed DB.
			lock, err := vfs.Default.Lock(filepath.Join(a[0], lockName))
			if err != nil {
				return withHint(fmt.Errorf("%s is in use: %s", a[0], lockHolder(a[0])),
					"verify a closed DB; `tierkv inspect` and `tierkv wal dump` work while it runs")
			}
			defer lock.Close()
			v := verifyDB(a[0])
			if c.Bool("json") {
				if err := writeJSON(e.stdout, v); err != nil {
					return err
				}
			} else {
				v.print(e)
			}
			if !v.OK {
				return errDamage
			}
			return nil
		},
	}
}

// problem is one thing verify found wrong.
type problem struct {
	File   string `json:"file"`
	Offset int64  `json:"offset"` // -1 when not known
	Reason string `json:"reason"`
	Damage bool   `json:"damage"` // false for a lost WAL tail, which is not damage
}

// verification is the outcome of verifyDB.
type verification struct {
	OK          bool      `json:"ok"`
	WALSegments int       `json:"wal_segments"`
	WALRecords  int       `json:"wal_records"`
	SSTables    int64     `json:"sstables"`
	Versions    int64     `json:"disk_versions"`
	Watermark   uint64    `json:"durable_seq"`
	Problems    []problem `json:"problems"`
}

func verifyDB(dir string) *verification {
	v := &verification{OK: true}
	v.checkWAL(dir)
	v.checkDisk(dir)
	for _, p := range v.Problems {
		if p.Damage {
			v.OK = false
		}
	}
	return v
}

// checkWAL reads every segment; the first unreadable record of a segment
// is a problem, classified as lost tail or damage as Open would.
func (v *verification) checkWAL(dir string) {
	segs, err := segmentFiles(dir)
	if err != nil {
		v.add(filepath.Join(dir, walDirName), -1, err, true)
		return
	}
	v.WALSegments = len(segs)
	var bad []problem
	for _, seg := range segs {
		f, err := os.Open(seg)
		if err != nil {
			v.add(seg, -1, err, true)
			continue
		}
		err = wal.ReadSegment(f, func(*wal.Batch, int64) error { v.WALRecords++; return nil })
		f.Close()
		var ce *wal.CorruptionError
		switch {
		case errors.As(err, &ce):
			bad = append(bad, problem{File: seg, Offset: ce.Offset, Reason: ce.Reason, Damage: true})
		case err != nil:
			v.add(seg, -1, err, true)
		}
	}
	if len(bad) == 1 && bad[0].File == segs[len(segs)-1] {
		// A bad record in the last segment only: a lost tail unless Open
		// finds proof that it had been synced.
		if _, err := classifyWAL(dir); err == nil {
			bad[0].Damage = false
			bad[0].Reason += " (a lost tail: unsynced data of a crash, dropped at the next open)"
		}
	}
	v.Problems = append(v.Problems, bad...)
}

// checkDisk opens the disk tier read-only, reads every stored version and
// verifies the checksum of every sstable block.
func (v *verification) checkDisk(dir string) {
	ddir := filepath.Join(dir, diskDirName)
	s, err := disktier.Open(ddir, &disktier.Options{ReadOnly: true})
	if err != nil {
		v.addDisk(ddir, fmt.Errorf("open: %w", err))
		return
	}
	defer s.Close()
	v.Watermark = s.Watermark()
	for _, l := range s.Metrics().Levels {
		v.SSTables += l.Files
	}
	it, err := s.NewIter(nil, nil)
	if err != nil {
		v.addDisk(ddir, err)
		return
	}
	for ok := it.First(); ok; ok = it.Next() {
		v.Versions++
	}
	if err := it.Error(); err != nil {
		v.addDisk(ddir, err)
	}
	if err := it.Close(); err != nil {
		v.addDisk(ddir, err)
	}
	// Reading every key checks data and index blocks; this checks every
	// block of every table, filters and metadata included.
	problems, _, err := s.VerifyChecksums()
	if err != nil {
		v.addDisk(ddir, err)
	}
	for _, p := range problems {
		if !v.reported(p.File) {
			v.addDisk(ddir, p.Err)
		}
	}
}

// reported reports whether a problem naming file is already listed.
func (v *verification) reported(file string) bool {
	for _, p := range v.Problems {
		if p.File == file {
			return true
		}
	}
	return false
}

func (v *verification) add(file string, off int64, err error, damage bool) {
	v.Problems = append(v.Problems, problem{File: file, Offset: off, Reason: oneLine(err.Error()), Damage: damage})
}

// addDisk records a disk-tier error, with the file and offset that a
// corruption error names.
func (v *verification) addDisk(ddir string, err error) {
	var ce *disktier.CorruptionError
	if errors.As(err, &ce) {
		file := ce.File
		if file == "" {
			file = ddir
		}
		v.add(file, ce.Offset, err, true)
		return
	}
	v.add(ddir, -1, err, true)
}

func (v *verification) print(e *env) {
	fmt.Fprintf(e.stdout, "WAL:       %d segments, %d records read\n", v.WALSegments, v.WALRecords)
	fmt.Fprintf(e.stdout, "disk tier: %d sstables, %d versions read, durable seq %d\n", v.SSTables, v.Versions, v.Watermark)
	for _, p := range v.Problems {
		kind := "DAMAGE"
		if !p.Damage {
			kind = "note"
		}
		where := p.File
		if p.Offset >= 0 {
			where = fmt.Sprintf("%s offset %d", p.File, p.Offset)
		}
		fmt.Fprintf(e.stdout, "%s: %s: %s\n", kind, where, p.Reason)
	}
	if v.OK {
		fmt.Fprintln(e.stdout, "ok: no damage found")
		return
	}
	fmt.Fprintln(e.stderr, "tierkv: damage found (listed above)")
	fmt.Fprintln(e.stderr, "hint: for WAL damage, `tierkv wal repair DIR` recovers up to the first bad record; "+
		"for disk-tier damage, restore the DB from a backup")
}
