package memtier

import (
	"sync"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
)

// shard is one part of the point index. Readers hold mu shared; writers
// hold the tier's policy mutex and then mu exclusively, so a writer may read
// the maps without mu.
type shard struct {
	mu   sync.RWMutex
	m    map[uint64]*entry // by key hash
	over map[string]*entry // keys whose hash another resident key already holds in m
	gen  atomic.Uint64     // bumped whenever an entry leaves the shard

	// Counted per shard rather than per tier so that parallel hits on
	// different shards do not bounce one cache line.
	hits, misses atomic.Uint64
	_            [64]byte // keep neighbouring shards off this cache line
}

// lookup returns the resident version of key (hashing to h), or nil.
func (s *shard) lookup(h uint64, key string) *entry {
	if e := s.m[h]; e != nil && e.key() == key {
		return e
	}
	if len(s.over) != 0 {
		return s.over[key]
	}
	return nil
}

// store publishes e (whose key hashes to h), replacing any version of its key.
func (s *shard) store(h uint64, e *entry) {
	k := e.key()
	if len(s.over) != 0 {
		if _, ok := s.over[k]; ok {
			s.over[k] = e
			return
		}
	}
	if cur, ok := s.m[h]; !ok || cur.key() == k {
		s.m[h] = e
		return
	}
	if s.over == nil {
		s.over = make(map[string]*entry)
	}
	s.over[k] = e
}

// remove drops key (hashing to h).
func (s *shard) remove(h uint64, key string) {
	if cur := s.m[h]; cur != nil && cur.key() == key {
		delete(s.m, h)
		return
	}
	delete(s.over, key)
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
