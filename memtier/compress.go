package memtier

import (
	"sync"
	"sync/atomic"

	"github.com/golang/snappy"
)

// Adaptive compression: trying snappy on a value that does not compress
// (random or already compressed bytes, as YCSB writes) costs a pass over
// it and a buffer for nothing. After compressFailLimit attempts in a row
// that saved too little, a stripe tries only one value in
// compressProbeEvery, until one compresses again.
const (
	compressFailLimit  = 8
	compressProbeEvery = 16 // a power of two
	// compressScratchMax is the largest encoding buffer kept for reuse:
	// bigger ones are rare and would hold memory outside the budget.
	compressScratchMax = 64 << 10
)

// compressor decides which values to snappy-compress and compresses them.
// Safe for concurrent use.
type compressor struct {
	minBytes int  // shortest value tried; negative: never
	adaptive bool // skip attempts on incompressible streams (tests turn it off)
	stripes  []compressStripe
	mask     uint32
	scratch  sync.Pool // *[]byte encoding buffers
}

// compressStripe holds one P's run of failed attempts (by procHint, so
// concurrent writers rarely share a line).
type compressStripe struct {
	fails atomic.Uint32 // failed attempts in a row, up to compressFailLimit
	ticks atomic.Uint32 // values seen while skipping
	_     [56]byte
}

func newCompressor(minBytes int) *compressor {
	n := numStripes()
	return &compressor{minBytes: minBytes, adaptive: true, stripes: make([]compressStripe, n), mask: uint32(n - 1)}
}

// try reports whether a value of n bytes should be compressed, and the
// stripe to report the outcome to.
func (c *compressor) try(n int) (*compressStripe, bool) {
	if c == nil || c.minBytes < 0 || n < c.minBytes {
		return nil, false
	}
	s := &c.stripes[procHint()&c.mask]
	if !c.adaptive || s.fails.Load() < compressFailLimit {
		return s, true
	}
	return s, s.ticks.Add(1)&(compressProbeEvery-1) == 0
}

// note records whether an attempt saved enough.
func (s *compressStripe) note(saved bool) {
	f := s.fails.Load()
	switch {
	case saved && f != 0:
		s.fails.Store(0)
	case !saved && f < compressFailLimit:
		s.fails.Add(1)
	}
}

// encode returns the snappy encoding of value if it is at most 7/8 of
// value's length, in a buffer the caller must hand back with release.
func (c *compressor) encode(value []byte) (enc []byte, buf *[]byte, ok bool) {
	n := snappy.MaxEncodedLen(len(value))
	if n < 0 {
		return nil, nil, false
	}
	if n <= compressScratchMax {
		if p, _ := c.scratch.Get().(*[]byte); p != nil {
			buf = p
		} else {
			b := make([]byte, compressScratchMax)
			buf = &b
		}
		enc = snappy.Encode((*buf)[:n], value)
	} else {
		enc = snappy.Encode(nil, value)
	}
	return enc, buf, len(enc) <= len(value)-len(value)/8
}

// release hands back a buffer from encode (nil is fine).
func (c *compressor) release(buf *[]byte) {
	if buf != nil {
		c.scratch.Put(buf)
	}
}
