package disktier

import (
	"encoding/binary"

	"github.com/cockroachdb/pebble/v2"
)

// Batch collects writes that Store.Commit applies atomically. A Batch is
// not safe for concurrent use. Its methods copy their arguments: the caller
// may reuse its buffers at once. The same key twice: the later write wins.
type Batch struct {
	pb           *pebble.Batch
	n            int
	hasWatermark bool
	watermark    uint64
	kbuf, vbuf   []byte
}

// NewBatch returns an empty batch. It works on a closed or read-only store
// too (Commit then reports the error), and the batch is not tied to s: it
// may be committed to another Store, e.g. after a reopen.
func (s *Store) NewBatch() *Batch {
	// A Pebble batch without a DB is accepted by any DB's Apply.
	return &Batch{pb: new(pebble.Batch)}
}

// Set stores value as the version of key with sequence number seq.
func (b *Batch) Set(key, value []byte, seq uint64) {
	b.kbuf = appendUserKey(b.kbuf[:0], key)
	b.vbuf = appendValue(b.vbuf[:0], kindValue, seq, value)
	_ = b.pb.Set(b.kbuf, b.vbuf, nil) // cannot fail on an unapplied batch
	b.n++
}

// SetTombstone stores a tombstone version of key with sequence number seq:
// the key stays, marked deleted, so that a replay can tell it is newer
// than a replayed record.
func (b *Batch) SetTombstone(key []byte, seq uint64) {
	b.kbuf = appendUserKey(b.kbuf[:0], key)
	b.vbuf = appendValue(b.vbuf[:0], kindTombstone, seq, nil)
	_ = b.pb.Set(b.kbuf, b.vbuf, nil)
	b.n++
}

// Delete removes every version of key physically. Only a checkpoint may
// do this (once the watermark covers the delete).
func (b *Batch) Delete(key []byte) {
	b.kbuf = appendUserKey(b.kbuf[:0], key)
	_ = b.pb.Delete(b.kbuf, nil)
	b.n++
}

// SetWatermark records seq as the durable watermark, atomically with the
// rest of the batch. The last call wins.
func (b *Batch) SetWatermark(seq uint64) {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], seq)
	_ = b.pb.Set(watermarkKey, v[:], nil)
	b.hasWatermark = true
	b.watermark = seq
}

// Len returns the number of Set, SetTombstone and Delete calls since the
// last Reset (SetWatermark is not counted).
func (b *Batch) Len() int { return b.n }

// Reset empties the batch for reuse.
func (b *Batch) Reset() {
	b.pb.Reset()
	b.n = 0
	b.hasWatermark = false
	b.watermark = 0
}
