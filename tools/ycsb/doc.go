// Package ycsb generates the operations of the YCSB core workloads A–F
// (Cooper et al., "Benchmarking Cloud Serving Systems with YCSB", SoCC 2010)
// the way YCSB's CoreWorkload does: the same operation mixes, the same key
// choosers and the same hashed key names ("user" and the FNV-1a hash of the
// record number), so that figures are comparable with YCSB's and every tool
// that replays a seed sees the same stream. `tierkv bench` and the peer
// benchmark (tools/peerbench, a module of its own) both draw from it.
//
// # Key choosers
//
// YCSB's Zipfian generator is Gray et al.'s ("Quickly generating
// billion-record synthetic databases", SIGMOD 1994): with zeta(n) the sum
// of 1/i^theta over 1..n, it returns rank 0 with probability 1/zeta(n),
// rank 1 with 1/(2^theta zeta(n)), and any other rank by inverting a
// continuous approximation of the cumulative distribution, in O(1) per
// draw after an O(n) zeta. Zeta extends incrementally when n grows, which
// the latest chooser (workload D) relies on: it draws a Zipfian rank r
// over the records acknowledged so far and reads record count-1-r, so the
// newest record is the most popular. The uniform chooser draws every
// existing record with equal probability.
//
// # Scrambling, and why it caps hit ratios
//
// A plain Zipfian makes records 0, 1, 2, ... the hottest, so the hot set
// would be the first records loaded, adjacent in insert order. YCSB's
// "zipfian" chooser (ScrambledZipfian here) instead draws a rank from a
// Zipfian over 10^10 items (zeta precomputed for theta 0.99), hashes it
// with FNV-1a and takes it modulo the record count, so the popular records
// are scattered. The price is a flatter popularity than a Zipfian over the
// records: the hottest record gets 1/zeta(10^10), about 3.8%, instead of
// 1/zeta(n) (9.8% for 10^4 records), and every rank beyond the record
// count folds pseudo-uniformly onto all records, adding a uniform floor.
// A cache holding the hottest 1% of 10^6 records can thus hit at most
// about 39% of scrambled Zipfian reads, against 66% of plain Zipfian ones;
// hit ratios measured with this chooser are capped accordingly. The range
// is fixed when a Generator is made, as YCSB fixes it at load, so the hot
// set stays put while records are inserted.
//
// # Runs
//
// A Generator belongs to one goroutine (seed it with ThreadSeed); the
// Generators of a run share a Keyspace, which counts the records inserted
// so far, and a Shift, which replaces the hot set of a HotShift workload
// when flipped. Draws do not allocate.
package ycsb
