package disktier

import (
	"bytes"
	"context"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// purgeChunk bounds how many keys one purge step scans while it holds the
// commit lock exclusively, so commits are not held up for long.
const purgeChunk = 1024

// Compact purges the tombstone versions with seq <= Watermark() in
// [start, end) (nil = unbounded; they hide nothing a replay could bring
// back), flushes, and compacts the range in Pebble. It returns ErrClosed,
// ErrReadOnly, an ErrCorruption match, or the sticky background error (it
// gives up instead of waiting when the disk fails). Safe for concurrent use.
func (s *Store) Compact(start, end []byte) error {
	if err := s.enterWrite(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	// An empty range is a no-op (Pebble would reject it). A nil start sorts
	// as the empty key, so [nil, "") is empty too.
	if end != nil && bytes.Compare(start, end) >= 0 {
		return nil
	}
	for from, more := start, true; more; {
		var err error
		if from, more, err = s.purgeStep(from, end); err != nil {
			return err
		}
	}
	// Flushing first keeps Pebble's Compact from waiting on a memtable
	// flush that a failing disk would never finish.
	if err := s.flush(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.sticky.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	lo, hi := appendUserKey(nil, start), []byte{nsUserEnd}
	if end != nil {
		hi = appendUserKey(nil, end)
	}
	if err := s.db.Compact(ctx, lo, hi, true); err != nil {
		if sticky := s.sticky.get(); sticky != nil {
			return sticky
		}
		return s.wrapErr("compact", err)
	}
	return s.sticky.get()
}

// purgeStep deletes the purgeable tombstone versions among up to
// purgeChunk keys from [from, end) and returns where to resume. It holds
// the commit lock exclusively so that no newer version of a key can be
// committed between reading the tombstone and deleting it.
func (s *Store) purgeStep(from, end []byte) (resume []byte, more bool, err error) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	o := &pebble.IterOptions{LowerBound: appendUserKey(nil, from), UpperBound: []byte{nsUserEnd}}
	if end != nil {
		o.UpperBound = appendUserKey(nil, end)
	}
	it, err := s.db.NewIter(o)
	if err != nil {
		return nil, false, s.wrapErr("purge tombstones", err)
	}
	defer it.Close()
	w := s.watermark.Load()
	b := s.db.NewBatch()
	defer b.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		if n == purgeChunk {
			resume, more = append([]byte(nil), it.Key()[1:]...), true
			break
		}
		n++
		raw, err := it.ValueAndErr()
		if err != nil {
			return nil, false, s.wrapErr("purge tombstones", err)
		}
		_, seq, tomb, err := decodeValue(raw)
		if err != nil {
			return nil, false, &CorruptionError{Offset: -1, Reason: fmt.Sprintf("purge tombstones (key of %d bytes)", len(it.Key())-1), Err: err}
		}
		if tomb && seq <= w {
			_ = b.Delete(it.Key(), nil)
		}
	}
	if err := it.Error(); err != nil {
		return nil, false, s.wrapErr("purge tombstones", err)
	}
	if b.Empty() {
		return resume, more, nil
	}
	n64 := uint64(b.Len())
	if err := s.db.Apply(b, pebble.NoSync); err != nil {
		err = s.wrapErr("purge tombstones", err)
		s.sticky.set(fmt.Errorf("%w: %w", ErrBackground, err))
		return nil, false, err
	}
	s.userBytes.Add(n64)
	s.unflushed.Store(true)
	return resume, more, nil
}
