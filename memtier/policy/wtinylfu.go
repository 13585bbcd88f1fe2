package policy

// W-TinyLFU (Einziger, Friedman and Manes, ACM ToS 2017), laid out as in
// Caffeine: new entries enter a small LRU window; entries leaving the window
// become candidates for the main space, a segmented LRU (probation and
// protected), and a candidate is admitted only if the frequency sketch says
// it is more popular than the main space's victim. The window's share of the
// capacity is tuned by ghost feedback (ghost.go), or by Caffeine's hill
// climber if Options.HillClimber is set.
const (
	// DefaultWindowPercent is the window's initial share of the capacity.
	// Caffeine starts at 1%; starting in the middle of the range the climber
	// explores reaches a good size sooner, which matters for large caches,
	// whose samples are long (ten requests per entry): on OLTP at 15000
	// pages only six samples fit in the trace.
	DefaultWindowPercent = 20.0
	protectedShare       = 0.80 // of the main space
	// A candidate this popular that loses anyway is admitted with
	// probability 1/128, so that an attacker cannot pin a victim with
	// artificially raised frequencies (Caffeine's hash-flooding defence).
	admitHashDoSThreshold = 6
	queueTransferLimit    = 1000 // entries moved per window adjustment
)

// The region of an entry lives in the top two bits of its meta word, the
// cost in the rest, so the per-entry state is 24 bytes: meta, hash, links.
const (
	regionNone uint64 = iota
	regionWindow
	regionProbation
	regionProtected
	regionShift = 62
	// lentBit marks an entry the main space handed to the window when the
	// window grew (increaseWindow): if the window then lets it go, the
	// loss is the main space's, and its ghost is the main's.
	lentBit  uint64 = 1 << 61
	costMask uint64 = lentBit - 1
)

type wtinylfu struct {
	capacity, cost            int64
	windowCost, protectedCost int64
	windowMax, protectedMax   int64
	pending                   int64 // window adjustment not yet carried out
	n                         int
	meta                      []uint64
	hashes                    []uint32 // folded key hashes (see foldHash)
	links                     []link
	window, probation, prot   list
	sketch                    *sketch
	climb                     climber
	ghostW, ghostM            ghost
	drift                     float64 // ghost feedback not yet in pending
	sampleWindow              int64   // windowMax when the climber's sample began
	adapt                     bool
	ghosts                    bool // keep ghosts (and adapt by them unless fixed)
	ghostHitsW, ghostHitsM    int64
	full                      bool // has evicted: the entry count is known
	rng                       rng
}

func newWTinyLFU(opts Options) *wtinylfu {
	p := &wtinylfu{
		capacity:  min(opts.Capacity, int64(costMask)),
		window:    newList(),
		probation: newList(),
		prot:      newList(),
		sketch:    newSketch(opts.ExpectedEntries, opts.Doorkeeper),
		adapt:     !opts.FixedWindow,
		ghosts:    !opts.HillClimber,
		rng:       rng{state: opts.Seed},
	}
	p.windowMax = int64(float64(p.capacity) * opts.WindowPercent / 100)
	p.protectedMax = int64(protectedShare * float64(p.capacity-p.windowMax))
	p.climb = newClimber(p.capacity, p.sketch.sampleSize)
	p.sizeGhosts(opts.ExpectedEntries)
	return p
}

func (p *wtinylfu) grow(id ID) {
	for int(id) >= len(p.links) {
		p.links = append(p.links, link{nilID, nilID})
		p.meta = append(p.meta, 0)
		p.hashes = append(p.hashes, 0)
	}
}

// foldHash folds a key hash to the 32 bits the policy keeps per entry
// (4 bytes per entry less than the full hash; the sketch and the ghosts
// remix what they are given, and 32 bits tell a million keys apart but for
// a rare collision, which only merges two keys' counts). Every hash the
// policy is handed goes through it, so a key's counters are the same
// whether its hash comes from the caller or from p.hashes.
func foldHash(h uint64) uint64 { return uint64(uint32(h ^ h>>32)) }

func (p *wtinylfu) region(id ID) uint64 { return p.meta[id] >> regionShift }
func (p *wtinylfu) costOf(id ID) int64  { return int64(p.meta[id] & costMask) }
func (p *wtinylfu) setRegion(id ID, r uint64) {
	p.meta[id] = p.meta[id]&^(3<<regionShift) | r<<regionShift
}

func (p *wtinylfu) Touch(id ID, hash uint64) {
	p.sketch.increment(foldHash(hash))
	p.reorder(id)
	p.climb.hit()
	p.adjustWindow()
}

func (p *wtinylfu) Miss(hash uint64) {
	hash = foldHash(hash)
	p.sketch.increment(hash)
	if p.ghosts {
		p.ghostFeedback(hash)
	}
	p.climb.miss()
	p.adjustWindow()
}

// reorder records an access in the queues: the window and protected are
// LRU, and a hit in probation earns a place in protected.
func (p *wtinylfu) reorder(id ID) {
	switch p.region(id) {
	case regionWindow:
		p.window.moveToFront(p.links, id)
	case regionProtected:
		p.prot.moveToFront(p.links, id)
	case regionProbation:
		c := p.costOf(id)
		if c > p.protectedMax {
			p.probation.moveToFront(p.links, id)
			return
		}
		p.probation.remove(p.links, id)
		p.prot.pushFront(p.links, id)
		p.setRegion(id, regionProtected)
		p.protectedCost += c
		p.demote()
	}
}

// demote moves protected's overflow to the head of probation.
func (p *wtinylfu) demote() {
	for p.protectedCost > p.protectedMax && p.prot.len > 0 {
		v := p.prot.tail
		p.prot.remove(p.links, v)
		p.probation.pushFront(p.links, v)
		p.setRegion(v, regionProbation)
		p.protectedCost -= p.costOf(v)
	}
}

func (p *wtinylfu) Insert(id ID, hash uint64, cost int64, victims []ID) []ID {
	if cost > p.capacity {
		return append(victims, id)
	}
	p.grow(id)
	p.hashes[id] = uint32(foldHash(hash))
	p.meta[id] = uint64(cost) | regionWindow<<regionShift
	p.window.pushFront(p.links, id)
	p.windowCost += cost
	p.cost += cost
	p.n++
	if p.n > p.sketch.expected {
		p.sketch.ensure(p.n)
		p.climb.sampleSize = p.sketch.sampleSize
	}
	return p.evict(victims)
}

// Promote admits a key read from disk if there is room, or if it is at least
// as popular as the main space's victim, i.e. if it could win admission when
// it leaves the window; a tie admits it because it is the more recent.
func (p *wtinylfu) Promote(id ID, hash uint64, cost int64, victims []ID) (bool, []ID) {
	if cost > p.capacity {
		return false, victims
	}
	hash = foldHash(hash)
	// The lookup that read this key from disk is an access: count it now,
	// as Caffeine counts an add, rather than rely on the tier's lossy miss
	// buffers having reached the sketch (without this, a hot set read from
	// disk looks cold and promotions evict each other in the window).
	p.sketch.increment(hash)
	if p.cost+cost > p.capacity {
		// A tie is refused, as Caffeine's admission refuses it: on a
		// flat (uniform) workload most candidates tie their victim, and
		// admitting them costs an insert and an eviction each for no
		// gain in hits.
		if v := p.mainVictim(); v != nilID && p.sketch.estimate(hash) <= p.sketch.estimate(uint64(p.hashes[v])) {
			return false, victims
		}
	}
	return true, p.Insert(id, hash, cost, victims)
}

// mainVictim returns the entry eviction would consider first.
func (p *wtinylfu) mainVictim() ID {
	switch {
	case p.probation.tail != nilID:
		return p.probation.tail
	case p.prot.tail != nilID:
		return p.prot.tail
	default:
		return p.window.tail
	}
}

func (p *wtinylfu) Update(id ID, cost int64, victims []ID) []ID {
	if cost > p.capacity {
		p.Remove(id)
		return append(victims, id)
	}
	delta := cost - p.costOf(id)
	p.meta[id] = uint64(cost) | p.region(id)<<regionShift
	p.cost += delta
	switch p.region(id) {
	case regionWindow:
		p.windowCost += delta
	case regionProtected:
		p.protectedCost += delta
	}
	p.reorder(id)
	p.demote()
	return p.evict(victims)
}

func (p *wtinylfu) Remove(id ID) {
	c := p.costOf(id)
	switch p.region(id) {
	case regionWindow:
		p.window.remove(p.links, id)
		p.windowCost -= c
	case regionProbation:
		p.probation.remove(p.links, id)
	case regionProtected:
		p.prot.remove(p.links, id)
		p.protectedCost -= c
	default:
		return
	}
	p.meta[id] = 0
	p.cost -= c
	p.n--
}

func (p *wtinylfu) Len() int        { return p.n }
func (p *wtinylfu) Cost() int64     { return p.cost }
func (p *wtinylfu) Capacity() int64 { return p.capacity }

// GhostHits returns how many misses found their key in the window's ghost
// only and in the main space's ghost only: how often a slightly larger
// window, or main space, would have hit. Both are 0 with HillClimber. With
// FixedWindow the ghosts are kept and counted but move nothing.
func (p *wtinylfu) GhostHits() (window, main int64) { return p.ghostHitsW, p.ghostHitsM }

// WindowMax returns the window's current share of the capacity in cost
// units (ghost feedback, or the hill climber, moves it).
func (p *wtinylfu) WindowMax() int64 { return p.windowMax }
