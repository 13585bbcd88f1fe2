package engine

import "github.com/tierkv/tierkv/wal"

// Batch collects writes applied atomically by DB.Apply: all of them or none,
// also across a crash. Put and Delete copy their arguments, so the caller may
// reuse its buffers at once. The same key twice in one batch: the later
// operation wins. A Batch is not safe for concurrent use.
type Batch struct {
	ops   []wal.Op
	arena []byte
	bytes int // key and value bytes, for the size check
}

// NewBatch returns an empty batch.
func (db *DB) NewBatch() *Batch { return &Batch{} }

// Put adds a write of value under key.
func (b *Batch) Put(key, value []byte) {
	k := b.copy(key)
	v := b.copy(value)
	if v == nil {
		v = []byte{} // a zero-length value is a value, distinct from a delete
	}
	b.ops = append(b.ops, wal.Op{Kind: wal.OpPut, Key: k, Value: v})
	b.bytes += len(key) + len(value)
}

// Delete adds a delete of key.
func (b *Batch) Delete(key []byte) {
	b.ops = append(b.ops, wal.Op{Kind: wal.OpDelete, Key: b.copy(key)})
	b.bytes += len(key)
}

// Len returns the number of operations added since the last Reset.
func (b *Batch) Len() int { return len(b.ops) }

// Reset empties the batch, keeping its memory for reuse.
func (b *Batch) Reset() {
	clear(b.ops) // drop references into old arenas
	b.ops = b.ops[:0]
	b.arena = b.arena[:0]
	b.bytes = 0
}

// copy appends p to the arena and returns the copy. Growing the arena
// leaves earlier copies in the old array, which stays alive through ops.
func (b *Batch) copy(p []byte) []byte {
	if len(p) == 0 {
		return nil
	}
	if cap(b.arena)-len(b.arena) < len(p) {
		b.arena = make([]byte, 0, max(2*cap(b.arena), len(p), 256))
	}
	start := len(b.arena)
	b.arena = append(b.arena, p...)
	return b.arena[start:len(b.arena):len(b.arena)]
}

// dedupe returns the operations with, for every key, only its last
// operation, in their original order (the WAL record and the memory tier
// then see one version per key at the batch's sequence number).
func dedupe(ops []wal.Op) []wal.Op {
	if len(ops) < 2 {
		return ops
	}
	last := make(map[string]int, len(ops))
	for i, op := range ops {
		last[string(op.Key)] = i
	}
	if len(last) == len(ops) {
		return ops
	}
	out := make([]wal.Op, 0, len(last))
	for i, op := range ops {
		if last[string(op.Key)] == i {
			out = append(out, op)
		}
	}
	return out
}
