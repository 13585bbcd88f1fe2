package memtier

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// stripeRecords is how many accesses a stripe buffers before it is drained
// into the policy: enough to amortize the policy lock, small enough that the
// policy's view lags by little.
const stripeRecords = 64

// access is one recorded lookup: a hit on e, or (e == nil) a miss of hash h.
type access struct {
	e *entry
	h uint64
}

// stripe is one lossy access buffer.
type stripe struct {
	mu      sync.Mutex
	n       int
	recs    [stripeRecords]access
	dropped atomic.Uint64
	_       [64]byte
}

// numStripes returns the number of access stripes: a power of two, four per
// processor so that two readers rarely pick the same stripe, at most 64.
func numStripes() int {
	n := 1
	for n < 4*runtime.GOMAXPROCS(0) && n < 64 {
		n <<= 1
	}
	return n
}

// record notes an access without ever waiting: if the chosen stripe is busy,
// or full while the policy is busy, the access is dropped.
func (t *Tier) record(e *entry, h uint64) {
	s := &t.stripes[rand.Uint32()&t.stripeMask]
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
	s.recs[s.n] = access{e: e, h: h}
	s.n++
	s.mu.Unlock()
}

// drainAllLocked feeds every buffered access to the policy. t.pmu is held;
// stripe locks are only ever held briefly by readers, which never wait for
// t.pmu, so taking them here cannot deadlock.
func (t *Tier) drainAllLocked() {
	for i := range t.stripes {
		s := &t.stripes[i]
		s.mu.Lock()
		t.applyLocked(s)
		s.mu.Unlock()
	}
}

// applyLocked feeds s's buffered accesses to the policy and empties s. Both
// s.mu and t.pmu are held. A hit is applied only if its key is still
// resident under the same id and tracked by the policy: the entry may have
// been evicted, or its id reused, since the access was buffered.
func (t *Tier) applyLocked(s *stripe) {
	for i := range s.n {
		a := s.recs[i]
		s.recs[i] = access{}
		if a.e == nil {
			t.pol.Miss(a.h)
			continue
		}
		id := a.e.id
		if int(id) >= len(t.recs) || t.states[id]&stateInPolicy == 0 {
			continue
		}
		if cur := t.recs[id]; cur == a.e || cur.key() == a.e.key() {
			t.pol.Touch(id, a.h)
		}
	}
	s.n = 0
}

// droppedAccesses sums the accesses the stripes dropped.
func (t *Tier) droppedAccesses() uint64 {
	var n uint64
	for i := range t.stripes {
		n += t.stripes[i].dropped.Load()
	}
	return n
}
