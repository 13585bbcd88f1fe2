package disktier

import (
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// pebbleNeverStall is passed to Pebble as its write-stall thresholds. A
// Pebble write stall waits, holding its commit mutex, for flushes or
// compactions that a failing disk never completes; nothing can wake it,
// and Flush and Close need that mutex too, so one stall hangs the store
// for good. The Store stalls writers itself instead (see stallWrites),
// where the sticky error can end the wait.
const pebbleNeverStall = 1 << 30

// progress wakes writers stalled by the Store whenever Pebble finishes a
// flush or a compaction.
type progress struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed at the next flush or compaction end.
func (p *progress) wait() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ch == nil {
		p.ch = make(chan struct{})
	}
	return p.ch
}

// kick wakes everyone waiting.
func (p *progress) kick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ch != nil {
		close(p.ch)
		p.ch = nil
	}
}

// stallCheckDivisor: the stall conditions are checked (Pebble's Metrics
// call is not free) after every MemTableBytes/stallCheckDivisor committed
// bytes.
const stallCheckDivisor = 8

// stallWrites is called before each commit of n bytes. While too many
// memtables wait for a flush, or L0 has too many sublevels, it waits for
// Pebble to make progress; it returns the sticky error if one arrives
// meanwhile.
func (s *Store) stallWrites(n uint64) error {
	if s.sinceStallCheck.Add(n) < uint64(s.opts.MemTableBytes)/stallCheckDivisor {
		return nil
	}
	s.sinceStallCheck.Store(0)
	for {
		// Take the channel before checking, so that progress between the
		// check and the wait is not missed.
		ch := s.progress.wait()
		if !s.mustStall() {
			return nil
		}
		s.stalls.Add(1)
		if s.stallHook != nil {
			s.stallHook()
		}
		select {
		case <-ch:
		case <-s.sticky.done:
			return s.sticky.get()
		}
	}
}

// mustStall reports whether writes must wait for flushes or compactions.
func (s *Store) mustStall() bool {
	m := s.db.Metrics()
	if m.MemTable.Size >= uint64(s.opts.MemTableStopWrites)*uint64(s.opts.MemTableBytes) {
		return true
	}
	return int(m.Levels[0].Sublevels) >= s.opts.L0StopWritesThreshold
}

// onProgress is the FlushEnd and CompactionEnd listener.
func (s *Store) onFlushEnd(pebble.FlushInfo)           { s.progress.kick() }
func (s *Store) onCompactionEnd(pebble.CompactionInfo) { s.progress.kick() }
