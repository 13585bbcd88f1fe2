package wal

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"
)

const (
	segmentExt = ".log"
	tmpExt     = ".tmp"
)

// SegmentInfo describes one live segment file.
type SegmentInfo struct {
	Name     string // base name, e.g. "000000000042.log"
	FirstSeq uint64 // the sequence number the segment is named by: no record in it is smaller
	Size     int64  // bytes of valid records in it
}

// segmentName returns the base name of the segment starting at seq.
func segmentName(seq uint64) string {
	return fmt.Sprintf("%012d%s", seq, segmentExt)
}

// parseSegmentName returns the first sequence number of a segment's base name.
func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, segmentExt)
	if !ok || len(digits) < 12 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}

// listDir returns the segments of dir in sequence order and the names of
// leftover temporary files. A missing directory is an empty log.
func listDir(fs vfs.FS, dir string) (segs []SegmentInfo, tmps []string, err error) {
	names, err := fs.List(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("wal: list %q: %w", dir, err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, tmpExt) {
			tmps = append(tmps, name)
		} else if seq, ok := parseSegmentName(name); ok {
			segs = append(segs, SegmentInfo{Name: name, FirstSeq: seq})
		}
	}
	slices.SortFunc(segs, func(a, b SegmentInfo) int {
		if a.FirstSeq < b.FirstSeq {
			return -1
		} else if a.FirstSeq > b.FirstSeq {
			return 1
		}
		return 0
	})
	for i := 1; i < len(segs); i++ {
		if segs[i].FirstSeq == segs[i-1].FirstSeq {
			return nil, nil, &CorruptionError{File: fs.PathJoin(dir, segs[i].Name),
				Reason: fmt.Sprintf("two segments start at sequence %d", segs[i].FirstSeq)}
		}
	}
	return segs, tmps, nil
}

// syncDir fsyncs a directory so that file creations and removals in it are
// durable.
func syncDir(fs vfs.FS, dir string) error {
	d, err := fs.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("wal: open dir %q: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("wal: sync dir %q: %w", dir, err)
	}
	return d.Close()
}
