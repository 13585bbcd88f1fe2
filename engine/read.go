package engine

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Get returns the value of key; the caller owns the returned slice. It
// returns ErrNotFound for an absent key, ErrEmptyKey, ErrKeyTooLarge,
// ErrClosed, and ErrCorruption for damaged disk-tier data. A hit in the
// memory tier takes no global lock.
func (db *DB) Get(key []byte) ([]byte, error) {
	if err := db.checkKey(key); err != nil {
		return nil, err
	}
	// Timing every hit would cost more than the hit (two clock reads and
	// a contended histogram bucket): sample one Get in latencySample.
	var start time.Time
	timed := rand.Uint32()%latencySample == 0
	if timed {
		start = time.Now()
	}
	v, seq, tombstone, ok := db.mem.Get(key, nil)
	if ok {
		db.gate.wait(seq) // a version of a batch still publishing: let it finish
		if tombstone {
			return nil, ErrNotFound // the tier counted it (Stats adds it to NotFound)
		}
		// A hit bumps no counter here: the tier counts every hit on its
		// caller's own processor (Stats derives MemTierHits from it).
		if timed {
			db.stats.getLatency.record(time.Since(start))
		}
		if v == nil {
			v = []byte{}
		}
		return v, nil
	}
	v, err := db.getFromDisk(key)
	if timed {
		db.stats.getLatency.record(time.Since(start))
	}
	return v, err
}

// latencySample: one Get (and one write) in this many is timed for
// Stats.GetLatency (PutLatency).
const latencySample = 8

func (db *DB) checkKey(key []byte) error {
	if db.closed.Load() {
		return ErrClosed
	}
	if len(key) == 0 {
		return ErrEmptyKey
	}
	if len(key) > db.opts.MaxKeyBytes {
		return fmt.Errorf("%w: %d bytes > %d", ErrKeyTooLarge, len(key), db.opts.MaxKeyBytes)
	}
	return nil
}

// getFromDisk answers a memory-tier miss from the disk tier and offers the
// version found for promotion. The shard generation is read before the disk
// lookup: if anything leaves the shard meanwhile (maybe a newer version of
// this key, written back and evicted), the promotion is dropped rather than
// risk installing a stale version.
func (db *DB) getFromDisk(key []byte) ([]byte, error) {
	gen := db.mem.Generation(key)
	db.lifeMu.RLock()
	defer db.lifeMu.RUnlock()
	if db.closed.Load() {
		return nil, ErrClosed
	}
	v, seq, tombstone, ok, err := db.disk.Get(key, nil)
	if err != nil {
		// Not counted in Gets: Gets == MemTierHits + DiskTierHits + NotFound.
		db.stats.getErrors.Add(1)
		return nil, wrapCorruption(fmt.Errorf("tierkv: get: %w", err))
	}
	if !ok {
		db.gate.waitAll()
	} else {
		db.gate.wait(seq)
	}
	if !ok || tombstone {
		db.stats.notFound.Add(1)
		return nil, ErrNotFound
	}
	db.stats.diskHits.Add(1)
	if v == nil {
		v = []byte{}
	}
	if db.mem.Promote(key, v, seq, gen) {
		db.stats.promotions.Add(1)
		if db.evictPacer.due(db.mem) && db.writable() == nil {
			_ = db.evict()
		}
	}
	return v, nil
}
