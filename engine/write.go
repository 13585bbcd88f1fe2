package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tierkv/tierkv/wal"
)

// Put sets key to value. The DB keeps no reference to key or value. It
// returns ErrEmptyKey, ErrKeyTooLarge, ErrValueTooLarge, ErrClosed, or
// ErrReadOnly (read-only open, or a fatal I/O error, which it wraps).
func (db *DB) Put(key, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	ops := [1]wal.Op{{Kind: wal.OpPut, Key: key, Value: value}}
	return db.apply(ops[:])
}

// Delete removes key; deleting an absent key is not an error. Errors as for Put.
func (db *DB) Delete(key []byte) error {
	ops := [1]wal.Op{{Kind: wal.OpDelete, Key: key}}
	return db.apply(ops[:])
}

// Apply commits every operation of b atomically: all of them or none, also
// across a crash, and for concurrent readers (a Get that sees one of the
// batch's writes is followed by Gets that see all of them). An empty batch
// is a no-op. Errors as for Put, plus ErrBatchTooLarge; on any error nothing
// of the batch is written.
func (db *DB) Apply(b *Batch) error {
	if b == nil || len(b.ops) == 0 {
		if db.closed.Load() {
			return ErrClosed
		}
		return nil
	}
	// Validate before dedupe drops superseded operations: a batch holding
	// an invalid write (say, a value over MaxValueBytes followed by a valid
	// write of the same key) is rejected whole, with the first bad op's error.
	if err := db.validateOps(b.ops); err != nil {
		return err
	}
	return db.apply(dedupe(b.ops))
}

func (db *DB) validateOps(ops []wal.Op) error {
	for i := range ops {
		op := &ops[i]
		switch {
		case len(op.Key) == 0:
			return ErrEmptyKey
		case len(op.Key) > db.opts.MaxKeyBytes:
			return fmt.Errorf("%w: %d bytes > %d", ErrKeyTooLarge, len(op.Key), db.opts.MaxKeyBytes)
		case len(op.Value) > db.opts.MaxValueBytes:
			return fmt.Errorf("%w: %d bytes > %d", ErrValueTooLarge, len(op.Value), db.opts.MaxValueBytes)
		}
	}
	return nil
}

// apply is the write path: validate, log, publish, then pay for any
// write-back the memory tier asks for.
func (db *DB) apply(ops []wal.Op) error {
	// Sampled like Get's: two clock reads and a histogram bucket that
	// every writer bumps would cost more than the figure is worth.
	var start time.Time
	timed := rand.Uint32()%latencySample == 0
	if timed {
		start = time.Now()
	}
	if err := db.validateOps(ops); err != nil {
		return err
	}
	db.lifeMu.RLock()
	defer db.lifeMu.RUnlock()
	if err := db.writable(); err != nil {
		return err
	}
	seq, err := db.log.Append(ops)
	if err != nil {
		if isBadInput(err) {
			return fmt.Errorf("%w: %w", ErrBatchTooLarge, err)
		}
		return db.fail(fmt.Errorf("WAL append: %w", err))
	}
	large, bytes := false, 0
	multi := len(ops) > 1
	if multi {
		db.gate.begin(seq)
	}
	db.commitMu.RLock()
	for i := range ops {
		op := &ops[i]
		db.mem.Put(op.Key, op.Value, seq, op.Kind == wal.OpDelete)
		n := len(op.Key) + len(op.Value)
		large = large || int64(n) >= db.largeEntry
		bytes += n
	}
	db.commitMu.RUnlock()
	if multi {
		db.gate.end(seq)
	}
	db.published.publish(seq, len(ops), bytes)
	if timed {
		db.stats.putLatency.record(time.Since(start))
	}

	db.evictPacer.wrote(db.mem, seq)
	if db.evictPacer.due(db.mem) || (large && db.mem.PendingWriteBack() > 0) {
		// A large entry is written back at once rather than let sit in a
		// batch: it alone would push the tier far over its budget.
		// The write is logged per its sync mode and published, so it is
		// acknowledged whatever happens here: a failed write-back makes the
		// DB read-only (fail) and the next write reports it.
		_ = db.evict()
	}
	db.maybeCheckpointInBackground()
	return nil
}

// isBadInput reports whether the WAL refused the record as too large
// (nothing was written, the log is still healthy).
func isBadInput(err error) bool {
	return errors.Is(err, wal.ErrRecordTooLarge)
}
