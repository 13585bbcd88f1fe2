package disktier

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// Iter iterates over the stored versions of user keys in [lower, upper),
// tombstone versions included, as of one point in time (the NewIter
// call). It is not safe for concurrent use, except that Store.Close may
// close it from another goroutine. Positioning calls return whether the
// iterator is at a version; a damaged stored value stops it with an error
// matching ErrCorruption. Every method is safe after Close.
type Iter struct {
	s *Store
	// mu serializes the iterator's use of Pebble against Store.Close,
	// which closes iterators left open: Pebble panics on an iterator used
	// after its DB closed.
	mu   sync.Mutex
	it   *pebble.Iterator
	seek []byte
	key  []byte
	val  []byte
	seq  uint64
	tomb bool
	// valid is atomic because Store.Close may clear it from another
	// goroutine while the owner calls Valid.
	valid  atomic.Bool
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
	pit, err := s.db.NewIter(o)
	if err != nil {
		return nil, s.wrapErr("new iterator", err)
	}
	it := &Iter{s: s, it: pit}
	s.itersMu.Lock()
	s.iters[it] = struct{}{}
	s.itersMu.Unlock()
	return it, nil
}

// settle decodes the version under the Pebble iterator after a move.
func (it *Iter) settle(ok bool) bool {
	it.valid.Store(false)
	it.key, it.val, it.seq, it.tomb = nil, nil, 0, false
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
	it.key, it.val, it.seq, it.tomb = it.it.Key()[1:], val, seq, tomb
	it.valid.Store(true)
	return true
}

// move runs one positioning call under mu, unless the iterator is closed
// or stopped by an error.
func (it *Iter) move(f func(*pebble.Iterator) bool) bool {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.closed || it.err != nil {
		it.valid.Store(false)
		return false
	}
	return it.settle(f(it.it))
}

// First moves to the first version in bounds.
func (it *Iter) First() bool { return it.move((*pebble.Iterator).First) }

// Last moves to the last version in bounds.
func (it *Iter) Last() bool { return it.move((*pebble.Iterator).Last) }

// SeekGE moves to the first version with key >= k (clamped to bounds).
func (it *Iter) SeekGE(k []byte) bool {
	return it.move(func(pit *pebble.Iterator) bool {
		it.seek = appendUserKey(it.seek[:0], k)
		return pit.SeekGE(it.seek)
	})
}

// SeekLT moves to the last version with key < k (clamped to bounds).
func (it *Iter) SeekLT(k []byte) bool {
	return it.move(func(pit *pebble.Iterator) bool {
		it.seek = appendUserKey(it.seek[:0], k)
		return pit.SeekLT(it.seek)
	})
}

// Next moves to the next version; false once exhausted. As in Pebble,
// Next after Prev ran off the start moves to the first version.
func (it *Iter) Next() bool { return it.move((*pebble.Iterator).Next) }

// Prev moves to the previous version; false once exhausted. As in Pebble,
// Prev after Next ran off the end moves to the last version.
func (it *Iter) Prev() bool { return it.move((*pebble.Iterator).Prev) }

// Valid reports whether the iterator is at a version.
func (it *Iter) Valid() bool { return it.valid.Load() }

// Key returns the user key; valid until the next positioning call.
func (it *Iter) Key() []byte {
	if !it.valid.Load() {
		return nil
	}
	return it.key
}

// Value returns the value (nil for a tombstone version); valid until the
// next positioning call.
func (it *Iter) Value() []byte { return it.val }

// Seq returns the sequence number of the current version.
func (it *Iter) Seq() uint64 { return it.seq }

// Tombstone reports whether the current version is a tombstone.
func (it *Iter) Tombstone() bool { return it.tomb }

// Error returns the error that stopped the iterator: ErrClosed after
// Close (or after Store.Close), an ErrCorruption match for damaged data.
func (it *Iter) Error() error {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.closed {
		return ErrClosed
	}
	if it.err != nil {
		return it.err
	}
	return it.s.wrapErr("iterate", it.it.Error())
}

// Close releases the iterator. A second Close, or a Close after
// Store.Close closed it, returns ErrClosed.
func (it *Iter) Close() error {
	err := it.close(true)
	it.s.itersMu.Lock()
	delete(it.s.iters, it)
	it.s.itersMu.Unlock()
	return err
}

// close closes the Pebble iterator once. Only the owner (byOwner) may
// clear the fields its accessors read without mu.
func (it *Iter) close(byOwner bool) error {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.closed {
		return ErrClosed
	}
	it.closed = true
	it.valid.Store(false)
	if byOwner {
		it.key, it.val = nil, nil
	}
	return it.s.wrapErr("close iterator", it.it.Close())
}
