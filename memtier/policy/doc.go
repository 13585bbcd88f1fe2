// Package policy holds the memory tier's admission and eviction policies:
// W-TinyLFU (the default), LRU, LFU and Random.
//
// A policy sees only entry ids, key hashes, costs and access events. It never
// touches the memory tier's tables; it returns decisions (admit or not, which
// victims) and the tier carries them out. Entry ids are small dense integers
// that the tier allocates and reuses, so a policy keeps its per-entry state in
// slices indexed by id rather than in maps.
//
// A Policy is not safe for concurrent use: the tier calls it under its policy
// lock, feeding it hits in batches drained from lossy buffers.
package policy
