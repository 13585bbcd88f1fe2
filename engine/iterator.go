package engine

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/tierkv/tierkv/disktier"
	"github.com/tierkv/tierkv/memtier"
)

// IterOptions bounds an iterator.
type IterOptions struct {
	LowerBound []byte // inclusive; nil = no bound
	UpperBound []byte // exclusive; nil = no bound
}

// Iterator walks one consistent state of the whole DB, both tiers merged,
// in key order, in either direction. The memory tier shadows the disk tier
// and tombstones hide keys. An Iterator is not safe for concurrent use (but
// DB.Close may close it from another goroutine). Scans never promote.
type Iterator struct {
	mu     sync.Mutex
	db     *DB
	snap   *memtier.Snapshot
	mem    *memtier.Cursor
	disk   *disktier.Iter
	lower  []byte
	upper  []byte
	closed bool
	err    error

	valid   bool
	forward bool
	fromMem bool   // the current entry comes from the memory tier
	key     []byte // copy of the current key
	val     []byte // copy of the current value, made by Value
}

// NewIter returns an iterator over the DB as of the call: every write
// acknowledged before it, no write that started after it, never part of a
// batch. nil opts means no bounds. It returns ErrClosed after Close.
func (db *DB) NewIter(opts *IterOptions) (*Iterator, error) {
	it := &Iterator{db: db}
	if opts != nil {
		it.lower = cloneBytes(opts.LowerBound)
		it.upper = cloneBytes(opts.UpperBound)
		if it.lower != nil && it.upper != nil && bytes.Compare(it.lower, it.upper) > 0 {
			it.upper = it.lower // inverted bounds: an empty range
		}
	}
	db.lifeMu.RLock()
	defer db.lifeMu.RUnlock()
	if db.closed.Load() {
		return nil, ErrClosed
	}
	// Both views are taken while no batch is being published, so they show
	// the same set of batches. Write-backs and evictions may run between the
	// two calls: a version written back is still resident (in the snapshot)
	// until it is evicted, so the merged view does not change. The memory
	// tier's view is fixed under the lock and, if the tier has dropped its
	// ordered index (memtier/ordered.go), sorted after it, so writers wait
	// only for a copy of the resident versions' pointers.
	db.commitMu.Lock()
	pending := db.mem.BeginSnapshot()
	disk, err := db.disk.NewIter(it.lower, it.upper)
	db.commitMu.Unlock()
	it.snap = pending.Finish()
	if err != nil {
		it.snap.Close()
		return nil, wrapCorruption(fmt.Errorf("tierkv: new iterator: %w", err))
	}
	it.disk = disk
	it.mem = it.snap.NewCursor(it.lower, it.upper)
	db.iterMu.Lock()
	db.iters[it] = struct{}{}
	db.iterMu.Unlock()
	return it, nil
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// First moves to the first key within bounds.
func (it *Iterator) First() bool {
	return it.position(func() bool { it.mem.First(); it.disk.First(); return it.settleForward() })
}

// Last moves to the last key within bounds.
func (it *Iterator) Last() bool {
	return it.position(func() bool { it.mem.Last(); it.disk.Last(); return it.settleBackward() })
}

// SeekGE moves to the first key >= key (clamped to the bounds).
func (it *Iterator) SeekGE(key []byte) bool {
	return it.position(func() bool {
		if it.lower != nil && bytes.Compare(key, it.lower) < 0 {
			key = it.lower
		}
		it.mem.SeekGE(key)
		it.disk.SeekGE(key)
		return it.settleForward()
	})
}

// SeekLT moves to the last key < key (clamped to the bounds).
func (it *Iterator) SeekLT(key []byte) bool {
	return it.position(func() bool {
		if it.upper != nil && bytes.Compare(key, it.upper) > 0 {
			key = it.upper
		}
		it.mem.SeekLT(key)
		it.disk.SeekLT(key)
		return it.settleBackward()
	})
}

// Next moves to the next key; false when exhausted.
func (it *Iterator) Next() bool {
	return it.position(func() bool {
		if !it.valid {
			return false
		}
		if !it.forward {
			// Turn around: put both children on the first key > current.
			it.mem.SeekGE(it.key)
			it.disk.SeekGE(it.key)
		}
		it.skipCurrentForward()
		return it.settleForward()
	})
}

// Prev moves to the previous key; false when exhausted.
func (it *Iterator) Prev() bool {
	return it.position(func() bool {
		if !it.valid {
			return false
		}
		if it.forward {
			it.mem.SeekLT(it.key)
			it.disk.SeekLT(it.key)
			return it.settleBackward()
		}
		it.skipCurrentBackward()
		return it.settleBackward()
	})
}

// position runs a positioning move under the iterator's lock.
func (it *Iterator) position(move func() bool) bool {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.closed || it.err != nil {
		it.valid = false
		return false
	}
	it.valid = move()
	if !it.valid {
		it.err = wrapCorruption(it.disk.Error())
	}
	return it.valid
}

// skipCurrentForward advances past the current key in every child on it.
func (it *Iterator) skipCurrentForward() {
	if it.mem.Valid() && bytes.Equal(it.mem.Key(), it.key) {
		it.mem.Next()
	}
	if it.disk.Valid() && bytes.Equal(it.disk.Key(), it.key) {
		it.disk.Next()
	}
}

func (it *Iterator) skipCurrentBackward() {
	if it.mem.Valid() && bytes.Equal(it.mem.Key(), it.key) {
		it.mem.Prev()
	}
	if it.disk.Valid() && bytes.Equal(it.disk.Key(), it.key) {
		it.disk.Prev()
	}
}

// settleForward makes the smallest child key current, skipping tombstones.
func (it *Iterator) settleForward() bool { return it.settle(true) }

// settleBackward makes the largest child key current, skipping tombstones.
func (it *Iterator) settleBackward() bool { return it.settle(false) }

// settle makes current the child key that comes first in the direction of
// travel, skipping tombstones (and the keys they shadow).
func (it *Iterator) settle(forward bool) bool {
	it.forward = forward
	for {
		memOK, diskOK := it.mem.Valid(), it.disk.Valid()
		if !memOK && !diskOK {
			return false
		}
		c := 0
		switch {
		case !memOK:
			c = 1 // disk only
		case !diskOK:
			c = -1
		default:
			c = bytes.Compare(it.mem.Key(), it.disk.Key())
			if !forward {
				c = -c // backward, the larger key comes first
			}
		}
		if it.adopt(c) {
			return true
		}
		if forward {
			it.skipCurrentForward()
		} else {
			it.skipCurrentBackward()
		}
	}
}

// adopt makes the child that comes first current (c <= 0: the memory tier,
// which also shadows the disk tier on equal keys). It returns false if the
// adopted entry is a tombstone; the key is recorded either way so the
// caller can skip it in both children.
func (it *Iterator) adopt(c int) bool {
	if c <= 0 {
		it.key = append(it.key[:0], it.mem.Key()...)
		it.fromMem = true
		return !it.mem.Tombstone()
	}
	it.key = append(it.key[:0], it.disk.Key()...)
	it.fromMem = false
	return !it.disk.Tombstone()
}

// Valid reports whether the iterator is positioned at a key.
func (it *Iterator) Valid() bool {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.valid && !it.closed
}

// Key returns the current key, valid until the next positioning call.
func (it *Iterator) Key() []byte {
	it.mu.Lock()
	defer it.mu.Unlock()
	if !it.valid || it.closed {
		return nil
	}
	return it.key
}

// Value returns the current value, valid until the next positioning call.
// The slice is the iterator's own copy: the memory tier's entries and
// Pebble's blocks and memtable are shared with every reader, so a caller
// writing into the returned slice must not change what the DB stores.
func (it *Iterator) Value() []byte {
	it.mu.Lock()
	defer it.mu.Unlock()
	if !it.valid || it.closed {
		return nil
	}
	var v []byte
	if it.fromMem {
		v = it.mem.Entry().Value
	} else {
		v = it.disk.Value()
	}
	if it.val == nil {
		it.val = make([]byte, 0, max(len(v), 64))
	}
	it.val = append(it.val[:0], v...)
	return it.val
}

// Error returns the error that stopped the iterator, or ErrClosed after Close.
func (it *Iterator) Error() error {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.closed {
		return ErrClosed
	}
	return it.err
}

// Close releases the iterator. Closing twice is safe and returns nil.
func (it *Iterator) Close() error {
	it.db.iterMu.Lock()
	delete(it.db.iters, it)
	it.db.iterMu.Unlock()
	return it.release()
}

func (it *Iterator) release() error {
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.closed {
		return nil
	}
	it.closed = true
	it.valid = false
	it.snap.Close()
	// Once Close has taken the iterator out of db.iters, a DB.Close running
	// at the same time may close the disk tier, and with it this iterator's
	// disk side, first: then it is released already, which is all Close
	// promises.
	if err := it.disk.Close(); !errors.Is(err, disktier.ErrClosed) {
		return err
	}
	return nil
}

// closeIterators closes every open iterator (DB.Close).
func (db *DB) closeIterators() {
	db.iterMu.Lock()
	iters := db.iters
	db.iters = map[*Iterator]struct{}{}
	db.iterMu.Unlock()
	for it := range iters {
		_ = it.release()
	}
}
