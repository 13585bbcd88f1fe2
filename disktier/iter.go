package disktier

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Iter iterates over the stored versions of user keys in [lower, upper),
// tombstone versions included, as of one point in time (the NewIter
// call). It is not safe for concurrent use. Positioning calls return
// whether the iterator is at a version; a damaged stored value stops it
// with an error matching ErrCorruption.
type Iter struct {
	s      *Store
	it     *pebble.Iterator
	seek   []byte
	val    []byte
	seq    uint64
	tomb   bool
	valid  bool
	err    error
	closed bool
}

// NewIter returns an iterator over user keys in [lower, upper) (nil means
// unbounded), positioned nowhere. It sees one consistent point-in-time
// state. The caller must Close it (before closing the store). Returns
// ErrClosed after Close. Safe for concurrent use.
func (s *Store) NewIter(lower, upper []byte) (*Iter, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	o := &pebble.IterOptions{
		LowerBound: appendUserKey(nil, lower),
		UpperBound: []byte{nsUserEnd},
	}
	if upper != nil {
		o.UpperBound = appendUserKey(nil, upper)
	}
	it, err := s.db.NewIter(o)
	if err != nil {
		return nil, s.wrapErr("new iterator", err)
	}
	s.openIters.Add(1)
	return &Iter{s: s, it: it}, nil
}

// settle decodes the version under the Pebble iterator after a move.
func (it *Iter) settle(ok bool) bool {
	it.valid, it.val, it.seq, it.tomb = false, nil, 0, false
	if !ok {
		return false
	}
	raw, err := it.it.ValueAndErr()
	if err != nil {
		it.err = it.s.wrapErr("iterate", err)
		return false
	}
	val, seq, tomb, err := decodeValue(raw)
	if err != nil {
		it.err = &CorruptionError{Offset: -1, Reason: fmt.Sprintf("iterate (key of %d bytes)", len(it.it.Key())-1), Err: err}
		return false
	}
	it.val, it.seq, it.tomb, it.valid = val, seq, tomb, true
	return true
}

// usable reports whether the iterator may move: not closed, no error.
func (it *Iter) usable() bool {
	if it.closed || it.err != nil {
		it.valid = false
		return false
	}
	return true
}

// First moves to the first version in bounds.
func (it *Iter) First() bool { return it.usable() && it.settle(it.it.First()) }

// Last moves to the last version in bounds.
func (it *Iter) Last() bool { return it.usable() && it.settle(it.it.Last()) }

// SeekGE moves to the first version with key >= k (clamped to bounds).
func (it *Iter) SeekGE(k []byte) bool {
	if !it.usable() {
		return false
	}
	it.seek = appendUserKey(it.seek[:0], k)
	return it.settle(it.it.SeekGE(it.seek))
}

// SeekLT moves to the last version with key < k (clamped to bounds).
func (it *Iter) SeekLT(k []byte) bool {
	if !it.usable() {
		return false
	}
	it.seek = appendUserKey(it.seek[:0], k)
	return it.settle(it.it.SeekLT(it.seek))
}

// Next moves to the next version; false once exhausted.
func (it *Iter) Next() bool { return it.usable() && it.settle(it.it.Next()) }

// Prev moves to the previous version; false once exhausted.
func (it *Iter) Prev() bool { return it.usable() && it.settle(it.it.Prev()) }

// Valid reports whether the iterator is at a version.
func (it *Iter) Valid() bool { return it.valid }

// Key returns the user key; valid until the next positioning call.
func (it *Iter) Key() []byte {
	if !it.valid {
		return nil
	}
	return it.it.Key()[1:]
}

// Value returns the value (nil for a tombstone version); valid until the
// next positioning call.
func (it *Iter) Value() []byte { return it.val }

// Seq returns the sequence number of the current version.
func (it *Iter) Seq() uint64 { return it.seq }

// Tombstone reports whether the current version is a tombstone.
func (it *Iter) Tombstone() bool { return it.tomb }

// Error returns the error that stopped the iterator: ErrClosed after
// Close, an ErrCorruption match for damaged data.
func (it *Iter) Error() error {
	if it.closed {
		return ErrClosed
	}
	if it.err != nil {
		return it.err
	}
	return it.s.wrapErr("iterate", it.it.Error())
}

// Close releases the iterator. A second Close returns ErrClosed.
func (it *Iter) Close() error {
	if it.closed {
		return ErrClosed
	}
	it.closed, it.valid = true, false
	it.s.openIters.Add(-1)
	return it.s.wrapErr("close iterator", it.it.Close())
}
