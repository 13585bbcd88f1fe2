// Package wal is tierkv's write-ahead log: batches of puts and deletes,
// each under one sequence number, appended to segment files with group
// commit, and replayed in order after a crash.
//
// # Files
//
// A log is a directory of segment files named by the sequence number of
// their first record, in at least 12 decimal digits: 000000000042.log.
// Appends go to the last (active) segment; once it holds at least
// Options.SegmentBytes, the next record starts a new segment. Before a new
// segment is created the old one is fsynced, and the directory is fsynced
// after every creation and removal, so that a crash never keeps a later
// segment while losing part of an earlier one. A file named *.tmp is a
// leftover of an interrupted tail truncation and is removed by Open.
//
// # Records
//
// A segment is a sequence of records with no padding and no file header.
// Each record is a 25-byte header followed by its payload (integers are
// little-endian):
//
//	offset size field
//	0      4    crc     CRC-32C (Castagnoli) of the payload followed by bytes 4..24 of this header
//	4      4    length  number of payload bytes that follow the header (2 .. 1 GiB)
//	8      1    flags   bit 0: the payload is snappy-compressed; other bits are zero
//	9      8    seq     sequence number of the batch (>= 1); strictly increasing through the log
//	17     8    synced  bytes of this segment known to be fsynced when the record was appended
//	                    (never more than the record's own offset)
//
// The payload, once decompressed, is the batch:
//
//	uvarint count            number of operations, at least 1
//	count times:
//	  byte    kind           1 = put, 2 = delete
//	  uvarint keyLen, key    keyLen >= 1
//	  uvarint valLen, value  puts only; valLen may be 0
//
// A payload of at least 64 bytes is stored snappy-compressed when that
// saves at least 1/8 of it. After eight payloads in a row that did not,
// the log tries only one in sixteen until one compresses again: an attempt
// on an incompressible payload is a pass over it for nothing. The checksum
// covers every header field and the stored payload, so a torn record or a
// flipped bit is always detected (to the strength of CRC-32C). The payload
// comes first in the checksummed bytes so that appenders can checksum it
// before taking the log's lock.
//
// We chose this over the LevelDB/Pebble format of 32 KiB blocks and
// fragment chunks: chunks never cross a block boundary there, which lets a
// reader resynchronize at the next block after damage. Here the synced
// field does the job that resynchronization serves, telling lost data from
// damaged data, and a reader that meets a bad record can still find later
// valid records by trying every byte offset (only on that error path).
//
// # Lost versus damaged
//
// A crash can lose what was not fsynced: the file ends early, or some 4 KiB
// blocks read back as zeros while later blocks survived. It cannot damage
// what was fsynced. When Open meets a bad record at offset X of a segment,
// it looks for valid records after X (after the bad record's claimed end
// when its length looks intact, so that record-like bytes inside a user
// value are not taken for log data). One whose synced field exceeds X
// proves that X had been fsynced before that record was written, provided
// that field is a record boundary the search found (the record's own
// offset, or where another valid record found after X starts or ends): a
// genuine synced offset is the end of a group, where the next record
// starts, while records copied inside a lost record's value (a user value
// holding a WAL segment) carry offsets of another file. Then the bad
// record is damage, reported as a *CorruptionError (ErrCorruption) naming
// the file and X. Otherwise, in the last segment, the bad record and
// everything after it is a lost tail: Open truncates it away and reports it
// (Log.Recovered). A bad record in any earlier segment is damage, since
// segments are fsynced before the next one is created, and so is a record
// that passes its checksum but is malformed or out of sequence.
//
// A bit flipped in records that no later record vouches for (the last
// group commit before a crash, or anything written with SyncNever and no
// later Sync) cannot be told from a lost tail and is dropped as one. It is
// never replayed.
//
// # Group commit
//
// Appenders encode and checksum their payload concurrently, then, under a
// short lock, take a sequence number and copy the record into the pending
// group. A single flusher goroutine writes a whole group with one write (per
// segment) and, as the sync mode says, one fsync, while the next group
// fills up; then it wakes every appender of the group at once. Under a
// steady load of N synced appenders, groups settle at about N/2 records:
// half of the appenders wait for the fsync in flight while the other half
// fills the next group. (Yielding to the woken appenders so that all N
// share one fsync was tried: it doubles records per fsync but serializes
// the appenders' CPU work with the fsync instead of overlapping them, and
// measured slower on our loaded 2-core machines.) An appender that finds
// nothing queued or in flight (a lone writer) writes, and with SyncAlways
// fsyncs, its own record instead of handing it to the flusher, saving two
// goroutine switches; appenders that arrive meanwhile queue for the
// flusher, which takes over when it is done.
//
// With Options.AsyncWrites (SyncInterval and SyncNever only) an appender
// returns as soon as its record is in the pending group, as Pebble's NoSync
// commits do: no appender ever waits for write(2), which is most of the
// cost of an unsynced append. The price is that a write error can no
// longer be returned to the appender whose record it lost; it is sticky and
// the next Append, Sync or Close reports it, and what survives is still a
// prefix of the appended records. Appenders wait only when MaxQueuedBytes
// are queued, so a slow disk bounds the memory held.
package wal
