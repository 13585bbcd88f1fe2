// Package workload generates the operation streams of peerbench: the YCSB
// core workloads A–F (Cooper et al., SoCC 2010) with YCSB's key choosers
// (scrambled Zipfian with theta 0.99 and FNV-1a scrambling, uniform, latest)
// and hashed key names, plus a hot-set-shift workload whose popular keys
// change halfway through the measured phase.
//
// The semantics match tools/tierkv/internal/ycsb (the CLI's generator, which
// another module cannot import): the same mixes, the same Zipfian
// construction, the same key names, so that a figure from `tierkv bench`
// and one from peerbench describe the same stream.
//
// A Generator belongs to one goroutine; the Generators of a run share a
// Keyspace (which counts inserted records) and, for the hot-set shift, a
// Shift switch.
package workload
