package store

import (
	"errors"

	"github.com/tierkv/tierkv/engine"
)

// tierkvStore is tierkv with MemTierBytes + BlockCacheBytes = the budget.
type tierkvStore struct {
	db *engine.DB
}

func openTierkv(o Options) (*tierkvStore, error) {
	obj := objectCacheBytes(o.MemoryBytes)
	sync := engine.SyncNever
	if o.Sync {
		sync = engine.SyncAlways
	}
	db, err := engine.Open(o.Dir, &engine.Options{
		MemTierBytes:    obj,
		BlockCacheBytes: o.MemoryBytes - obj,
		Sync:            sync,
		// Unsynced: a write returns before write(2), like Pebble's and
		// Badger's unsynced writes (both log in the background).
		AsyncWAL: !o.Sync,
	})
	if err != nil {
		return nil, err
	}
	return &tierkvStore{db: db}, nil
}

func (s *tierkvStore) Get(key []byte) (bool, error) {
	v, err := s.db.Get(key)
	if errors.Is(err, engine.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	touch(v)
	return true, nil
}

func (s *tierkvStore) Put(key, value []byte) error { return s.db.Put(key, value) }

func (s *tierkvStore) Scan(start []byte, n int) (int, error) {
	it, err := s.db.NewIter(&engine.IterOptions{LowerBound: start})
	if err != nil {
		return 0, err
	}
	read := 0
	for ok := it.First(); ok && read < n; ok = it.Next() {
		touch(it.Value())
		read++
	}
	return read, errors.Join(it.Error(), it.Close())
}

func (s *tierkvStore) WriteBatch(keys, values [][]byte) error {
	b := s.db.NewBatch()
	for i := range keys {
		b.Put(keys[i], values[i])
	}
	return s.db.Apply(b)
}

// Settle checkpoints and compacts the disk tier over the whole key space.
func (s *tierkvStore) Settle() error { return s.db.Compact(nil, nil) }

func (s *tierkvStore) Close() error { return s.db.Close() }

// Hits returns the memory tier's hits and the Gets so far.
func (s *tierkvStore) Hits() (hits, gets uint64) {
	st := s.db.Stats()
	return st.MemTierHits, st.Gets
}
