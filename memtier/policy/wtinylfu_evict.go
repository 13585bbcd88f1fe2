package policy

import "math"

// evict moves the window's overflow into probation and then, while over
// capacity, lets each candidate from the window duel the main space's victim
// (Caffeine's evictFromWindow and evictFromMain, with weights). Lists keep
// the most recent entry at the head, so "toward more recent" is prev.
func (p *wtinylfu) evict(victims []ID) []ID {
	candidate := p.evictFromWindow()
	if p.cost <= p.capacity {
		return victims
	}
	if !p.full {
		// The first eviction: now the entry count is known.
		p.full = true
		p.resample()
	}
	return p.evictFromMain(candidate, victims)
}

// evictFromWindow moves entries beyond the window's share to the head of
// probation and returns the first (least recent) of them, or nilID.
func (p *wtinylfu) evictFromWindow() ID {
	first := nilID
	for p.windowCost > p.windowMax && p.window.len > 0 {
		v := p.window.tail
		p.window.remove(p.links, v)
		p.probation.pushFront(p.links, v)
		p.setRegion(v, regionProbation)
		p.windowCost -= p.costOf(v)
		if first == nilID {
			first = v
		}
	}
	return first
}

func (p *wtinylfu) evictFromMain(candidate ID, victims []ID) []ID {
	victimQ, candQ := regionProbation, regionProbation
	victim := p.probation.tail
	for p.cost > p.capacity {
		if candidate == nilID && candQ == regionProbation {
			candidate, candQ = p.window.tail, regionWindow
		}
		if candidate == nilID && victim == nilID {
			switch victimQ {
			case regionProbation:
				victim, victimQ = p.prot.tail, regionProtected
				continue
			case regionProtected:
				victim, victimQ = p.window.tail, regionWindow
				continue
			}
			return victims // nothing left; cannot happen while cost > 0
		}
		var out ID
		var admitted, tie bool
		fromWindow := true // a candidate leaves, or the window's own tail
		switch {
		case victim == nilID:
			out, candidate = candidate, p.links[candidate].prev
		case candidate == nilID:
			out, victim = victim, p.links[victim].prev
			fromWindow = victimQ == regionWindow
		case candidate == victim:
			out, victim, candidate = victim, p.links[victim].prev, nilID
		default:
			if admitted, tie = p.admit(candidate, victim); admitted {
				out, victim = victim, p.links[victim].prev
				candidate = p.links[candidate].prev
				fromWindow = false
			} else {
				out, candidate = candidate, p.links[candidate].prev
			}
		}
		// A candidate that lost on a tie is not buried: the sketch could not
		// tell it from the victim, so its return says nothing about the
		// window (in a loop or a repeated scan every key ties, and each
		// returns). One the main space lent the window is: its loss is the
		// main space's.
		if admitted || !tie || p.meta[out]&lentBit != 0 {
			p.bury(out, fromWindow)
		}
		p.Remove(out)
		victims = append(victims, out)
	}
	return victims
}

// admit reports whether candidate should replace victim in the main space,
// and whether their frequencies tie (within ghostTieMargin).
func (p *wtinylfu) admit(candidate, victim ID) (admitted, tie bool) {
	cf := p.sketch.estimate(uint64(p.hashes[candidate]))
	vf := p.sketch.estimate(uint64(p.hashes[victim]))
	if cf > vf {
		return true, false
	}
	if cf >= admitHashDoSThreshold {
		return p.rng.next()&127 == 0, vf-cf <= ghostTieMargin
	}
	return false, vf-cf <= ghostTieMargin
}

// adjustWindow carries out the hill climber's decisions. With ghost
// feedback instead, the climber's samples only pace resample.
func (p *wtinylfu) adjustWindow() {
	if !p.adapt {
		return
	}
	if p.ghosts {
		prev := p.climb.prevHitRate
		if _, ok := p.climb.adjustment(); ok {
			p.guardGhosts(prev, p.climb.prevHitRate)
			p.resample()
		}
		return
	}
	if delta, ok := p.climb.adjustment(); ok {
		// Truncated as Caffeine does, but never to nothing: a small
		// cache's decayed step would otherwise stall the climber.
		p.pending = int64(delta)
		if p.pending == 0 && delta != 0 {
			p.pending = int64(math.Copysign(1, delta))
		}
		p.resample()
	}
	p.carryOut()
}

// carryOut moves the window/main boundary by what is pending and returns
// how many entries changed sides.
func (p *wtinylfu) carryOut() int {
	switch {
	case p.pending > 0:
		return p.increaseWindow()
	case p.pending < 0:
		return p.decreaseWindow()
	}
	return 0
}

// carryOutAll carries out a whole move at once, however many transfers of
// queueTransferLimit entries it takes (a move of sqrt(n) entries exceeds
// one in a tier of more than a million entries). It stops early, keeping
// the rest pending, when a transfer ends short of the limit: the lists
// ran out or the next entry costs more than what is left.
func (p *wtinylfu) carryOutAll() {
	for p.carryOut() == queueTransferLimit && p.pending != 0 {
	}
}

// resample sets the length of the next sample and of the sketch's aging
// period, and the ghosts' generations, from the entries actually resident:
// a byte-weighted cache whose entries are larger than ExpectedEntries
// assumed would otherwise age and adapt far too slowly.
func (p *wtinylfu) resample() {
	period := sketchSamples * max(p.n, sketchMinSample)
	p.sketch.sampleSize = min(sketchSamples*p.sketch.expected, period)
	p.climb.sampleSize = p.sketch.sampleSize
	p.sizeGhosts(p.n)
}

// increaseWindow moves up to pending cost units of capacity (and the least
// recent main entries filling them) from the main space to the window, and
// returns how many entries it moved.
func (p *wtinylfu) increaseWindow() int {
	if p.protectedMax == 0 {
		p.pending = 0
		return 0
	}
	quota := min(p.pending, p.protectedMax)
	p.protectedMax -= quota
	p.windowMax += quota
	p.demote()
	moved := 0
	for ; moved < queueTransferLimit; moved++ {
		c, from := p.probation.tail, regionProbation
		if c == nilID || quota < p.costOf(c) {
			c, from = p.prot.tail, regionProtected
		}
		if c == nilID || quota < p.costOf(c) {
			break
		}
		w := p.costOf(c)
		quota -= w
		if from == regionProbation {
			p.probation.remove(p.links, c)
		} else {
			p.prot.remove(p.links, c)
			p.protectedCost -= w
		}
		p.window.pushFront(p.links, c)
		p.setRegion(c, regionWindow)
		p.meta[c] |= lentBit
		p.windowCost += w
	}
	// Capacity not backed by moved entries goes back, to be retried.
	p.protectedMax += quota
	p.windowMax -= quota
	p.pending = quota
	return moved
}

// decreaseWindow moves up to -pending cost units of capacity (and the least
// recent window entries filling them) from the window to probation, and
// returns how many entries it moved.
func (p *wtinylfu) decreaseWindow() int {
	if p.windowMax <= 1 {
		p.pending = 0
		return 0
	}
	quota := min(-p.pending, max(0, p.windowMax-1))
	p.protectedMax += quota
	p.windowMax -= quota
	moved := 0
	for ; moved < queueTransferLimit; moved++ {
		c := p.window.tail
		if c == nilID || quota < p.costOf(c) {
			break
		}
		w := p.costOf(c)
		quota -= w
		p.window.remove(p.links, c)
		p.probation.pushFront(p.links, c)
		p.setRegion(c, regionProbation)
		p.windowCost -= w
	}
	p.protectedMax -= quota
	p.windowMax += quota
	p.pending = -quota
	return moved
}
