// Package memtier is tierkv's memory tier: a write-back cache of key versions
// that sits above the disk tier, charged against a byte budget.
//
// # Layout
//
// Every resident version is one small immutable record (32 bytes: a string
// holding key then stored value, the sequence number, the policy id and a
// word of length and flags) plus its key+value bytes in a second, pointer-free
// allocation. An overwrite, and even marking a version clean, publishes a new
// record, so a Get or a snapshot that holds a record never sees it change.
//
// Three structures index the records and always agree on what is resident:
//
//   - a point index: 64 (by default) shards, each a Go map from a 64-bit
//     xxhash of the key to the record under its own RWMutex (a rare second
//     key with the same hash goes to a small per-shard overflow map);
//   - an ordered index: a copy-on-write B-tree (github.com/google/btree)
//     under its own mutex, cloned in O(1) by Snapshot;
//   - a slot table indexed by policy id, so that the ids a policy names as
//     victims lead back to records.
//
// # Policy and access buffers
//
// The policy (package memtier/policy) runs under one policy mutex that also
// serializes every writer (Put, Promote, Evict's bookkeeping, MarkClean). A
// Get hit never takes it: it appends (record, hash) to one of several striped
// lossy buffers chosen at random, and a Get that fills a buffer drains it into
// the policy only if the policy mutex is free at that instant (TryLock).
// When the buffer's own lock is busy, or the buffer is full and the policy is
// busy, the access is dropped: under contention the policy sees a sample of
// the hits, which is what keeps readers from serializing.
//
// # Budget and write-back
//
// Each version is charged len(key) + len(stored value) + EntryOverhead. The
// policy keeps the charges of the versions it tracks within BudgetBytes; a
// victim it names leaves at once if clean, and if dirty it stays resident,
// still charged and visible, queued until the engine calls Evict to write it
// back. The tier never drops a dirty version by itself and never does I/O.
package memtier
