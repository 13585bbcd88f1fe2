package wal

import "sync/atomic"

// Records of incompressible values (random or already compressed bytes)
// cost a snappy pass each for nothing: about a sixth of an unsynced
// 100-byte append. After compressGiveUp attempts in a row that saved too
// little, the log tries only one payload in compressRetryEvery until one
// compresses again, so a stream that turns compressible is noticed within
// a few records.
const (
	compressGiveUp     = 8
	compressRetryEvery = 16 // a power of two
)

// compressGate decides which payloads are worth a compression attempt. It
// is lossy under concurrency (two appenders may both count one failure),
// which only shifts when it gives up or retries.
type compressGate struct {
	misses  atomic.Uint32 // failed attempts in a row, saturating at compressGiveUp
	skipped atomic.Uint32 // payloads seen since giving up
}

// attempt reports whether to try compressing a payload of size bytes.
func (g *compressGate) attempt(size int) bool {
	if size < compressMinBytes {
		return false
	}
	if g.misses.Load() < compressGiveUp {
		return true
	}
	return g.skipped.Add(1)%compressRetryEvery == 0
}

// record notes whether an attempt saved enough to be kept.
func (g *compressGate) record(saved bool) {
	switch m := g.misses.Load(); {
	case saved && m != 0:
		g.misses.Store(0)
	case !saved && m < compressGiveUp:
		g.misses.Add(1)
	}
}
