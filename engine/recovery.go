package engine

import (
	"fmt"

	"github.com/tierkv/tierkv/wal"
)

// recover replays every WAL record above the disk tier's watermark into the
// memory tier, as dirty entries, in log order. Records at or below the
// watermark are already reflected in the disk tier. A version newer than a
// replayed record may be on disk too (evictions write back out of sequence
// order), which is harmless: the newer record is in the WAL as well (the WAL
// is synced before every write-back) and replays later, so each key ends at
// its last logged version. When the WAL holds more than the memory budget,
// replay writes back and evicts as it goes.
//
// The records replayed must be exactly watermark+1, watermark+2, ...: the
// log numbers its records consecutively, a checkpoint drops only records
// at or below the watermark it writes, and a crash loses only a tail. A
// gap means a segment (or the disk tier) was lost, which no crash does:
// that is corruption, never silently a hole in the data.
func (db *DB) recover() error {
	w := db.disk.Watermark()
	last := w
	err := db.log.Replay(w+1, func(b *wal.Batch) error {
		if b.Seq != last+1 {
			return db.seqGap(last, b.Seq)
		}
		for i := range b.Ops {
			op := &b.Ops[i]
			db.mem.Put(op.Key, op.Value, b.Seq, op.Kind == wal.OpDelete)
		}
		last = b.Seq
		db.stats.replayedRecords.Add(1)
		if db.evictPacer.due(db.mem) && !db.opts.ReadOnly {
			return db.evict()
		}
		return nil
	})
	if err != nil {
		return wrapCorruption(fmt.Errorf("tierkv: WAL replay: %w", err))
	}
	db.published.init(max(last, db.log.LastSeq()))
	if r := db.log.Recovered(); r.DroppedBytes > 0 {
		db.stats.walTailDropped.Add(uint64(r.DroppedBytes))
		db.opts.Logger.Infof("tierkv: WAL recovery dropped a lost tail: %s", r)
	}
	return nil
}

// seqGap reports that replay met record seq right after record prev (or
// after the disk tier's watermark, prev): the records between are missing.
// It names the segment holding seq (seq is normally its first record).
func (db *DB) seqGap(prev, seq uint64) error {
	file, off := db.fsPath(walDirName), int64(-1)
	for _, s := range db.log.Segments() {
		if s.FirstSeq <= seq {
			file, off = db.opts.FS.PathJoin(db.fsPath(walDirName), s.Name), -1
			if s.FirstSeq == seq {
				off = 0 // the segment's first record
			}
		}
	}
	return &wal.CorruptionError{
		File:   file,
		Offset: off,
		Reason: fmt.Sprintf("records %d to %d are missing (a lost segment, or a lost disk tier)", prev+1, seq-1),
	}
}

func (db *DB) fsPath(name string) string { return db.opts.FS.PathJoin(db.dir, name) }
