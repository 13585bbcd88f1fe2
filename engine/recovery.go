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
func (db *DB) recover() error {
	w := db.disk.Watermark()
	last := w
	err := db.log.Replay(w+1, func(b *wal.Batch) error {
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
