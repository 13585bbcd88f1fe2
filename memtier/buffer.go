package memtier

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/tierkv/tierkv/memtier/policy"
)

// stripeRecords is how many accesses a stripe buffers before it is drained
// into the policy: enough to amortize the policy lock, small enough that the
// policy's view lags by little.
const stripeRecords = 64

// access is one recorded lookup: a hit on e (resident under id), or
// (e == nil) a miss of hash h.
type access struct {
	e  *entry
	h  uint64
	id policy.ID
}

// stripe is one lossy access buffer. It also counts the hits and misses of
// the Gets that use it, so the hit path touches no tier-wide counter. Gets
// pick the stripe of the P they run on (procHint), so with at least as many
// stripes as Ps each stripe's lines are written by one core at a time.
type stripe struct {
	_       [64]byte // keep the previous stripe's last line apart
	mu      sync.Mutex
	n       int
	hits    atomic.Uint64 // Gets that found a live version
	tombs   atomic.Uint64 // Gets that found a tombstone
	misses  atomic.Uint64
	dropped atomic.Uint64 // sampled accesses not passed on: stripe busy, or full while the policy was busy
	recs    [stripeRecords]access
}

// numStripes returns the number of access stripes: a power of two, at
// least one per processor (GOMAXPROCS when the tier is built) and at most
// 64. A P whose id is past the last stripe shares one (counts stay exact:
// they are atomic).
func numStripes() int {
	n := 1
	for n < runtime.GOMAXPROCS(0) && n < 64 {
		n <<= 1
	}
	return n
}

// record notes an access without ever waiting: if the chosen stripe is busy,
// or full while the policy is busy, the access is dropped.
func (t *Tier) record(a access) {
	s := &t.stripes[procHint()&t.stripeMask]
	switch {
	case a.e != nil && atomic.LoadUint32(&a.e.meta)&flagTombstone == 0:
		s.hits.Add(1)
	case a.e != nil:
		// Counted apart, here, so that the engine need not subtract the
		// tombstones it counts itself: two counters read at different
		// instants could make a snapshot's hits go down.
		s.tombs.Add(1)
	default:
		s.misses.Add(1)
	}
	if t.lossless {
		t.recordNow(a)
		return
	}
	if !sample(t.sampleBits) {
		return
	}
	if !s.mu.TryLock() {
		s.dropped.Add(1)
		return
	}
	if s.n == stripeRecords {
		if !t.pmu.TryLock() {
			s.mu.Unlock()
			s.dropped.Add(1)
			return
		}
		t.applyLocked(s)
		t.pmu.Unlock()
	}
	s.recs[s.n] = a
	s.n++
	s.mu.Unlock()
}

// sample reports whether to record this access: one in 2^sampleBits,
// drawn from the runtime's per-M generator, which costs no atomic (a
// locked instruction would also wait for the lookup's cache misses).
func sample(sampleBits uint) bool {
	return sampleBits == 0 || cheaprand()>>(32-sampleBits) == 0
}

// recordNow applies one access at once (the lossless reference path that
// tests compare the lossy one with).
func (t *Tier) recordNow(a access) {
	t.pmu.Lock()
	defer t.pmu.Unlock()
	t.applyOne(a)
}

// applyLocked feeds s's buffered accesses to the policy and empties s. Both
// s.mu and t.pmu are held. A hit is applied only if the version is still
// the one resident under its id and the policy tracks it: it may have been
// evicted, rewritten or its id reused since the access was buffered.
func (t *Tier) applyLocked(s *stripe) {
	// Validate the whole batch first: these loads (state byte, tag, slot)
	// are independent across accesses, so their cache misses overlap,
	// instead of each waiting behind the previous access's policy work.
	var live [stripeRecords]bool
	for i := range s.n {
		live[i] = t.live(s.recs[i])
	}
	for i := range s.n {
		if a := s.recs[i]; live[i] {
			if a.e == nil {
				t.pol.Miss(a.h)
			} else {
				t.pol.Touch(a.id, a.h)
			}
		}
		s.recs[i] = access{}
	}
	s.n = 0
}

// live reports whether a recorded access still applies: a miss always
// does; a hit only if its version is still the one resident under its id
// and the policy tracks it. t.pmu is held.
func (t *Tier) live(a access) bool {
	return a.e == nil || (t.states[a.id]&stateInPolicy != 0 && t.entryOfLocked(a.id) == a.e)
}

// applyOne feeds one access to the policy. t.pmu is held.
func (t *Tier) applyOne(a access) {
	switch {
	case !t.live(a):
	case a.e == nil:
		t.pol.Miss(a.h)
	default:
		t.pol.Touch(a.id, a.h)
	}
}

// accessCounts sums the stripes' counters.
func (t *Tier) accessCounts() (hits, tombs, misses, dropped uint64) {
	for i := range t.stripes {
		s := &t.stripes[i]
		hits += s.hits.Load()
		tombs += s.tombs.Load()
		misses += s.misses.Load()
		dropped += s.dropped.Load()
	}
	return hits, tombs, misses, dropped
}
