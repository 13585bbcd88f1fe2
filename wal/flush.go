package wal

import (
	"fmt"
	"time"
)

// group is the unit of group commit: the records queued while the flusher
// was busy, written with one write per segment and at most one fsync.
type group struct {
	chunks  []chunk
	records int           // records in the group
	bytes   int           // their encoded size
	sync    bool          // fsync after writing
	done    chan struct{} // closed when the group is written (and synced if sync)
	err     error         // set before done is closed
	inline  [1]chunk      // backing for chunks: one segment is the common case
}

// chunk is the part of a group that goes into one segment.
type chunk struct {
	seg    uint64 // first sequence number (name) of the segment
	create bool   // the segment must be created first (rotation)
	buf    []byte
}

// Append writes one record holding ops under the next sequence number and
// returns that number. Concurrent appends share writes and fsyncs. With
// SyncAlways it returns once the record is fsynced; otherwise once it is
// written, or with Options.AsyncWrites once it is queued. Sequence numbers
// are assigned in file order; an append that fails on I/O still consumes
// its number (and returns it with the error).
//
// Bad input writes nothing and consumes no number: ErrEmptyBatch,
// ErrEmptyKey, ErrBadOp, ErrRecordTooLarge. It returns ErrClosed after
// Close, ErrReadOnly on a read-only log, and the sticky error after any
// write or fsync failure. The log keeps no reference to ops.
func (l *Log) Append(ops []Op) (uint64, error) {
	size, err := payloadSize(ops)
	if err != nil {
		return 0, err
	}
	if size > l.opts.MaxRecordBytes-headerSize {
		return 0, ErrRecordTooLarge
	}
	e := l.encs.Get().(*encoded)
	e.encode(ops, size, &l.gate)
	l.mu.Lock()
	if err := l.usableLocked(); err != nil {
		l.mu.Unlock()
		l.encs.Put(e)
		return 0, err
	}
	seq := l.nextSeq
	l.nextSeq++
	// With nothing queued or in flight there is nobody to share a write or
	// an fsync with: the appender writes (and, with SyncAlways, fsyncs) its
	// record itself rather than paying two goroutine switches to hand it to
	// the flusher and back. SyncInterval leaves it to the flusher, which
	// owns the interval timer.
	async := l.opts.AsyncWrites && l.opts.Sync != SyncAlways
	lead := !async && l.opts.Sync != SyncInterval && !l.flushing && l.pending == nil
	g := l.queueLocked(e, seq, !lead)
	if lead {
		l.pending, l.flushing = nil, true
	}
	queued := g.bytes
	l.mu.Unlock()
	l.encs.Put(e)
	if async && queued < MaxQueuedBytes {
		return seq, nil
	}
	if lead {
		l.flush(g, false)
		l.mu.Lock()
		l.flushing = false
		if l.pending != nil {
			l.kickLocked()
		}
		l.mu.Unlock()
	}
	<-g.done
	return seq, g.err
}

// queueLocked adds a record to the pending group, rotating to a new
// segment when the current one is full.
func (l *Log) queueLocked(e *encoded, seq uint64, kick bool) *group {
	g := l.pendingLocked(kick)
	if l.logicalOff >= l.opts.SegmentBytes {
		l.logicalSeg, l.logicalOff, l.syncedOff = seq, 0, 0
		g.chunks = append(g.chunks, chunk{seg: seq, create: true})
	} else if len(g.chunks) == 0 {
		g.chunks = append(g.chunks, chunk{seg: l.logicalSeg})
	}
	c := &g.chunks[len(g.chunks)-1]
	if c.buf == nil && len(l.freeBufs) > 0 {
		c.buf = l.freeBufs[len(l.freeBufs)-1]
		l.freeBufs = l.freeBufs[:len(l.freeBufs)-1]
	}
	c.buf = appendRecord(c.buf, e, seq, l.syncedOff)
	l.logicalOff += int64(headerSize + len(e.payload))
	g.records++
	g.bytes += headerSize + len(e.payload)
	return g
}

// pendingLocked returns the group collecting records, starting one (and
// waking the flusher, if kick) if there is none.
func (l *Log) pendingLocked(kick bool) *group {
	if l.pending == nil {
		g := &group{
			sync: l.opts.Sync == SyncAlways,
			done: make(chan struct{}),
		}
		g.chunks = g.inline[:0]
		l.pending = g
		if kick {
			l.kickLocked()
		}
	}
	return l.pending
}

// kickLocked wakes the flusher (or leaves it a wake-up if it is busy).
func (l *Log) kickLocked() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// Sync fsyncs everything appended so far. It returns ErrClosed,
// ErrReadOnly, the sticky error, or the fsync's error (which becomes
// sticky).
func (l *Log) Sync() error {
	l.mu.Lock()
	if err := l.usableLocked(); err != nil {
		l.mu.Unlock()
		return err
	}
	g := l.pendingLocked(true)
	g.sync = true
	l.mu.Unlock()
	<-g.done
	return g.err
}

// Close writes and fsyncs everything appended, stops the flusher and
// closes the active segment. It returns the sticky error if there is one;
// later calls return ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.closed = true
	if l.opts.ReadOnly {
		l.mu.Unlock()
		return nil
	}
	g := l.pendingLocked(true)
	g.sync = true
	l.mu.Unlock()
	<-g.done
	close(l.quit)
	<-l.done
	err := g.err
	if l.file != nil {
		if cerr := l.file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("wal: close segment: %w", cerr)
		}
	}
	return err
}

// flushLoop is the flusher goroutine: it takes the pending group, writes
// it and fsyncs it (per its sync flag, or every SyncInterval), while the
// next group collects.
func (l *Log) flushLoop() {
	defer close(l.done)
	var timer *time.Timer
	var tick <-chan time.Time
	for {
		syncNow := false
		select {
		case <-l.kick:
		case <-tick:
			tick, syncNow = nil, true
		case <-l.quit:
			return
		}
		l.mu.Lock()
		if l.flushing {
			// An appender is writing inline; it kicks us when it is
			// done if more is pending.
			l.mu.Unlock()
			continue
		}
		g := l.pending
		l.pending, l.flushing = nil, true
		l.mu.Unlock()
		l.flush(g, syncNow)
		unsynced := l.fileSynced < l.fileOff // read while still the owner
		l.mu.Lock()
		l.flushing = false
		l.mu.Unlock()
		if l.opts.Sync == SyncInterval && tick == nil && unsynced {
			if timer == nil {
				timer = time.NewTimer(l.opts.SyncInterval)
			} else {
				timer.Reset(l.opts.SyncInterval)
			}
			tick = timer.C
		}
	}
}

// flush writes g (which may be nil) and completes it. After a failure it
// writes nothing more: the error is sticky.
func (l *Log) flush(g *group, syncNow bool) {
	l.mu.Lock()
	err := l.err
	l.mu.Unlock()
	if err == nil {
		err = l.write(g, syncNow)
		if err != nil {
			l.mu.Lock()
			if l.err == nil {
				l.err = err
			}
			err = l.err
			l.mu.Unlock()
		}
	}
	if g == nil {
		return
	}
	g.err = err
	if err == nil {
		l.stats.appends.Add(uint64(g.records))
	}
	l.recycle(g)
	close(g.done)
}

// write writes the chunks of g, rotating segments as they say, and fsyncs
// if g asks for it or syncNow.
func (l *Log) write(g *group, syncNow bool) error {
	if g != nil {
		syncNow = syncNow || g.sync
		for i := range g.chunks {
			c := &g.chunks[i]
			if c.create {
				if err := l.rotate(c.seg); err != nil {
					return err
				}
			}
			l.preallocate(l.fileOff + int64(len(c.buf)))
			n, err := l.file.WriteAt(c.buf, l.fileOff)
			l.fileOff += int64(n)
			l.stats.writes.Add(1)
			l.stats.bytes.Add(uint64(n))
			l.publishSize()
			if err != nil {
				return fmt.Errorf("wal: write segment %d: %w", l.fileSeg, err)
			}
		}
	}
	if !syncNow || l.fileSynced == l.fileOff {
		return nil
	}
	l.stats.syncs.Add(1)
	if err := l.file.SyncData(); err != nil {
		return fmt.Errorf("wal: sync segment %d: %w", l.fileSeg, err)
	}
	l.fileSynced = l.fileOff
	l.mu.Lock()
	if l.logicalSeg == l.fileSeg {
		l.syncedOff = l.fileSynced
	}
	l.mu.Unlock()
	return nil
}

// preallocBytes is how far ahead of the write offset segment space is
// reserved.
const preallocBytes = 4 << 20

// preallocate reserves disk space up to past end (without changing the
// file size), so that an fsync need not commit block allocations too. It
// is a hint: an error is ignored, since a real lack of space fails the
// write that follows.
func (l *Log) preallocate(end int64) {
	if end <= l.filePrealloc {
		return
	}
	to := (end/preallocBytes + 1) * preallocBytes
	_ = l.file.Preallocate(l.filePrealloc, to-l.filePrealloc)
	l.filePrealloc = to
}

// publishSize makes the active segment's written size visible to Size,
// Segments and Replay.
func (l *Log) publishSize() {
	l.mu.Lock()
	l.segs[len(l.segs)-1].Size = l.fileOff
	l.mu.Unlock()
}

// rotate fsyncs and closes the active segment, then creates the next one
// and fsyncs the directory. The old segment is durable before the new one
// exists, so a crash can never keep later records and lose earlier ones.
func (l *Log) rotate(seq uint64) error {
	if l.fileSynced < l.fileOff {
		l.stats.syncs.Add(1)
		if err := l.file.SyncData(); err != nil {
			return fmt.Errorf("wal: sync segment %d: %w", l.fileSeg, err)
		}
	}
	err := l.file.Close()
	l.file = nil
	if err != nil {
		return fmt.Errorf("wal: close segment %d: %w", l.fileSeg, err)
	}
	if err := l.createSegment(seq); err != nil {
		return err
	}
	return syncDir(l.fs, l.dir)
}

// recycle returns g's buffers for reuse by later groups; huge ones (from
// huge records) are left to the garbage collector.
func (l *Log) recycle(g *group) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range g.chunks {
		if b := g.chunks[i].buf; cap(b) <= 4<<20 && len(l.freeBufs) < 4 {
			l.freeBufs = append(l.freeBufs, b[:0])
		}
	}
}
