package store

import (
	"context"
	"errors"
	"io"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
)

// pebbleStore is raw Pebble v2: its WAL on, bloom filters on every level,
// the given block cache, tierkv's memtable sizes.
type pebbleStore struct {
	db *pebble.DB
	wo *pebble.WriteOptions
}

func openPebble(o Options, blockCache int64) (*pebbleStore, error) {
	// Pebble charges its memtables (the mutable one and a recycled one) to
	// its block cache: without room for them a 16 MiB memtable leaves none
	// for blocks. tierkv's disk tier adds the same two memtables.
	cache := pebble.NewCache(blockCache + 2*WriteBufferBytes)
	defer cache.Unref() // the DB holds its own reference
	po := &pebble.Options{
		Cache:                       cache,
		MemTableSize:                WriteBufferBytes,
		MemTableStopWritesThreshold: WriteBuffers,
		FormatMajorVersion:          pebble.FormatNewest,
		Logger:                      quietLogger{},
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(BloomBitsPerKey)
	}
	po.EnsureDefaults()
	db, err := pebble.Open(o.Dir, po)
	if err != nil {
		return nil, err
	}
	s := &pebbleStore{db: db, wo: pebble.NoSync}
	if o.Sync {
		s.wo = pebble.Sync
	}
	return s, nil
}

// quietLogger drops Pebble's informational lines (they would interleave
// with the child's JSON); fatal errors still end the process.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	pebble.DefaultLogger.Fatalf(format, args...)
}

func (s *pebbleStore) get(key []byte, fn func(v []byte)) (bool, error) {
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	fn(v)
	return true, closer.Close()
}

func (s *pebbleStore) Get(key []byte) (bool, error) {
	return s.get(key, touch)
}

// touch reads a value the way a caller would at least look at it.
func touch(v []byte) {
	if len(v) > 0 {
		_ = v[len(v)-1]
	}
}

func (s *pebbleStore) Put(key, value []byte) error { return s.db.Set(key, value, s.wo) }

func (s *pebbleStore) Scan(start []byte, n int) (int, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: start})
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

func (s *pebbleStore) WriteBatch(keys, values [][]byte) error {
	b := s.db.NewBatch()
	for i := range keys {
		if err := b.Set(keys[i], values[i], nil); err != nil {
			return errors.Join(err, b.Close())
		}
	}
	return b.Commit(s.wo)
}

func (s *pebbleStore) Settle() error {
	if err := s.db.Flush(); err != nil {
		return err
	}
	return s.db.Compact(context.Background(), []byte{}, []byte{0xff, 0xff, 0xff, 0xff}, true)
}

// Close flushes the memtable before closing, so that a run's bytes written
// include its memtable's flush, as tierkv's Close includes its checkpoint
// and Badger's Close its memtable flush: every engine hands its buffered
// writes to its main on-disk structure before the count stops.
func (s *pebbleStore) Close() error {
	return errors.Join(s.db.Flush(), s.db.Close())
}

var _ io.Closer = (*pebbleStore)(nil)
