package store

import (
	"fmt"
	"slices"
)

// The engines, in the order peerbench alternates them.
const (
	Pebble          = "pebble"
	PebbleRistretto = "pebble+ristretto"
	Badger          = "badger"
	Tierkv          = "tierkv"
)

// Engines returns every engine name, in the order runs alternate them.
func Engines() []string { return []string{Pebble, PebbleRistretto, Badger, Tierkv} }

// Terms every engine shares beyond the memory budget.
const (
	// WriteBufferBytes is the size of one memtable in every LSM (raw Pebble,
	// the Pebble under ristretto, Badger): tierkv's disk tier uses 16 MiB
	// Pebble memtables and exposes no knob, so the peers are set to match.
	WriteBufferBytes = 16 << 20
	// WriteBuffers is how many memtables may be in memory before writes
	// stall, again tierkv's disk tier's figure.
	WriteBuffers = 4
	// BloomBitsPerKey is the bloom filter size of every Pebble level, as in
	// tierkv's disk tier.
	BloomBitsPerKey = 10
	// MinMemoryBytes is the smallest budget Open accepts.
	MinMemoryBytes = 1 << 20
)

// Budget splits. Both tierkv and the cache-aside peer hold two thirds of
// the budget as a key/value cache and one third as Pebble's block cache
// (tierkv's own default ratio, 64 MiB : 32 MiB). Badger gets three quarters
// as its block cache and one quarter as its index cache (index blocks and
// bloom filters, which Badger otherwise keeps unbounded).
const (
	objectCacheShareNum, objectCacheShareDen = 2, 3
	badgerIndexShareDen                      = 4
)

func objectCacheBytes(budget int64) int64 {
	return budget * objectCacheShareNum / objectCacheShareDen
}

// Options configures one engine.
type Options struct {
	Dir         string // the engine's directory (created if missing)
	MemoryBytes int64  // the total memory budget, split as the engine's doc says
	Sync        bool   // fsync every write before it returns (else leave it to the OS)
	ItemBytes   int    // typical key+value size: sizes ristretto's admission counters
}

// Split describes how an engine divides the budget, for the report.
func Split(engine string, budget int64) string {
	obj := objectCacheBytes(budget)
	switch engine {
	case Pebble:
		return fmt.Sprintf("block cache %s", mib(budget))
	case PebbleRistretto:
		return fmt.Sprintf("ristretto MaxCost %s + block cache %s", mib(obj), mib(budget-obj))
	case Badger:
		idx := budget / badgerIndexShareDen
		return fmt.Sprintf("BlockCacheSize %s + IndexCacheSize %s", mib(budget-idx), mib(idx))
	case Tierkv:
		return fmt.Sprintf("MemTierBytes %s + BlockCacheBytes %s", mib(obj), mib(budget-obj))
	}
	return "?"
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// Store is one open engine. Every method is safe for concurrent use.
type Store interface {
	// Get reads key's value through the engine's ordinary read API and
	// touches it (its length), retaining nothing; found is false for an
	// absent key.
	Get(key []byte) (found bool, err error)
	// Put writes key=value; the store keeps no reference to either.
	Put(key, value []byte) error
	// Scan reads up to n records from the first key >= start, values
	// included, and returns how many it read.
	Scan(start []byte, n int) (int, error)
	// WriteBatch writes the pairs atomically, for loading.
	WriteBatch(keys, values [][]byte) error
	// Settle makes everything written durable and compacts it into the
	// engine's steady on-disk shape (run once after loading).
	Settle() error
	// Close closes the engine cleanly, after handing buffered writes to its
	// main on-disk structure (Pebble flushes its memtable, Badger flushes
	// its memtables, tierkv checkpoints its dirty entries).
	Close() error
}

// Open opens engine (one of Engines) on o.
func Open(engine string, o Options) (Store, error) {
	if !slices.Contains(Engines(), engine) {
		return nil, fmt.Errorf("%w: %q (want one of %v)", ErrUnknownEngine, engine, Engines())
	}
	if o.MemoryBytes < MinMemoryBytes {
		return nil, fmt.Errorf("%w: %d bytes (minimum %d)", ErrBadBudget, o.MemoryBytes, MinMemoryBytes)
	}
	switch engine {
	case Pebble:
		return openPebble(o, o.MemoryBytes)
	case PebbleRistretto:
		return openRistretto(o)
	case Badger:
		return openBadger(o)
	}
	return openTierkv(o)
}

// HitCounter is implemented by stores that count how many point reads
// their own cache answered: tierkv (memory-tier hits over Gets). The
// counters are cumulative since Open.
type HitCounter interface {
	Hits() (hits, gets uint64)
}
