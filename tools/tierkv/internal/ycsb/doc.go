// Package ycsb generates the operations of the YCSB core workloads A–F
// (Cooper et al., "Benchmarking Cloud Serving Systems with YCSB", SoCC 2010)
// the way YCSB's CoreWorkload does: the same operation mixes, the same key
// choosers (Zipfian with YCSB's FNV scrambling, uniform, latest) and the
// same hashed key names, so that figures are comparable with YCSB's and a
// peer benchmark can reproduce the stream from the same seed.
//
// A Generator is per goroutine; goroutines of one run share a Keyspace,
// which counts the records inserted so far.
package ycsb
