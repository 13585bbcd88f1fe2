package policy

// DefaultSamples is how many entries Random compares per eviction (as Redis
// does with maxmemory-samples 5).
const DefaultSamples = 5

// random evicts by sampling: it picks Samples resident entries at random and
// evicts the least recently used of them, which needs no list, only a dense
// array of residents (O(1) removal by swapping with the last) and a logical
// access clock. Per entry it keeps 20 bytes: cost, slot, and last access.
type random struct {
	capacity, cost int64
	costs          []int64
	slots          []uint32 // id -> index in residents
	ticks          []uint32 // id -> logical time of the last access
	residents      []ID
	clock          uint32
	samples        int
	rng            rng
}

func newRandom(opts Options) *random {
	return &random{capacity: opts.Capacity, samples: opts.Samples, rng: rng{state: opts.Seed}}
}

func (p *random) grow(id ID) {
	for int(id) >= len(p.costs) {
		p.costs = append(p.costs, 0)
		p.slots = append(p.slots, 0)
		p.ticks = append(p.ticks, 0)
	}
}

func (p *random) Touch(id ID, _ uint64) {
	p.clock++
	p.ticks[id] = p.clock
}

func (p *random) Miss(uint64) {}

func (p *random) Insert(id ID, hash uint64, cost int64, victims []ID) []ID {
	if cost > p.capacity {
		return append(victims, id)
	}
	p.grow(id)
	p.costs[id] = cost
	p.slots[id] = uint32(len(p.residents))
	p.residents = append(p.residents, id)
	p.cost += cost
	p.Touch(id, hash)
	return p.evict(victims, id)
}

// Promote always admits when it fits: the key just read is the most recent,
// so no sampled victim is more recent than it.
func (p *random) Promote(id ID, hash uint64, cost int64, victims []ID) (bool, []ID) {
	if cost > p.capacity {
		return false, victims
	}
	return true, p.Insert(id, hash, cost, victims)
}

func (p *random) Update(id ID, cost int64, victims []ID) []ID {
	p.cost += cost - p.costs[id]
	p.costs[id] = cost
	p.Touch(id, 0)
	return p.evict(victims, nilID)
}

func (p *random) Remove(id ID) {
	i := p.slots[id]
	last := p.residents[len(p.residents)-1]
	p.residents[i] = last
	p.slots[last] = i
	p.residents = p.residents[:len(p.residents)-1]
	p.cost -= p.costs[id]
	p.costs[id] = 0
}

// evict removes sampled victims until the cost fits; fresh (the entry just
// inserted) is never sampled while anything else is resident.
func (p *random) evict(victims []ID, fresh ID) []ID {
	for p.cost > p.capacity && len(p.residents) > 0 {
		v := p.sample(fresh)
		p.Remove(v)
		victims = append(victims, v)
	}
	return victims
}

func (p *random) sample(fresh ID) ID {
	if len(p.residents) == 1 {
		return p.residents[0]
	}
	best, bestAge := nilID, uint32(0)
	for range p.samples {
		id := p.residents[p.rng.intn(len(p.residents))]
		if id == fresh {
			continue
		}
		if age := p.clock - p.ticks[id]; best == nilID || age > bestAge {
			best, bestAge = id, age
		}
	}
	if best == nilID {
		// Every draw hit the fresh entry: take any other.
		best = p.residents[0]
		if best == fresh {
			best = p.residents[1]
		}
	}
	return best
}

func (p *random) Len() int        { return len(p.residents) }
func (p *random) Cost() int64     { return p.cost }
func (p *random) Capacity() int64 { return p.capacity }
