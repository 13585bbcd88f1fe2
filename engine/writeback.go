package engine

import (
	"fmt"
	"math"

	"github.com/tierkv/tierkv/memtier"
)

// checkpointBatchEntries bounds one Pebble batch of a checkpoint, so a large
// dirty set is written in pieces instead of one huge batch.
const checkpointBatchEntries = 4096

// evict writes back the dirty victims the memory tier has queued and lets
// them go. Failures make the DB read-only; the victims stay resident.
func (db *DB) evict() error {
	db.writeBackMu.Lock()
	defer db.writeBackMu.Unlock()
	if db.fatal.Load() != nil || db.opts.ReadOnly {
		return nil
	}
	return db.mem.Evict(db.writeBackVictims)
}

// writeBackVictims writes evicted dirty entries to the disk tier. A delete
// is a removal: replay re-applies every record above the watermark in
// order, so the disk tier never needs to remember a delete's sequence.
//
// The disk tier must never hold durably a version that a crash could take
// out of the WAL, or recovery could not rebuild a prefix of the writes. The
// batch goes into Pebble's memtable, which only a flush makes durable, and
// every flush first syncs the WAL (syncWALBeforeFlush): so no WAL sync is
// needed here, on the write path.
func (db *DB) writeBackVictims(entries []memtier.Entry) error {
	b := db.disk.NewBatch()
	for i := range entries {
		e := &entries[i]
		if e.Tombstone {
			b.Delete(e.Key)
		} else {
			b.Set(e.Key, e.Value, e.Seq)
		}
	}
	if err := db.disk.Commit(b); err != nil {
		return db.fail(fmt.Errorf("write-back: %w", err))
	}
	db.stats.writeBacks.Add(uint64(len(entries)))
	return nil
}

// Checkpoint writes every dirty entry back to the disk tier, makes it
// durable and drops the WAL segments no longer needed. It returns
// ErrClosed, or ErrReadOnly (read-only open, or a fatal I/O error).
func (db *DB) Checkpoint() error {
	db.lifeMu.RLock()
	defer db.lifeMu.RUnlock()
	if err := db.writable(); err != nil {
		return err
	}
	return db.checkpoint()
}

// checkpoint is Checkpoint without the lifecycle checks (Close uses it).
func (db *DB) checkpoint() error {
	db.writeBackMu.Lock()
	defer db.writeBackMu.Unlock()
	if p := db.fatal.Load(); p != nil {
		return fmt.Errorf("%w: %w", ErrReadOnly, *p)
	}
	// Every WAL record <= w is in the memory tier (or already on disk), so
	// the dirty versions collected next cover it: for each key, the version
	// collected is the one at w or a newer one. Newer ones are fine to write
	// (replay re-applies every record above w in order), provided the WAL
	// holds them durably, hence the sync after collecting.
	w := db.published.publishedThrough()
	dirty := db.mem.Dirty(math.MaxUint64)
	if err := db.log.Sync(); err != nil {
		return db.fail(fmt.Errorf("WAL sync before checkpoint: %w", err))
	}
	if len(dirty) > 0 || w > db.disk.Watermark() {
		if err := db.writeCheckpoint(dirty, w); err != nil {
			return err
		}
	}
	db.mem.MarkClean(dirty)
	if err := db.log.Truncate(w); err != nil {
		return db.fail(fmt.Errorf("WAL truncate: %w", err))
	}
	db.stats.checkpoints.Add(1)
	return nil
}

// writeCheckpoint writes dirty (oldest first) in batches, the last carrying
// the watermark w, then flushes the disk tier.
func (db *DB) writeCheckpoint(dirty []memtier.Entry, w uint64) error {
	b := db.disk.NewBatch()
	for i := range dirty {
		e := &dirty[i]
		if e.Tombstone {
			b.Delete(e.Key)
		} else {
			b.Set(e.Key, e.Value, e.Seq)
		}
		if b.Len() >= checkpointBatchEntries && i < len(dirty)-1 {
			if err := db.disk.Commit(b); err != nil {
				return db.fail(fmt.Errorf("checkpoint write-back: %w", err))
			}
			b.Reset()
		}
	}
	b.SetWatermark(w)
	if err := db.disk.Commit(b); err != nil {
		return db.fail(fmt.Errorf("checkpoint write-back: %w", err))
	}
	if err := db.disk.Flush(); err != nil {
		return db.fail(fmt.Errorf("checkpoint flush: %w", err))
	}
	db.stats.writeBacks.Add(uint64(len(dirty)))
	return nil
}

// syncWALBeforeFlush is the disk tier's BeforeFlush hook: a Pebble flush
// (ours or its own, when a memtable fills) makes written-back versions
// durable, so the WAL records behind them must be durable first. It runs
// inside Pebble's flush, so it must not call the disk tier. A failure
// makes the DB read-only, and the disk tier fences itself so the flush
// cannot complete.
func (db *DB) syncWALBeforeFlush() error {
	log := db.log
	if log == nil {
		return nil // still opening: nothing has been written back yet
	}
	if err := log.Sync(); err != nil {
		return db.fail(fmt.Errorf("WAL sync before a disk-tier flush: %w", err))
	}
	return nil
}

// maybeCheckpointInBackground starts one background checkpoint when the live
// WAL has outgrown Options.CheckpointWALBytes. The caller holds lifeMu.
func (db *DB) maybeCheckpointInBackground() {
	if db.log.Size() < db.opts.CheckpointWALBytes || !db.bgRunning.CompareAndSwap(false, true) {
		return
	}
	db.checkpointer.Add(1)
	go func() {
		defer db.checkpointer.Done()
		defer db.bgRunning.Store(false)
		_ = db.checkpoint() // a failure made the DB read-only; writes report it
	}()
}
