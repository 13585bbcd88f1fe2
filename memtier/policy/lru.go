package policy

// lru evicts the least recently used entry. Per entry it keeps 16 bytes: the
// list links and the cost.
type lru struct {
	capacity int64
	cost     int64
	links    []link
	costs    []int64
	order    list
}

func newLRU(opts Options) *lru {
	return &lru{capacity: opts.Capacity, order: newList()}
}

func (p *lru) grow(id ID) {
	for int(id) >= len(p.links) {
		p.links = append(p.links, link{nilID, nilID})
		p.costs = append(p.costs, 0)
	}
}

func (p *lru) Touch(id ID, _ uint64) { p.order.moveToFront(p.links, id) }
func (p *lru) Miss(uint64)           {}

func (p *lru) Insert(id ID, _ uint64, cost int64, victims []ID) []ID {
	if cost > p.capacity {
		// It could never fit: it is its own victim, and nothing else goes.
		return append(victims, id)
	}
	p.grow(id)
	p.order.pushFront(p.links, id)
	p.costs[id] = cost
	p.cost += cost
	return p.evict(victims)
}

// Promote always admits: the key just read is the most recently used, so
// LRU judges it hotter than its least recently used victim.
func (p *lru) Promote(id ID, hash uint64, cost int64, victims []ID) (bool, []ID) {
	if cost > p.capacity {
		return false, victims
	}
	return true, p.Insert(id, hash, cost, victims)
}

func (p *lru) Update(id ID, cost int64, victims []ID) []ID {
	p.cost += cost - p.costs[id]
	p.costs[id] = cost
	p.order.moveToFront(p.links, id)
	return p.evict(victims)
}

func (p *lru) Remove(id ID) {
	p.order.remove(p.links, id)
	p.cost -= p.costs[id]
	p.costs[id] = 0
}

func (p *lru) evict(victims []ID) []ID {
	for p.cost > p.capacity && p.order.len > 0 {
		v := p.order.tail
		p.Remove(v)
		victims = append(victims, v)
	}
	return victims
}

func (p *lru) Len() int        { return p.order.len }
func (p *lru) Cost() int64     { return p.cost }
func (p *lru) Capacity() int64 { return p.capacity }
