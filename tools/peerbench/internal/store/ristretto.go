package store

import (
	"errors"

	"github.com/dgraph-io/ristretto/v2"
)

// ristrettoStore is raw Pebble with a ristretto cache in front, used the
// way a user writes cache-aside by hand: a read tries the cache, and on a
// miss reads Pebble and offers a copy of the value to the cache; a write
// goes to Pebble and then updates the cache (ristretto updates a resident
// key in place, so a cached value never outlives a write; a new key may be
// refused by ristretto's admission policy, which is its design). The
// usual cache-aside race (a miss that fills a value older than a racing
// write) is left as users leave it; peerbench does not check values.
type ristrettoStore struct {
	*pebbleStore
	cache *ristretto.Cache[[]byte, []byte]
}

// ristrettoBufferItems is ristretto's documented default for Get buffers.
const ristrettoBufferItems = 64

func openRistretto(o Options) (*ristrettoStore, error) {
	obj := objectCacheBytes(o.MemoryBytes)
	item := int64(max(o.ItemBytes, 1))
	cache, err := ristretto.NewCache(&ristretto.Config[[]byte, []byte]{
		// ristretto's guidance: counters = 10x the items the cache holds.
		NumCounters: max(10*obj/item, 1000),
		MaxCost:     obj,
		BufferItems: ristrettoBufferItems,
	})
	if err != nil {
		return nil, err
	}
	p, err := openPebble(o, o.MemoryBytes-obj)
	if err != nil {
		cache.Close()
		return nil, err
	}
	return &ristrettoStore{pebbleStore: p, cache: cache}, nil
}

func cost(key, value []byte) int64 { return int64(len(key) + len(value)) }

func (s *ristrettoStore) Get(key []byte) (bool, error) {
	if v, ok := s.cache.Get(key); ok {
		touch(v)
		return true, nil
	}
	var v []byte
	found, err := s.pebbleStore.get(key, func(pv []byte) { v = append([]byte(nil), pv...) })
	if found && err == nil {
		s.cache.Set(key, v, cost(key, v)) // ristretto keeps hashes of keys, not keys
	}
	return found, err
}

func (s *ristrettoStore) Put(key, value []byte) error {
	if err := s.pebbleStore.Put(key, value); err != nil {
		return err
	}
	v := append([]byte(nil), value...)
	s.cache.Set(key, v, cost(key, v)) // ristretto keeps hashes of keys, not keys
	return nil
}

// Scan reads Pebble directly: a point cache cannot answer a range.
func (s *ristrettoStore) Scan(start []byte, n int) (int, error) {
	return s.pebbleStore.Scan(start, n)
}

// WriteBatch loads Pebble only: the cache starts cold, as after a restart.
func (s *ristrettoStore) WriteBatch(keys, values [][]byte) error {
	return s.pebbleStore.WriteBatch(keys, values)
}

func (s *ristrettoStore) Close() error {
	s.cache.Close()
	return errors.Join(s.pebbleStore.Close())
}
