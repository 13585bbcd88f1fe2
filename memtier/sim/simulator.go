package sim

import (
	"fmt"

	"github.com/tierkv/tierkv/memtier/policy"
)

// Hash mixes a trace key into the 64-bit hash the policies see (the
// murmur3 / splitmix64 finalizer: a bijection with full avalanche, so that
// sequential block numbers spread over the sketch).
func Hash(key uint64) uint64 {
	key ^= key >> 30
	key *= 0xbf58476d1ce4e5b9
	key ^= key >> 27
	key *= 0x94d049bb133111eb
	key ^= key >> 31
	return key
}

// Simulator stands in for the memory tier: it maps keys to the dense ids a
// policy works with and counts hits. A Simulator is not safe for concurrent
// use.
type Simulator struct {
	pol       policy.Policy
	ids       map[uint64]policy.ID
	keys      []uint64 // id -> key
	free      []policy.ID
	victims   []policy.ID
	byteSized bool
	requests  int64
	hits      int64
}

// expectedEntrySize is the object size assumed to size a byte-capacity
// policy's sketch before it has learned the real entry count.
const expectedEntrySize = 4096

// NewSimulator returns a simulator of policy kind with capacity in cost
// units: entries, or bytes if byteSized (costs are then Request.Size).
// It returns policy.ErrBadOptions (wrapped) for a bad kind or capacity.
func NewSimulator(kind policy.Kind, capacity int64, byteSized bool) (*Simulator, error) {
	return NewSimulatorOptions(kind, policy.Options{Capacity: capacity}, byteSized)
}

// NewSimulatorOptions is NewSimulator with policy options (opts.Capacity is
// the capacity). An unset ExpectedEntries is the capacity for entry
// capacities, capacity/4096 for byte capacities. opts is not modified.
func NewSimulatorOptions(kind policy.Kind, opts policy.Options, byteSized bool) (*Simulator, error) {
	if opts.ExpectedEntries <= 0 {
		opts.ExpectedEntries = int(min(max(opts.Capacity, 1), 1<<30))
		if byteSized {
			opts.ExpectedEntries = int(max(64, opts.Capacity/expectedEntrySize))
		}
	}
	p, err := policy.New(kind, opts)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	return &Simulator{pol: p, ids: make(map[uint64]policy.ID), byteSized: byteSized}, nil
}

// Access replays one request and reports whether it hit. A miss fills the
// cache (Insert), as a read-through cache does.
func (s *Simulator) Access(r Request) bool {
	s.requests++
	h := Hash(r.Key)
	if id, ok := s.ids[r.Key]; ok {
		s.pol.Touch(id, h)
		s.hits++
		return true
	}
	s.pol.Miss(h)
	cost := int64(1)
	if s.byteSized {
		cost = int64(r.Size)
	}
	id := s.alloc(r.Key)
	s.victims = s.pol.Insert(id, h, cost, s.victims[:0])
	for _, v := range s.victims {
		delete(s.ids, s.keys[v])
		s.free = append(s.free, v)
	}
	return false
}

func (s *Simulator) alloc(key uint64) policy.ID {
	var id policy.ID
	if n := len(s.free); n > 0 {
		id = s.free[n-1]
		s.free = s.free[:n-1]
		s.keys[id] = key
	} else {
		id = policy.ID(len(s.keys))
		s.keys = append(s.keys, key)
	}
	s.ids[key] = id
	return id
}

// Requests returns the number of requests replayed.
func (s *Simulator) Requests() int64 { return s.requests }

// Hits returns the number of requests that hit.
func (s *Simulator) Hits() int64 { return s.hits }

// HitRatio returns the hit ratio in percent (0 before any request).
func (s *Simulator) HitRatio() float64 {
	if s.requests == 0 {
		return 0
	}
	return 100 * float64(s.hits) / float64(s.requests)
}

// Policy returns the policy being simulated.
func (s *Simulator) Policy() policy.Policy { return s.pol }
