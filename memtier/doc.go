// Package memtier is tierkv's memory tier: a write-back cache of key versions
// that sits above the disk tier, charged against a byte budget.
//
// # Layout
//
// Every resident version is one pointer-free allocation: a 16-byte header
// (sequence number, key length and flags, stored value length) followed by
// the key and the stored value, so 10M resident entries are 10M objects the
// garbage collector marks but never scans. Everything in it except the
// dirty flag is immutable once published: an overwrite publishes a new
// version, so a Get or a snapshot holding a version never sees it change.
//
// Each resident key has a dense policy id (allocated from a free list). Two
// structures index the versions and always agree on what is resident:
//
//   - the point index: shards (64 by default) of open-addressing hash tables
//     whose 16-byte slots hold a 31-bit hash tag, the id, and the version
//     resident under it. The pointer sits beside the tag, so a hit costs two
//     dependent cache misses (slot, version). Readers probe with atomic
//     loads and take no lock; a table grows by a quarter at a time
//     (multiply-shift indexing, no power-of-two rounding), so its bytes per
//     entry stay steady. The policy names victims by id: the tier keeps each
//     id's tag (4 bytes), which picks the shard and the probe's start, and
//     finds the id's slot from it;
//   - the ordered index: a copy-on-write B-tree (github.com/google/btree)
//     under its own mutex, cloned in O(1) by Snapshot. An overwrite leaves
//     the superseded version in it and queues the id; Snapshot (its only
//     reader) replays the queue first, and past a bound (1024 keys, or a
//     byte budget for the superseded versions) overwrites replay the oldest
//     16 at a time, so a key rewritten often costs one B-tree descent per
//     window instead of one per write. A tier that changes a lot between
//     Snapshots drops the B-tree altogether (ordered.go): the next Snapshot
//     is then sorted from the resident versions by its caller, outside the
//     writers' lock, and that tree, brought up to date with the changes
//     made meanwhile, becomes the index again. Tiers under 16K or over 512K
//     entries keep it.
//
// # Policy and access buffers
//
// The policy (package memtier/policy) runs under one policy mutex that also
// serializes every writer (Put, Promote, Evict's bookkeeping, MarkClean). A
// Get never takes it: it counts itself on the striped buffer of the
// processor (P) it runs on, so that no two cores write the same cache line
// per Get, and, for one access in Options.AccessSampling chosen at random,
// appends it to that buffer. The Get that fills a buffer drains it into the policy only
// if the policy mutex is free at that instant (TryLock). When the buffer is
// busy, or full while the policy is busy, the access is dropped: under
// contention the policy sees a sample of the accesses, which is what keeps
// readers from serializing behind it.
//
// # Budget and write-back
//
// Each version is charged len(key) + len(stored value) + EntryOverhead. The
// policy keeps the charges of the versions it tracks within BudgetBytes; a
// victim it names leaves at once if clean, and if dirty it stays resident,
// still charged and visible, queued until the engine calls Evict to write it
// back. The tier never drops a dirty version by itself and never does I/O.
//
// Promote asks the policy first, with the uncompressed charge as an upper
// bound, and builds (copies, maybe compresses) the record only once it is
// admitted; Update then lowers the charge if compression saved. Most
// offers are refused, and a refusal allocates nothing. (A value of 64 KiB
// or more is built first, outside the writers' lock, which it would hold
// too long.)
package memtier
