package wal

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Log is a write-ahead log: a directory of segment files holding batches
// under increasing sequence numbers. All its methods are safe for
// concurrent use, except that Replay must not run concurrently with
// Truncate of the segments it reads.
type Log struct {
	dir    string
	opts   Options
	fs     vfs.FS
	report RecoveryReport
	encs   sync.Pool // *encoded, reused across appends
	gate   compressGate
	trunc  sync.Mutex // serializes Truncate
	stats  stats

	mu         sync.Mutex
	nextSeq    uint64        // next sequence number to assign
	err        error         // sticky write/fsync error
	closed     bool          // Close was called
	pending    *group        // records queued for the flusher, or nil
	flushing   bool          // the flusher or an appender owns the file fields below
	segs       []SegmentInfo // live segments; the last is the active one, Size = bytes written
	logicalSeg uint64        // segment the next queued record goes into
	logicalOff int64         // its size once every queued record is written
	syncedOff  int64         // its bytes known durable, stamped into records
	freeBufs   [][]byte      // chunk buffers to reuse

	// Owned by whoever set flushing (and by Open before the flusher starts).
	file         vfs.File
	fileSeg      uint64
	fileOff      int64
	fileSynced   int64
	filePrealloc int64 // file space reserved up to here

	kick chan struct{} // wakes the flusher; capacity 1
	quit chan struct{} // closed by Close after the last group
	done chan struct{} // closed when the flusher exits
}

// Open opens the log in dir, creating dir unless ReadOnly. It lists the
// segments, validates every record, and tells lost data from damaged data:
//
//   - a torn or zeroed end of the last segment that no later record proves
//     was fsynced is a lost tail: it is dropped (the file is rewritten to
//     its valid prefix unless ReadOnly) and reported by Recovered;
//   - a bad record in a non-final segment, a bad record followed by a valid
//     one written after the bad one was fsynced, or a record that passes
//     its checksum but is malformed is damage: Open returns a
//     *CorruptionError (matching ErrCorruption) naming the file and offset,
//     unless Options.Recovery is RecoverPointInTime, which drops the bad
//     record and everything after it and reports it.
//
// Unless ReadOnly, Open then fsyncs the last segment and the directory, so
// that what survived a crash is durable before anything builds on it, and
// continues appending to the last segment (or a new one if it is full).
// Open returns ErrInvalidOptions (wrapped) for bad options, and I/O errors.
// It takes no lock: the caller (the engine's directory lock) makes sure that
// one Log at most is open on dir.
func Open(dir string, opts *Options) (*Log, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.fillDefaults()
	l := &Log{dir: dir, opts: o, fs: o.FS}
	l.encs.New = func() any { return new(encoded) }
	if !o.ReadOnly {
		if err := l.fs.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("wal: create %q: %w", dir, err)
		}
		// The directory's own entry must be durable before its segments are.
		if err := syncDir(l.fs, l.fs.PathDir(dir)); err != nil {
			return nil, err
		}
	}
	lastRecord, err := l.recover()
	if err != nil {
		return nil, err
	}
	l.nextSeq = max(lastRecord+1, o.FirstSeq, 1)
	if n := len(l.segs); n > 0 {
		// A record must never be smaller than its segment's name.
		l.nextSeq = max(l.nextSeq, l.segs[n-1].FirstSeq)
	}
	if o.ReadOnly {
		return l, nil
	}
	if err := l.openActive(); err != nil {
		return nil, err
	}
	l.kick = make(chan struct{}, 1)
	l.quit = make(chan struct{})
	l.done = make(chan struct{})
	go l.flushLoop()
	return l, nil
}

// openActive makes the last segment durable and opens the segment that
// appends go to: the last one if it has room, else a new one.
func (l *Log) openActive() error {
	n := len(l.segs)
	if n > 0 && l.segs[n-1].Size < l.opts.SegmentBytes {
		last := l.segs[n-1]
		f, err := l.fs.OpenReadWrite(l.path(last.Name), vfs.WriteCategoryUnspecified)
		if err != nil {
			return fmt.Errorf("wal: open %q: %w", last.Name, err)
		}
		if err := f.SyncData(); err != nil {
			f.Close()
			return fmt.Errorf("wal: sync %q: %w", last.Name, err)
		}
		l.file, l.fileSeg, l.fileOff, l.fileSynced = f, last.FirstSeq, last.Size, last.Size
		l.filePrealloc = last.Size
	} else {
		if n > 0 {
			if err := l.syncFile(l.segs[n-1].Name); err != nil {
				return err
			}
		}
		if err := l.createSegment(l.nextSeq); err != nil {
			return err
		}
	}
	l.logicalSeg, l.logicalOff, l.syncedOff = l.fileSeg, l.fileOff, l.fileSynced
	return syncDir(l.fs, l.dir)
}

// syncFile fsyncs an existing file.
func (l *Log) syncFile(name string) error {
	f, err := l.fs.OpenReadWrite(l.path(name), vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("wal: open %q: %w", name, err)
	}
	err = f.SyncData()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("wal: sync %q: %w", name, err)
	}
	return nil
}

// createSegment creates the segment named by seq and makes it the file
// appends go to. The caller fsyncs the directory.
func (l *Log) createSegment(seq uint64) error {
	name := segmentName(seq)
	f, err := l.fs.OpenReadWrite(l.path(name), vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("wal: create %q: %w", name, err)
	}
	if st, err := f.Stat(); err != nil || st.Size() != 0 {
		f.Close()
		if err == nil {
			err = errors.New("file exists and is not empty")
		}
		return fmt.Errorf("wal: create %q: %w", name, err)
	}
	l.file, l.fileSeg, l.fileOff, l.fileSynced, l.filePrealloc = f, seq, 0, 0, 0
	l.mu.Lock()
	l.segs = append(l.segs, SegmentInfo{Name: name, FirstSeq: seq})
	l.mu.Unlock()
	return nil
}

func (l *Log) path(name string) string { return l.fs.PathJoin(l.dir, name) }

// Recovered reports what Open found and dropped. It is safe for concurrent use.
func (l *Log) Recovered() RecoveryReport {
	r := l.report
	r.DroppedSegments = slices.Clone(r.DroppedSegments)
	return r
}

// LastSeq returns the last sequence number assigned (by Append, or below
// Options.FirstSeq), or 0 if none.
func (l *Log) LastSeq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nextSeq - 1
}

// Size returns the bytes written to live segments.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for _, s := range l.segs {
		n += s.Size
	}
	return n
}

// Segments returns a description of the live segments, oldest first. The
// caller owns the returned slice.
func (l *Log) Segments() []SegmentInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.segs)
}

// Stats are cumulative counters of a Log since Open.
type Stats struct {
	Appends      uint64 // records written
	Writes       uint64 // write calls (one per group and segment)
	Syncs        uint64 // fsyncs of segment files
	BytesWritten uint64 // bytes written to segment files
}

type stats struct {
	appends, writes, syncs, bytes atomic.Uint64
}

// Stats returns the log's counters. It is safe for concurrent use.
func (l *Log) Stats() Stats {
	return Stats{
		Appends:      l.stats.appends.Load(),
		Writes:       l.stats.writes.Load(),
		Syncs:        l.stats.syncs.Load(),
		BytesWritten: l.stats.bytes.Load(),
	}
}

// Err returns the sticky write or fsync error, or nil.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Truncate removes, oldest first, the segments whose records all have
// sequence numbers at or below seq, then fsyncs the directory. If every
// record appended so far is at or below seq, the active segment goes too:
// the log first rotates to a new, empty segment (so a checkpoint that
// covers everything leaves no old WAL bytes behind). It returns ErrClosed,
// ErrReadOnly, the sticky error, or an I/O error.
func (l *Log) Truncate(seq uint64) error {
	l.trunc.Lock()
	defer l.trunc.Unlock()
	if err := l.rotateIfCovered(seq); err != nil {
		return err
	}
	l.mu.Lock()
	if err := l.usableLocked(); err != nil {
		l.mu.Unlock()
		return err
	}
	n := 0
	// Every record of segs[n] is below segs[n+1].FirstSeq.
	for n+1 < len(l.segs) && l.segs[n+1].FirstSeq-1 <= seq {
		n++
	}
	victims := slices.Clone(l.segs[:n])
	l.segs = slices.Delete(l.segs, 0, n)
	l.mu.Unlock()
	for _, v := range victims {
		if err := l.fs.Remove(l.path(v.Name)); err != nil {
			return fmt.Errorf("wal: remove %q: %w", v.Name, err)
		}
	}
	if n == 0 {
		return nil
	}
	return syncDir(l.fs, l.dir)
}

// rotateIfCovered rotates to a new segment when the active one holds
// records and all of them are at or below seq. The rotation rides the
// normal write path (a group whose last chunk creates the segment), so it
// is ordered after every record already queued.
func (l *Log) rotateIfCovered(seq uint64) error {
	l.mu.Lock()
	if err := l.usableLocked(); err != nil {
		l.mu.Unlock()
		return err
	}
	if l.nextSeq-1 > seq || l.logicalOff == 0 {
		l.mu.Unlock()
		return nil
	}
	g := l.pendingLocked(true)
	l.logicalSeg, l.logicalOff, l.syncedOff = l.nextSeq, 0, 0
	g.chunks = append(g.chunks, chunk{seg: l.nextSeq, create: true})
	l.mu.Unlock()
	<-g.done
	return g.err
}

// usableLocked returns why the log cannot take writes, or nil.
func (l *Log) usableLocked() error {
	switch {
	case l.closed:
		return ErrClosed
	case l.opts.ReadOnly:
		return ErrReadOnly
	}
	return l.err
}

// Replay calls fn for every record with Seq >= from, in order, across
// segments. The Batch and its slices are valid only during the call. An
// error from fn stops replay and is returned; a record that no longer
// reads back is a *CorruptionError. fn may call the Log's other methods.
func (l *Log) Replay(from uint64, fn func(b *Batch) error) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	segs := slices.Clone(l.segs)
	l.mu.Unlock()
	start := 0
	for start+1 < len(segs) && segs[start+1].FirstSeq <= from {
		start++
	}
	rr := recordReader{}
	for _, s := range segs[start:] {
		if err := l.replaySegment(&rr, s, from, fn); err != nil {
			return err
		}
	}
	return nil
}

func (l *Log) replaySegment(rr *recordReader, s SegmentInfo, from uint64, fn func(b *Batch) error) error {
	path := l.path(s.Name)
	f, err := l.fs.Open(path)
	if err != nil {
		return fmt.Errorf("wal: open %q: %w", path, err)
	}
	defer f.Close()
	rr.r = bufio.NewReaderSize(io.NewSectionReader(f, 0, s.Size), 256<<10)
	rr.off, rr.limit = 0, s.Size
	for {
		b, err := rr.next()
		if err == io.EOF {
			return nil
		}
		if bad, ok := errors.AsType[*badRecord](err); ok {
			return &CorruptionError{File: path, Offset: bad.offset, Reason: bad.reason}
		}
		if err != nil {
			return fmt.Errorf("wal: read %q: %w", path, err)
		}
		if b.Seq < from {
			continue
		}
		if err := fn(b); err != nil {
			return err
		}
	}
}
