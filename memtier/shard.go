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
	maxLoad20   = 16 // live+deleted slots stay under maxLoad20/20 (80%) of a table
	growLoad20  = 13 // past 65% live slots a full table grows (by a quarter)
)

// table is an open-addressing (linear probing) hash table of slots, each
// naming a policy id and holding the version resident under it. Readers
// load slots atomically and never lock; the tier's writers (holding pmu)
// store them. A table is never resized in place: a bigger one is built and
// published, and a reader still probing the old one sees it as it was,
// which is a state the tier really had.
//
// The version's pointer sits beside the slot's tag, in the same cache
// line, so that a hit costs two dependent cache misses (the slot, then the
// version) instead of three with a separate id-to-version table.
type table struct {
	slots []slot
	n     uint64 // len(slots)
}

// slot is one point-index slot: v is slotEmpty, slotDeleted or
// tag<<32 | (id+1); e is the version resident under id (nil otherwise).
// A writer stores e before v, so a reader that sees v sees that version or
// a later one; a reader that pairs an id with another id's version (the
// slot was reused between its two loads) fails the key comparison, or, on
// the same key, is caught when its access is validated (Tier.live).
type slot struct {
	v atomic.Uint64
	e atomic.Pointer[entry]
}

// shard is one part of the point index.
type shard struct {
	tab  atomic.Pointer[table]
	used int      // live slots (pmu)
	dead int      // deleted slots (pmu)
	_    [40]byte // keep neighbouring shards' hot words apart
}

// tagOf returns the 32-bit tag of a key hash (bits 17..47, low bit set).
// The probe sequence starts from the tag's high bits and the shard is
// chosen by its low bits (Tier.shardOfTag), so the tag alone, kept per id,
// locates an id's slot: a rehash and an eviction need no key.
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

// find returns the id and the resident version of key, which hashes to h.
// Safe without locks: a stale slot (its id freed or reused) fails the key
// comparison and probing goes on.
func (s *shard) find(h uint64, key string) (policy.ID, *entry) {
	t := s.tab.Load()
	tag := tagOf(h)
	for i := t.start(tag); ; i = t.next(i) {
		v := t.slots[i].v.Load()
		if v == slotEmpty {
			return 0, nil
		}
		if v>>32 == tag {
			if e := t.slots[i].e.Load(); e != nil && e.hasKey(key) {
				return policy.ID(uint32(v) - 1), e
			}
		}
	}
}

// locate returns the slot holding value v (a live slot value). pmu is held.
func (t *table) locate(v uint64) *slot {
	for i := t.start(v >> 32); ; i = t.next(i) {
		switch t.slots[i].v.Load() {
		case v:
			return &t.slots[i]
		case slotEmpty:
			panic("memtier: point index lost a resident entry")
		}
	}
}

// entryOf returns the version resident under id, whose slot value is v.
// pmu is held.
func (s *shard) entryOf(v uint64) *entry { return s.tab.Load().locate(v).e.Load() }

// insert adds a slot for id, holding e (a key not in the table). pmu is
// held.
func (s *shard) insert(h uint64, id policy.ID, e *entry) {
	t := s.tab.Load()
	if (s.used+s.dead+1)*20 > len(t.slots)*maxLoad20 {
		t = s.rehash(t)
	}
	if t.place(slotOf(h, id), e) {
		s.dead--
	}
	s.used++
}

// replace publishes e as the version under the live slot value v. pmu is
// held.
func (s *shard) replace(v uint64, e *entry) { s.tab.Load().locate(v).e.Store(e) }

// place stores slot value v and version e in the first free slot and
// reports whether that slot was a deleted one.
func (t *table) place(v uint64, e *entry) (reused bool) {
	for i := t.start(v >> 32); ; i = t.next(i) {
		switch t.slots[i].v.Load() {
		case slotEmpty:
			t.slots[i].e.Store(e)
			t.slots[i].v.Store(v)
			return false
		case slotDeleted:
			t.slots[i].e.Store(e)
			t.slots[i].v.Store(v)
			return true
		}
	}
}

// remove deletes the live slot value v. pmu is held.
func (s *shard) remove(v uint64) {
	sl := s.tab.Load().locate(v)
	sl.v.Store(slotDeleted)
	sl.e.Store(nil) // the version may be collected once no reader holds it
	s.used--
	s.dead++
}

// rehash publishes a table sized for the live slots (a quarter larger if
// they alone would pass 65% load, else the same size without the deleted
// slots) and returns it.
func (s *shard) rehash(old *table) *table {
	n := len(old.slots)
	if (s.used+1)*20 > n*growLoad20 {
		n += n / 4
	}
	t := newTable(n)
	for i := range old.slots {
		v := old.slots[i].v.Load()
		if v == slotEmpty || v == slotDeleted {
			continue
		}
		t.place(v, old.slots[i].e.Load())
	}
	s.dead = 0
	s.tab.Store(t)
	return t
}

// each calls f with every version in the table. pmu is held.
func (s *shard) each(f func(*entry)) {
	t := s.tab.Load()
	for i := range t.slots {
		if v := t.slots[i].v.Load(); v != slotEmpty && v != slotDeleted {
			f(t.slots[i].e.Load())
		}
	}
}

func newTable(n int) *table {
	return &table{slots: make([]slot, n), n: uint64(n)}
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
