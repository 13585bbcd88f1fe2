package memtier

import (
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	"github.com/tierkv/tierkv/memtier/policy"
)

// Point-index slot encoding: tag<<32 | (id+1). A tag always has its low bit
// set, so the two values with a zero tag are free for the markers.
const (
	slotEmpty   = 0
	slotDeleted = 1
	minTable    = 16
	maxLoad4    = 3 // live+deleted slots stay under maxLoad4/4 of a table
)

// table is an open-addressing (linear probing) hash table of slots naming
// policy ids. Readers load slots atomically and never lock; the tier's
// writers (holding pmu) store them. A table is never resized in place: a
// bigger one is built and published, and a reader still probing the old one
// sees it as it was, which is a state the tier really had.
type table struct {
	slots []atomic.Uint64
	n     uint64 // len(slots)
}

// shard is one part of the point index.
type shard struct {
	tab  atomic.Pointer[table]
	gen  atomic.Uint64 // bumped whenever an entry leaves the shard
	used int           // live slots (pmu)
	dead int           // deleted slots (pmu)
	_    [48]byte      // keep neighbouring shards' hot words apart
}

// tagOf returns the 32-bit tag of a key hash (bits 17..47, low bit set).
// The probe sequence starts from the tag alone, so a rehash needs no keys.
func tagOf(h uint64) uint64 { return (h>>16)&0xffffffff | 1 }

// slotOf is the slot value for id, whose key hashes to h.
func slotOf(h uint64, id policy.ID) uint64 { return tagOf(h)<<32 | (uint64(id) + 1) }

// start maps a tag to a slot index in [0, n) without division (Lemire's
// multiply-shift), so that tables need not be powers of two and can grow by
// small factors, which keeps their load, and bytes per entry, steady.
func (t *table) start(tag uint64) uint64 { return (tag >> 1) * t.n >> 31 }

// next steps a linear probe.
func (t *table) next(i uint64) uint64 {
	if i++; i == t.n {
		return 0
	}
	return i
}

// find returns the id of the resident version of key, which hashes to h.
// Safe without locks: a stale slot (its id freed or reused) fails the key
// comparison and probing goes on.
func (s *shard) find(recs *slotTable, h uint64, key string) (policy.ID, *entry) {
	t := s.tab.Load()
	tag := tagOf(h)
	for i := t.start(tag); ; i = t.next(i) {
		v := t.slots[i].Load()
		if v == slotEmpty {
			return 0, nil
		}
		if v>>32 == tag {
			id := policy.ID(uint32(v) - 1)
			if e := recs.load(id); e != nil && e.hasKey(key) {
				return id, e
			}
		}
	}
}

// insert adds a slot for id (a key not in the table). pmu is held.
func (s *shard) insert(h uint64, id policy.ID) {
	t := s.tab.Load()
	if (s.used+s.dead+1)*4 > len(t.slots)*maxLoad4 {
		t = s.rehash(t)
	}
	if t.place(slotOf(h, id)) {
		s.dead--
	}
	s.used++
}

// place stores slot value v in its first free slot and reports whether
// that slot was a deleted one.
func (t *table) place(v uint64) (reused bool) {
	for i := t.start(v >> 32); ; i = t.next(i) {
		switch t.slots[i].Load() {
		case slotEmpty:
			t.slots[i].Store(v)
			return false
		case slotDeleted:
			t.slots[i].Store(v)
			return true
		}
	}
}

// remove deletes the slot of id (whose key hashes to h). pmu is held.
func (s *shard) remove(h uint64, id policy.ID) {
	t := s.tab.Load()
	want := slotOf(h, id)
	for i := t.start(want >> 32); ; i = t.next(i) {
		switch t.slots[i].Load() {
		case want:
			t.slots[i].Store(slotDeleted)
			s.used--
			s.dead++
			return
		case slotEmpty:
			panic("memtier: point index lost a resident entry")
		}
	}
}

// rehash publishes a table sized for the live slots (a quarter larger if
// they alone would pass 60% load, else the same size without the deleted
// slots) and returns it.
func (s *shard) rehash(old *table) *table {
	n := len(old.slots)
	if (s.used+1)*5 > n*3 {
		n += n / 4
	}
	t := newTable(n)
	for i := range old.slots {
		v := old.slots[i].Load()
		if v == slotEmpty || v == slotDeleted {
			continue
		}
		t.place(v)
	}
	s.dead = 0
	s.tab.Store(t)
	return t
}

func newTable(n int) *table {
	return &table{slots: make([]atomic.Uint64, n), n: uint64(n)}
}

// hashKey hashes key with the tier's seed. mask is all ones except in tests
// that force hash collisions.
func hashKey(key string, seed, mask uint64) uint64 {
	h := xxhash.Sum64String(key) ^ seed
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h & mask
}
