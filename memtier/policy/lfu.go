package policy

// LFU evicts the least frequently used entry, the least recent among equals.
// Counts start from the frequency sketch's estimate (so a key's history
// before it was admitted counts too, and a promotion can be judged against
// the victim), saturate at lfuMaxCount, and are halved every sampling period
// of the sketch (ten accesses per expected entry) so that yesterday's
// popularity fades. Entries sit in one LRU list per count, which makes every
// operation O(1): eviction scans up from the lowest non-empty count, and
// halving (O(n)) happens once per period of O(n) accesses.
const lfuMaxCount = 255

type lfu struct {
	capacity, cost int64
	n              int
	links          []link
	costs          []int64
	counts         []uint8
	buckets        [lfuMaxCount + 1]list
	minCount       int // no non-empty bucket below it
	accesses       int
	sketch         *sketch
}

func newLFU(opts Options) *lfu {
	p := &lfu{capacity: opts.Capacity, sketch: newSketch(opts.ExpectedEntries, opts.Doorkeeper)}
	for i := range p.buckets {
		p.buckets[i] = newList()
	}
	return p
}

func (p *lfu) grow(id ID) {
	for int(id) >= len(p.links) {
		p.links = append(p.links, link{nilID, nilID})
		p.costs = append(p.costs, 0)
		p.counts = append(p.counts, 0)
	}
}

func (p *lfu) Touch(id ID, hash uint64) {
	p.sketch.increment(hash)
	c := p.counts[id]
	if c < lfuMaxCount {
		p.buckets[c].remove(p.links, id)
		p.counts[id] = c + 1
		p.buckets[c+1].pushFront(p.links, id)
	} else {
		p.buckets[c].moveToFront(p.links, id)
	}
	p.age()
}

func (p *lfu) Miss(hash uint64) {
	p.sketch.increment(hash)
	p.age()
}

func (p *lfu) Insert(id ID, hash uint64, cost int64, victims []ID) []ID {
	if cost > p.capacity {
		return append(victims, id)
	}
	p.grow(id)
	c := min(max(p.sketch.estimate(hash), 1), lfuMaxCount)
	p.counts[id] = uint8(c)
	p.costs[id] = cost
	p.buckets[c].pushFront(p.links, id)
	p.minCount = min(p.minCount, c)
	p.cost += cost
	p.n++
	p.sketch.ensure(p.n)
	return p.evict(victims, id)
}

// Promote admits a key read from disk if there is room or if its estimated
// frequency beats the count of the entry that would be evicted first.
func (p *lfu) Promote(id ID, hash uint64, cost int64, victims []ID) (bool, []ID) {
	if cost > p.capacity {
		return false, victims
	}
	if p.cost+cost > p.capacity {
		if v := p.lowest(); v != nilID && p.sketch.estimate(hash) <= int(p.counts[v]) {
			return false, victims
		}
	}
	return true, p.Insert(id, hash, cost, victims)
}

func (p *lfu) Update(id ID, cost int64, victims []ID) []ID {
	p.cost += cost - p.costs[id]
	p.costs[id] = cost
	p.buckets[p.counts[id]].moveToFront(p.links, id)
	return p.evict(victims, nilID)
}

func (p *lfu) Remove(id ID) {
	p.buckets[p.counts[id]].remove(p.links, id)
	p.cost -= p.costs[id]
	p.costs[id] = 0
	p.n--
}

// lowest returns the least recent entry of the lowest count, or nilID.
func (p *lfu) lowest() ID {
	for p.minCount <= lfuMaxCount && p.buckets[p.minCount].len == 0 {
		p.minCount++
	}
	if p.minCount > lfuMaxCount {
		p.minCount = 0 // empty: the next Insert sets it
		return nilID
	}
	return p.buckets[p.minCount].tail
}

// evict removes lowest-count entries until the cost fits. The entry just
// inserted (fresh) is spared while anything else is resident, as in classic
// LFU, where the newcomer replaces the least frequent entry: otherwise a new
// key, whose count is low because it is new, would be its own victim.
func (p *lfu) evict(victims []ID, fresh ID) []ID {
	for p.cost > p.capacity && p.n > 0 {
		v := p.lowest()
		if v == fresh && p.n > 1 {
			v = p.nextLowest(fresh)
		}
		p.Remove(v)
		victims = append(victims, v)
	}
	return victims
}

// nextLowest returns the lowest entry other than skip (which is the lowest).
func (p *lfu) nextLowest(skip ID) ID {
	if prev := p.links[skip].prev; prev != nilID {
		return prev
	}
	for c := p.minCount + 1; c <= lfuMaxCount; c++ {
		if p.buckets[c].len > 0 {
			return p.buckets[c].tail
		}
	}
	return skip
}

// age halves every count once per sketch period.
func (p *lfu) age() {
	p.accesses++
	if p.accesses < p.sketch.sampleSize {
		return
	}
	p.accesses = 0
	// Rebuild the buckets from the lowest count up, pushing each list's
	// entries from least to most recent: an entry of count 2k+1 lands ahead
	// of those of count 2k, and recency order is kept within each.
	var old [lfuMaxCount + 1]list
	copy(old[:], p.buckets[:])
	for i := range p.buckets {
		p.buckets[i] = newList()
	}
	for c := range old {
		for id := old[c].tail; id != nilID; {
			prev := p.links[id].prev
			nc := uint8(c) >> 1
			p.counts[id] = nc
			p.buckets[nc].pushFront(p.links, id)
			id = prev
		}
	}
	p.minCount = 0
}

func (p *lfu) Len() int        { return p.n }
func (p *lfu) Cost() int64     { return p.cost }
func (p *lfu) Capacity() int64 { return p.capacity }
