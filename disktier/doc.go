// Package disktier is tierkv's disk tier: a thin layer over Pebble
// (github.com/cockroachdb/pebble/v2) that stores versioned values and the
// durable watermark of the engine.
//
// # What it adds on top of Pebble
//
// Namespacing. Every Pebble key starts with a one-byte namespace: 'u' for
// user keys, 'm' for tierkv's own metadata (today only the watermark). User
// keys and metadata can therefore never collide, and iterators over user
// keys are bounded to the 'u' namespace.
//
// Versions. Every stored value carries the sequence number of the engine
// batch that wrote it. The stored value is a 9-byte header (one kind byte,
// 0 = value, 1 = tombstone, then the sequence number as 8 bytes big-endian)
// followed by the user value. A delete written back by an eviction is
// stored as a tombstone version (the key stays, with its sequence number),
// so that WAL replay can tell that Pebble already holds something newer
// than a replayed record. Compact purges tombstone versions at or below the
// watermark: no replay can bring back anything they would have to hide.
// A stored value that does not decode is reported as ErrCorruption.
//
// Watermark. Batch.SetWatermark stores the durable watermark (every WAL
// record at or below it is reflected in Pebble) under a metadata key in the
// same Pebble batch as the data it covers, so both commit atomically.
//
// # Pebble's WAL is disabled, and why that is safe
//
// tierkv's own WAL is the single source of durability, so Pebble runs with
// DisableWAL and nothing is logged twice. Commits are applied to Pebble's
// memtable only; Flush writes the memtables to sstables and syncs the
// MANIFEST, and that is what makes them durable. After a crash, Pebble
// reopens at exactly the state after some whole committed batch at or after
// the last completed Flush: a flush persists a prefix of the commit order,
// and batches are applied to the memtable atomically. The package's crash
// test checks this property on hundreds of crash clones of
// vfs.NewCrashableMem. Everything the engine committed after the last Flush
// is still in its WAL above the recorded watermark, so replay restores it.
//
// # Flushed data that Pebble lost
//
// Pebble reads a damaged last MANIFEST record as a torn write and reopens
// at the previous version: a completed flush would vanish without an
// error, after the engine truncated its WAL on the strength of it. After
// every completed Flush the Store records the watermark it made durable in
// its own small file (TIERKV-FLUSHED, checksummed, replaced atomically),
// and Open reports ErrCorruption if Pebble reopens below it. This is why
// watermarks may never decrease (ErrWatermarkRegression). The same record
// carries the store's lifetime write counters (user, flush and compaction
// bytes): Pebble's own start from zero in each process, and tools that
// open the store later still want its write amplification.
//
// # Errors
//
// Pebble's default behaviour on trouble is to kill the process
// (Logger.Fatalf, and an EventListener.DataCorruption handler that calls
// it). The Store installs its own logger and listeners: a Fatalf or a
// BackgroundError becomes a sticky error (Err) wrapped in ErrBackground,
// and every later Commit, Flush and Compact returns it; reads keep working.
// Pebble's Flush blocks for as long as the disk keeps failing, so Store.Flush
// waits for the flush or for the first background error, whichever comes
// first. Damaged data is reported as a *CorruptionError matching
// ErrCorruption, naming the file (and the block offset) when Pebble knows
// it.
//
// # Write stalls
//
// Pebble stalls writers (too many memtables waiting for a flush, too many
// L0 sublevels) by waiting, with its commit mutex held, for flushes and
// compactions to finish. On a failing disk they never do, nothing wakes the
// waiter, and Flush and Close need the same mutex: the store would hang for
// good. So Pebble's stall thresholds are set out of reach and the Store
// stalls commits itself (Options.MemTableStopWrites,
// Options.L0StopWritesThreshold), waking on Pebble's FlushEnd and
// CompactionEnd events, and giving up with the sticky error as soon as a
// background error arrives.
//
// # Iterators
//
// An Iter is a Pebble iterator over the 'u' namespace: one consistent
// point-in-time view. Pebble panics when an iterator is used after its DB
// closed, so Close closes the iterators still open; their methods then
// report ErrClosed.
package disktier
