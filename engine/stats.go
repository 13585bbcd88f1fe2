package engine

import "sync/atomic"

// Stats is a snapshot of the DB's counters and sizes.
type Stats struct {
	Gets           uint64 // Get calls (that returned a value or ErrNotFound)
	MemTierHits    uint64 // Gets answered by the memory tier
	DiskTierHits   uint64 // Gets answered by the disk tier
	NotFound       uint64 // Gets that returned ErrNotFound
	Promotions     uint64 // entries copied from the disk tier into the memory tier
	Evictions      uint64 // entries dropped from the memory tier (after write-back if dirty)
	WriteBacks     uint64 // dirty entries written to the disk tier
	MemTierBytes   int64  // bytes charged to the memory tier now
	MemTierEntries int64  // entries resident in the memory tier now
	DirtyEntries   int64  // resident entries not yet in the disk tier
	WALBytes       int64  // bytes of live WAL segments on disk

	Writes              uint64 // operations written (a batch counts each of its operations)
	GetErrors           uint64 // Gets that failed with an I/O or corruption error
	Checkpoints         uint64 // completed checkpoints
	ReplayedRecords     uint64 // WAL records replayed at Open
	WALTailDroppedBytes uint64 // bytes of a lost (unsynced, torn) WAL tail dropped at Open
	MemTierBudget       int64  // Options.MemTierBytes
	DurableSeq          uint64 // the disk tier's watermark: every write at or below it is in Pebble
	LastSeq             uint64 // the last sequence number the WAL assigned
	WALBytesWritten     uint64 // bytes written to WAL segments since Open
	WALSyncs            uint64 // fsyncs of WAL segments since Open
	UserBytesWritten    uint64 // key and value bytes of the operations written since Open
	// The memory tier drops its ordered index after many writes without an
	// iterator; the next NewIter sorts the resident entries itself and the
	// tier takes that sorted tree back as its index (memtier/ordered.go).
	SortedIterSnapshots uint64  // NewIters that sorted the memory tier's entries
	OrderedIndexBuilds  uint64  // times the memory tier's ordered index was rebuilt or taken back
	GetLatency          Latency // sampled: one Get in latencySample
	PutLatency          Latency // sampled: Put, Delete and Apply, one in latencySample
	Disk                DiskStats
}

// DiskStats describes the disk tier.
type DiskStats struct {
	BytesWritten       uint64  // bytes tierkv wrote into Pebble (user data and metadata)
	PebbleBytesWritten uint64  // bytes Pebble wrote in flushes and compactions
	WriteAmp           float64 // PebbleBytesWritten / BytesWritten
	// The same three since the DB was created, not just since Open: the
	// disk tier records its counters at every checkpoint and Close.
	LifetimeBytesWritten       uint64
	LifetimePebbleBytesWritten uint64
	LifetimeWriteAmp           float64
	DiskUsageBytes             uint64 // bytes of Pebble's files
	Flushes                    int64  // Pebble flushes (checkpoints' and Pebble's own)
	Compactions                int64
	BlockCacheHits             int64
	BlockCacheMisses           int64
	Summary                    string // Pebble's metrics, human-readable (LSM shape)
}

// dbStats holds the DB's counters; every field is updated atomically.
type dbStats struct {
	diskHits, notFound, getErrors                atomic.Uint64
	promotions, writeBacks                       atomic.Uint64
	checkpoints, replayedRecords, walTailDropped atomic.Uint64
	getLatency, putLatency                       latencyHistogram
}

// Stats returns a snapshot of the counters. It is safe for concurrent use;
// after Close it returns the last counters, and the sizes as Close last
// saw them.
func (db *DB) Stats() Stats {
	s := &db.stats
	st := Stats{
		DiskTierHits:        s.diskHits.Load(),
		NotFound:            s.notFound.Load(),
		Promotions:          s.promotions.Load(),
		WriteBacks:          s.writeBacks.Load(),
		GetErrors:           s.getErrors.Load(),
		Checkpoints:         s.checkpoints.Load(),
		ReplayedRecords:     s.replayedRecords.Load(),
		WALTailDroppedBytes: s.walTailDropped.Load(),
		MemTierBudget:       db.opts.MemTierBytes,
		GetLatency:          s.getLatency.summary(),
		PutLatency:          s.putLatency.summary(),
	}
	// The tier counts every Get it answers, per processor, live versions
	// and tombstones apart (a tombstone answers ErrNotFound). Gets is
	// derived, not counted: the identity holds in every snapshot, even one
	// taken mid-Get, and every counter only grows.
	st.Writes, st.UserBytesWritten = db.published.counts()
	ms := db.mem.Stats()
	st.MemTierHits = ms.Hits
	st.NotFound += ms.TombstoneHits
	st.Gets = st.MemTierHits + st.DiskTierHits + st.NotFound
	st.Evictions = ms.Evictions
	st.MemTierBytes = ms.Bytes
	st.MemTierEntries = ms.Entries
	st.DirtyEntries = ms.DirtyEntries
	st.SortedIterSnapshots, st.OrderedIndexBuilds = ms.SortedSnapshots, ms.OrderedIndexRebuilds
	db.lifeMu.RLock()
	defer db.lifeMu.RUnlock()
	if db.closed.Load() {
		// The WAL and the disk tier are gone (or going): their figures as
		// Close last read them, so no counter goes back to zero.
		db.closedTiers.fill(&st)
		return st
	}
	db.readTierStats().fill(&st)
	return st
}

// tierStats are the Stats fields read from the WAL and the disk tier.
type tierStats struct {
	durableSeq, lastSeq uint64
	walBytes            int64
	walBytesWritten     uint64
	walSyncs            uint64
	disk                DiskStats
}

// readTierStats reads the WAL's and the disk tier's figures. The caller
// holds lifeMu and the DB is not closed.
func (db *DB) readTierStats() *tierStats {
	// The watermark before the last sequence number: a checkpoint
	// completing in between must not show DurableSeq > LastSeq.
	ts := &tierStats{durableSeq: db.disk.Watermark()}
	ts.walBytes = db.log.Size()
	ts.lastSeq = db.log.LastSeq()
	ws := db.log.Stats()
	ts.walBytesWritten, ts.walSyncs = ws.BytesWritten, ws.Syncs
	ts.disk = db.diskStats()
	return ts
}

func (ts *tierStats) fill(st *Stats) {
	if ts == nil {
		return
	}
	st.DurableSeq, st.LastSeq, st.WALBytes = ts.durableSeq, ts.lastSeq, ts.walBytes
	st.WALBytesWritten, st.WALSyncs = ts.walBytesWritten, ts.walSyncs
	st.Disk = ts.disk
}
