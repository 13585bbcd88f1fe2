package engine

import (
	"math/rand/v2"
	"sync/atomic"
)

// counterStripes spreads a hot counter over this many cache lines.
const counterStripes = 16

// stripedCounter is a counter that concurrent Gets can bump without
// fighting over one cache line: each add goes to a randomly chosen stripe
// (math/rand/v2's top-level functions use per-thread state, so the choice
// itself is contention-free). Load sums the stripes.
type stripedCounter struct {
	stripes [counterStripes]struct {
		n atomic.Uint64
		_ [56]byte // pad to a cache line
	}
}

func (c *stripedCounter) Add(n uint64) { c.stripes[rand.Uint32()%counterStripes].n.Add(n) }

func (c *stripedCounter) Load() uint64 {
	var sum uint64
	for i := range c.stripes {
		sum += c.stripes[i].n.Load()
	}
	return sum
}
