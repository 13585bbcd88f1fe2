// Package policy holds the memory tier's admission and eviction policies:
// W-TinyLFU (the default), LRU, LFU and Random.
//
// A policy sees only entry ids, key hashes, costs and access events. It never
// touches the memory tier's tables; it returns decisions (admit or not, which
// victims) and the tier carries them out. Entry ids are small dense integers
// that the tier allocates and reuses, so a policy keeps its per-entry state in
// slices indexed by id rather than in maps: W-TinyLFU 20 bytes per entry
// (cost, queue and a flag packed in one word, the key hash folded to 32
// bits, two 32-bit links), LRU 16, LFU 17, Random 20. W-TinyLFU and LFU add a frequency
// sketch of about 8 bytes per expected entry (Options.ExpectedEntries), and
// W-TinyLFU the ghosts that tune its window, under one byte per entry.
//
// Every operation is O(1) amortized: LRU and W-TinyLFU move list links; LFU
// keeps one list per count and halves the counts once per aging period;
// Random samples Options.Samples entries per eviction; W-TinyLFU probes two
// Bloom filters per miss and adds to one per eviction, clears a filter once
// per generation of evictions, and moves the window/main boundary in quanta
// earned by at least as many ghost hits (or, with the hill climber, once per
// sample of requests), at most 1000 entries per call.
//
// A Policy is not safe for concurrent use: the tier calls it under its policy
// lock, feeding it hits in batches drained from lossy buffers.
package policy
