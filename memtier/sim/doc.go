// Package sim replays cache access traces through the memory tier's policies
// and compares the hit ratios with published figures.
//
// It reads every trace format of the project's trace collection (ARC, LIRS,
// cache2k int32, Scarab/Corda int64, CloudPhysics uint32, libCacheSim text
// and oracleGeneral records) straight from the gzip files, streaming, so a
// trace of millions of requests is never held in memory. A Simulator plays
// the part of the memory tier for one policy at one capacity: a hit Touches
// the entry, a miss records Miss and then fills the cache with Insert. Run
// replays a grid of traces, sizes and policies, feeding each trace once to
// all of its simulators; WriteTable prints the results beside the reference
// figures read by LoadReference.
//
// The CLI exposes Run as `tierkv sim`.
package sim
