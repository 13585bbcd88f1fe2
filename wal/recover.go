package wal

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// RecoveryReport says what Open found and what it dropped.
type RecoveryReport struct {
	Segments int    // segments found
	Records  int    // valid records kept
	LastSeq  uint64 // sequence number of the last record kept (0 if none)

	// The fields below are set when Open dropped data: a lost tail (a torn
	// or zeroed unsynced end of the last segment), or, with
	// RecoverPointInTime, everything from the first bad record on.
	Segment         string   // file of the first dropped byte
	Offset          int64    // offset of the first dropped byte in Segment
	Reason          string   // why the record at Offset could not be read
	DroppedBytes    int64    // bytes dropped, in Segment and in later segments
	DroppedRecords  int      // valid records found after Offset and in later segments
	DroppedSegments []string // later segments removed whole (point-in-time recovery)
	Damaged         bool     // the dropped data was damaged, not lost (point-in-time recovery only)
}

// String summarizes the report for logs.
func (r RecoveryReport) String() string {
	s := fmt.Sprintf("%d segments, %d records, last seq %d", r.Segments, r.Records, r.LastSeq)
	if r.DroppedBytes > 0 || r.Segment != "" {
		kind := "lost tail"
		if r.Damaged {
			kind = "damage"
		}
		s += fmt.Sprintf("; dropped %s at %s offset %d (%s): %d bytes, %d records, %d later segments",
			kind, r.Segment, r.Offset, r.Reason, r.DroppedBytes, r.DroppedRecords, len(r.DroppedSegments))
	}
	return s
}

// scanResult is what scanning one segment found.
type scanResult struct {
	size    int64
	records int
	lastSeq uint64
	bad     *badRecord // first unreadable record, nil if none
}

// scanSegment validates every record of a segment. Records must have
// sequence numbers above prevSeq.
func scanSegment(fs vfs.FS, path string, prevSeq uint64) (scanResult, error) {
	var res scanResult
	f, err := fs.Open(path)
	if err != nil {
		return res, fmt.Errorf("wal: open %q: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return res, fmt.Errorf("wal: stat %q: %w", path, err)
	}
	res.size = st.Size()
	res.lastSeq = prevSeq
	rr := recordReader{r: bufio.NewReaderSize(f, 256<<10), limit: res.size, prevSeq: prevSeq}
	for {
		_, err := rr.next()
		if err == io.EOF {
			return res, nil
		}
		if bad, ok := errors.AsType[*badRecord](err); ok {
			res.bad = bad
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("wal: read %q: %w", path, err)
		}
		res.records++
		res.lastSeq = rr.prevSeq
	}
}

// validAfter looks for valid records after the bad record at badOff of a
// segment, at any byte offset. It reports how many it found and whether one
// of them proves that the bad record had been fsynced before it was written
// (its synced offset lies beyond badOff): then the bad record is damage,
// not a lost tail. This runs only when recovery met a bad record.
func validAfter(fs vfs.FS, path string, badOff int64, prevSeq uint64) (found int, proven bool, err error) {
	f, err := fs.Open(path)
	if err != nil {
		return 0, false, fmt.Errorf("wal: open %q: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, false, fmt.Errorf("wal: stat %q: %w", path, err)
	}
	if st.Size() <= badOff+1 {
		return 0, false, nil
	}
	buf := make([]byte, st.Size()-badOff)
	if _, err := f.ReadAt(buf, badOff); err != nil && err != io.EOF {
		return 0, false, fmt.Errorf("wal: read %q: %w", path, err)
	}
	// A record proves the bad one synced only if its synced offset is a
	// record boundary of this segment: its own offset, or where another
	// valid record found here starts or ends. A genuine synced offset is
	// the end of a group, so the record after it (or the prover itself)
	// starts there; bytes inside a lost record's payload that happen to
	// hold valid records (a user value holding a copy of a WAL segment)
	// carry synced offsets of another file, which fall between boundaries.
	bounds := map[uint64]bool{}
	for p := resumeAt(buf, badOff, prevSeq); p+headerSize <= len(buf); {
		n, h := recordAt(buf, p, badOff, prevSeq)
		if n == 0 {
			p++
			continue
		}
		found++
		at := uint64(badOff) + uint64(p)
		bounds[at], bounds[at+uint64(n)] = true, true
		proven = proven || (h.synced > uint64(badOff) && bounds[h.synced])
		prevSeq = h.seq
		p += n
	}
	return found, proven, nil
}

// resumeAt returns where validAfter starts looking in buf, which holds the
// segment from the bad record on. If the bad record's length looks intact
// (it ends exactly at the end of the file, or a valid record follows
// exactly where it ends), the search skips its payload: a user value may
// itself contain bytes that parse as a valid record, which must not be
// taken for log data.
func resumeAt(buf []byte, base int64, prevSeq uint64) int {
	if len(buf) < headerSize {
		return 1
	}
	h := parseHeader(buf)
	end := headerSize + int(h.n)
	if !h.plausible() || end > len(buf) {
		return 1
	}
	if end == len(buf) {
		return end
	}
	if end+headerSize <= len(buf) {
		if n, _ := recordAt(buf, end, base, prevSeq); n > 0 {
			return end
		}
	}
	return 1
}

// recordAt returns the length and header of a valid record at buf[p:]
// (buf starting at segment offset base), or 0 if there is none.
func recordAt(buf []byte, p int, base int64, prevSeq uint64) (int, header) {
	h := parseHeader(buf[p:])
	end := p + headerSize + int(h.n)
	// Unsigned: a synced field of 2^63 or more must not turn negative and
	// pass for an offset at or before the record's own.
	if !h.plausible() || end > len(buf) || h.seq <= prevSeq || h.synced > uint64(base)+uint64(p) {
		return 0, h
	}
	if checksum(crcOf(buf[p+headerSize:end]), buf[p:]) != h.crc {
		return 0, h
	}
	return end - p, h
}

// recover scans the segments, drops a lost tail (or, in point-in-time
// mode, everything from the first bad record), fills l.segs and l.report,
// and returns the sequence number of the last record kept.
func (l *Log) recover() (uint64, error) {
	segs, tmps, err := listDir(l.fs, l.dir)
	if err != nil {
		return 0, err
	}
	if !l.opts.ReadOnly {
		// Leftovers of a tail rewrite interrupted by a crash; the segment
		// they were copied from is intact.
		for _, t := range tmps {
			if err := l.fs.Remove(l.path(t)); err != nil {
				return 0, fmt.Errorf("wal: remove %q: %w", t, err)
			}
		}
	}
	l.report.Segments = len(segs)
	var last uint64
	for i := range segs {
		floor := last
		if segs[i].FirstSeq > 0 {
			floor = max(floor, segs[i].FirstSeq-1)
		}
		res, err := scanSegment(l.fs, l.path(segs[i].Name), floor)
		if err != nil {
			return 0, err
		}
		segs[i].Size = res.size
		l.report.Records += res.records
		if res.records > 0 {
			last = res.lastSeq
		}
		if res.bad != nil {
			if segs, err = l.dropFrom(segs, i, res); err != nil {
				return 0, err
			}
			break
		}
	}
	l.segs = segs
	l.report.LastSeq = last
	if l.report.Segment != "" {
		l.opts.Logger.Infof("wal: recovery of %q: %s", l.dir, l.report)
	}
	return last, nil
}

// dropFrom handles the first bad record, in segs[i]: damage is an error in
// strict mode; otherwise the bad record and everything after it is dropped
// and reported. It returns the segments that remain.
func (l *Log) dropFrom(segs []SegmentInfo, i int, res scanResult) ([]SegmentInfo, error) {
	path := l.path(segs[i].Name)
	bad := res.bad
	damaged := bad.valid || i < len(segs)-1
	found, proven, err := validAfter(l.fs, path, bad.offset, res.lastSeq)
	if err != nil {
		return nil, err
	}
	damaged = damaged || proven
	if damaged && l.opts.Recovery == RecoverStrict {
		return nil, &CorruptionError{File: path, Offset: bad.offset, Reason: bad.reason}
	}
	r := &l.report
	r.Segment, r.Offset, r.Reason, r.Damaged = segs[i].Name, bad.offset, bad.reason, damaged
	r.DroppedBytes, r.DroppedRecords = res.size-bad.offset, found
	for _, s := range segs[i+1:] {
		later, err := scanSegment(l.fs, l.path(s.Name), 0)
		if err != nil {
			return nil, err
		}
		r.DroppedBytes += later.size
		r.DroppedRecords += later.records
		r.DroppedSegments = append(r.DroppedSegments, s.Name)
	}
	segs[i].Size = bad.offset
	if l.opts.ReadOnly {
		return segs[:i+1], nil
	}
	return l.cutFiles(segs, i, bad.offset)
}

// cutFiles cuts segment i at offset and removes every later segment.
func (l *Log) cutFiles(segs []SegmentInfo, i int, offset int64) ([]SegmentInfo, error) {
	path := l.path(segs[i].Name)
	// Newest first, so that a crash in between leaves the same bad record
	// as the first one for the next Open to find.
	for j := len(segs) - 1; j > i; j-- {
		if err := l.fs.Remove(l.path(segs[j].Name)); err != nil {
			return nil, fmt.Errorf("wal: remove %q: %w", segs[j].Name, err)
		}
	}
	if offset == 0 {
		if err := l.fs.Remove(path); err != nil {
			return nil, fmt.Errorf("wal: remove %q: %w", path, err)
		}
		segs = segs[:i]
	} else if err := l.rewritePrefix(path, offset); err != nil {
		return nil, err
	} else {
		segs = segs[:i+1]
	}
	return segs, syncDir(l.fs, l.dir)
}

// rewritePrefix replaces the file at path by its first n bytes (vfs has no
// truncate): copy to a temporary file, fsync it, rename it over path. The
// caller fsyncs the directory.
func (l *Log) rewritePrefix(path string, n int64) error {
	src, err := l.fs.Open(path)
	if err != nil {
		return fmt.Errorf("wal: open %q: %w", path, err)
	}
	defer src.Close()
	tmp := path + tmpExt
	dst, err := l.fs.Create(tmp, vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("wal: create %q: %w", tmp, err)
	}
	_, err = io.Copy(dst, io.NewSectionReader(src, 0, n))
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = l.fs.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("wal: truncate %q to %d bytes: %w", path, n, err)
	}
	return nil
}
