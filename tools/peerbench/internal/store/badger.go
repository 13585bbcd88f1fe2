package store

import (
	"errors"

	"github.com/dgraph-io/badger/v4"
)

// badgerStore is Badger v4 with its block and index caches as the budget,
// tierkv's memtable sizes, values inline in the LSM (Badger's default
// ValueThreshold keeps values this small out of the value log), and no
// conflict detection (peerbench's transactions are single writes, as a
// plain key-value user's are).
type badgerStore struct {
	db   *badger.DB
	opts badger.Options
}

func badgerOptions(o Options) badger.Options {
	idx := o.MemoryBytes / badgerIndexShareDen
	return badger.DefaultOptions(o.Dir).
		WithLogger(nil).
		WithSyncWrites(o.Sync).
		WithBlockCacheSize(o.MemoryBytes - idx).
		WithIndexCacheSize(idx).
		WithMemTableSize(WriteBufferBytes).
		WithNumMemtables(WriteBuffers).
		WithDetectConflicts(false)
}

func openBadger(o Options) (*badgerStore, error) {
	opts := badgerOptions(o)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, err
	}
	return &badgerStore{db: db, opts: opts}, nil
}

func (s *badgerStore) Get(key []byte) (bool, error) {
	found := false
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return item.Value(func(v []byte) error { touch(v); return nil })
	})
	return found, err
}

func (s *badgerStore) Put(key, value []byte) error {
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set(key, value) })
}

func (s *badgerStore) Scan(start []byte, n int) (int, error) {
	read := 0
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Seek(start); it.Valid() && read < n; it.Next() {
			if err := it.Item().Value(func(v []byte) error { touch(v); return nil }); err != nil {
				return err
			}
			read++
		}
		return nil
	})
	return read, err
}

func (s *badgerStore) WriteBatch(keys, values [][]byte) error {
	return s.db.Update(func(txn *badger.Txn) error {
		for i := range keys {
			if err := txn.Set(keys[i], values[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Settle closes Badger (which flushes its memtables into L0), reopens it
// and flattens the LSM into one level.
func (s *badgerStore) Settle() error {
	if err := s.db.Close(); err != nil {
		return err
	}
	db, err := badger.Open(s.opts)
	if err != nil {
		return err
	}
	s.db = db
	return s.db.Flatten(2)
}

func (s *badgerStore) Close() error { return s.db.Close() }
