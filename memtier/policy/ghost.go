package policy

import "math"

// Ghost feedback tunes W-TinyLFU's window the way ARC tunes its split, by
// asking of each miss which side of the cache would have turned it into a
// hit. Two ghosts remember, approximately, the keys recently evicted from
// each side: ghostW those the window let go (rejected by admission), ghostM
// those the main space let go (victims of admission or of its own
// overflow). Each covers the last few percent of the capacity's worth of
// evictions, so a key found in ghostW on a miss would have been a hit with a
// slightly larger window, and one found in ghostM with a slightly larger main
// space. Every such miss adds one average entry of evidence for that side
// (1.05 for the main space, ghostMainWeight), and the boundary moves when
// the evidence reaches a quantum of sqrt(n) entries (ghostQuantumScale): the
// window settles where the two marginal gains are equal, which is where the
// hit ratio is highest for the workload of the moment.
//
// Three corrections keep it from chasing its own tail. A key the main space
// lent the window when the window grew is, when the window lets it go, the
// main space's loss (lentBit). A candidate that lost admission on a tie
// (ghostTieMargin) is not remembered at all: in a loop every key ties and
// every key comes back a few evictions later, however large the window,
// while the main space's hits vanish as it shrinks. And if the hit ratio
// falls by 5 points over one of the climber's samples, the ghosts' moves of
// that sample are undone (guardGhosts).
//
// Unlike the hill climber, which compares the hit ratios of consecutive
// samples of ten requests per entry, this needs no sample to fill and is not
// fooled when the workload itself changes between samples: on OLTP at 15000
// pages the climber gets six samples in the whole trace, ghost feedback
// about 13,000 ghost hits; on P12 its window follows the phases of the
// trace instead of freezing when the climber's step has decayed.
const (
	// ghostShare is the length of a ghost generation as a share of the
	// resident entries; a key is remembered for one to two generations.
	// Measured on OLTP and P12: 3% to 10% meet the same floors; shorter
	// ghosts see too few hits, longer ones reward reuses that a modestly
	// larger side would not catch.
	ghostShare = 0.05
	// ghostMainWeight weighs a main-ghost hit against a window-ghost hit.
	// A key the window rejected returns with a higher count and usually
	// wins admission at its next exit, so part of the window ghost's hits
	// would be recovered anyway. Measured at fixed windows on OLTP, the
	// best windows (35% at 250 pages, 20-35% at 1000, 35-50% at 10000) are
	// where window-ghost hits run 1.05 to 1.2x the main-ghost hits; at a
	// weight of 1.0 the window overshoots and OLTP at 250 misses its floor.
	// 1.05 to 1.15 all meet the same floors.
	ghostMainWeight = 1.05
	// ghostQuantumScale sets the quantum in which the boundary moves:
	// sqrt(n) average entries for n resident entries. Ghost hits from a
	// workload with no preference still add up to a random walk of about
	// sqrt(N) steps over N hits, and every move reshuffles entries (the
	// main space lends the window its least recent entries; the window
	// pushes its own into probation without an admission duel), so a
	// boundary dithering one entry at a time costs hits. Measured against
	// moving at every ghost hit: loop at 750 entries 63.4% -> 72.7%,
	// zigzag at 1000 39.3% -> 45.4%, backf at 300 27.6% -> 33.5%, with
	// the OLTP and P-trace floors kept.
	ghostQuantumScale = 1.0
	// ghostMinWindowShare keeps the window at 1% of the capacity at least
	// (Caffeine's own initial size): a window of nothing cannot notice that
	// recency came back.
	ghostMinWindowShare = 0.01
	// ghostGuardDrop is the fall of the hit ratio over one sample of the
	// climber's length (ten requests per entry) at which the ghosts' moves
	// of that sample are undone (guardGhosts); Caffeine's climber restarts
	// at the same change.
	ghostGuardDrop = 0.05
	// ghostTieMargin: a candidate that loses admission by at most this many
	// counts lost on a tie. The counters are 4 bits, halved every aging
	// period (rounding down) and overestimated by collisions, so a loss by
	// one count is within the sketch's error. Measured against exact ties
	// only: scan at 2000 entries 76.1% -> 84.1%, glimpse at 1000 44.4% ->
	// 45.5%, the OLTP and P floors unchanged.
	ghostTieMargin  = 1
	ghostBitsPerKey = 16 // per key of a generation, rounded up to 2^k
)

// ghost is a pair of Bloom filters of one generation each: the older is
// dropped when the newer fills. At 16 bits per key, 1.4% of the keys never
// added are found in each filter.
type ghost struct {
	cur, prev []uint64
	mask      uint64
	count     int // keys added to cur
	gen       int // keys per generation
}

// size sets the generation to gen keys; the filters are reallocated (and
// forget) only when that changes their size.
func (g *ghost) size(gen int) {
	gen = max(gen, 1)
	g.gen = gen
	words := max(1, ceilPow2(ghostBitsPerKey*gen)/64)
	if len(g.cur) == words {
		return
	}
	g.cur, g.prev = make([]uint64, words), make([]uint64, words)
	g.mask = uint64(words*64 - 1)
	g.count = 0
}

func (g *ghost) bits(hash uint64) (uint64, uint64) {
	h := spread(hash ^ 0x6a09e667f3bcc909) // independent of the sketch's bits
	return h & g.mask, (h >> 32) & g.mask
}

// add remembers hash.
func (g *ghost) add(hash uint64) {
	if g.count >= g.gen {
		g.cur, g.prev = g.prev, g.cur
		clear(g.cur)
		g.count = 0
	}
	a, b := g.bits(hash)
	g.cur[a>>6] |= 1 << (a & 63)
	g.cur[b>>6] |= 1 << (b & 63)
	g.count++
}

// has reports whether hash was added in the last one to two generations.
func (g *ghost) has(hash uint64) bool {
	a, b := g.bits(hash)
	return bitsSet(g.cur, a, b) || bitsSet(g.prev, a, b)
}

func bitsSet(f []uint64, a, b uint64) bool {
	return f[a>>6]&(1<<(a&63)) != 0 && f[b>>6]&(1<<(b&63)) != 0
}

// sizeGhosts sizes both ghosts for n resident entries.
func (p *wtinylfu) sizeGhosts(n int) {
	gen := int(ghostShare * float64(max(n, sketchMinSample)))
	p.ghostW.size(gen)
	p.ghostM.size(gen)
}

// bury remembers an evicted entry in the ghost of the side it left.
func (p *wtinylfu) bury(id ID, fromWindow bool) {
	if !p.ghosts {
		return
	}
	if fromWindow && p.meta[id]&lentBit == 0 {
		p.ghostW.add(uint64(p.hashes[id]))
	} else {
		p.ghostM.add(uint64(p.hashes[id]))
	}
}

// ghostFeedback weighs a miss found in one ghost as evidence for growing
// that side by one average entry (drift), and moves the boundary once the
// evidence amounts to a quantum (applyDrift).
func (p *wtinylfu) ghostFeedback(hash uint64) {
	w, m := p.ghostW.has(hash), p.ghostM.has(hash)
	if w == m {
		return // neither, or a false positive in one of them
	}
	if w {
		p.ghostHitsW++
	} else {
		p.ghostHitsM++
	}
	if !p.adapt {
		return
	}
	step := float64(p.cost) / float64(max(p.n, 1))
	if w {
		p.drift += step
	} else {
		p.drift -= ghostMainWeight * step
	}
	p.applyDrift(step * max(1, ghostQuantumScale*math.Sqrt(float64(p.n))))
}

// applyDrift moves the boundary by the drift once it reaches quantum q (in
// cost units), never below the window's floor; at the floor, the drift is
// held at -q, so that growing again takes 2q of net evidence.
func (p *wtinylfu) applyDrift(q float64) {
	floor := int64(ghostMinWindowShare * float64(p.capacity))
	switch {
	case p.drift > -q && p.drift < q:
		return
	case p.drift <= -q && p.windowMax <= floor:
		p.drift = -q
		return
	}
	d := int64(p.drift)
	if d < 0 {
		d = max(d, floor-p.windowMax)
	}
	p.drift -= float64(d)
	p.pending += d
	p.carryOutAll()
}

// guardGhosts undoes the ghosts' last sample of moves if the hit ratio fell
// by ghostGuardDrop or more over it (rates in 0..1). The ghosts measure what
// a larger side would catch with the other side unchanged; where taking
// room from the other side changes its reuse distances too (a loop slightly
// larger than the cache: every key the window rejects comes back a few
// dozen evictions later however large the window, while the main space's
// hits vanish as it shrinks, unseen by its ghost), following them collapses
// the hit ratio, and the sample's drop is what shows it.
func (p *wtinylfu) guardGhosts(prevRate, rate float64) {
	if rate <= prevRate-ghostGuardDrop && p.windowMax != p.sampleWindow {
		p.pending = p.sampleWindow - p.windowMax
		p.drift = 0
		p.carryOut()
	}
	p.sampleWindow = p.windowMax
}
