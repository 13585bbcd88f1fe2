package disktier

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Defaults of Options.
const (
	// DefaultBlockCacheBytes is the default size of Pebble's block cache.
	DefaultBlockCacheBytes = 32 << 20
	// DefaultMemTableBytes is the default size of one Pebble memtable.
	DefaultMemTableBytes = 16 << 20
	// MinMemTableBytes is the smallest MemTableBytes Open accepts. Pebble
	// panics at Open on a memtable too small for its own empty skiplist
	// (a few hundred bytes); 8 KiB leaves room for a few entries.
	MinMemTableBytes = 8 << 10
	// MaxMemTableBytes is the largest MemTableBytes Open accepts (Pebble's
	// limit: MemTableSize must be below 4 GiB - 1, its maxMemTableSize).
	MaxMemTableBytes = 4<<30 - 2
	// DefaultBloomBitsPerKey is the default number of bloom filter bits per
	// key, used on every level.
	DefaultBloomBitsPerKey = 10
	// DefaultL0CompactionThreshold is the default L0 read amplification
	// (sublevels) at which Pebble starts an L0 compaction.
	DefaultL0CompactionThreshold = 4
	// DefaultL0StopWritesThreshold is the default number of L0 sublevels at
	// which commits wait for compactions to catch up.
	DefaultL0StopWritesThreshold = 24
	// DefaultMemTableStopWrites is the default number of memtables (the
	// mutable one included) at which commits wait for flushes.
	DefaultMemTableStopWrites = 4
)

// Logger receives the Store's and Pebble's log messages. It must be safe
// for concurrent use.
type Logger interface {
	Infof(format string, args ...any)
	Errorf(format string, args ...any)
}

// Options configures a Store. A nil or zero Options means every default;
// Open never modifies the caller's Options.
type Options struct {
	// FS is the filesystem. Default vfs.Default.
	FS vfs.FS
	// BlockCacheBytes is what Pebble's block cache holds for blocks.
	// Default DefaultBlockCacheBytes. Pebble charges its memtables to its
	// block cache, so the cache is made BlockCacheBytes + MemTableBytes
	// (the one mutable memtable): otherwise a memtable as large as the
	// cache leaves no room for a single block (measured: every read missed).
	BlockCacheBytes int64
	// MemTableBytes is the size of one Pebble memtable. Default
	// DefaultMemTableBytes.
	MemTableBytes int64
	// BloomBitsPerKey is the bloom filter size on every level. Default
	// DefaultBloomBitsPerKey.
	BloomBitsPerKey int
	// L0CompactionThreshold is the L0 read amplification at which Pebble
	// compacts L0. Default DefaultL0CompactionThreshold.
	L0CompactionThreshold int
	// L0StopWritesThreshold is the number of L0 sublevels at which commits
	// wait for compactions. Default DefaultL0StopWritesThreshold.
	L0StopWritesThreshold int
	// MemTableStopWrites is the number of memtables' worth of unflushed
	// data at which commits wait for flushes. Default
	// DefaultMemTableStopWrites. The Store, not Pebble, stalls commits, so
	// that a failing disk ends the wait with an error instead of a hang.
	MemTableStopWrites int
	// ReadOnly opens the store without writing anything; writes return
	// ErrReadOnly. The store must exist. Default false.
	ReadOnly bool
	// Logger receives log messages. Default: discard.
	Logger Logger
	// BeforeFlush, if set, runs in Pebble's flush path after a flush's
	// inputs are chosen and before it writes anything (Pebble's FlushBegin
	// event, called with Pebble's internal mutex held, so it must not call
	// the Store). With Pebble's WAL disabled a flush is what makes data
	// durable, so this is where the engine syncs its own WAL: the disk tier
	// then never holds durably what that WAL could still lose. If it fails,
	// the store fences its filesystem (every later write fails, so the
	// flush cannot complete) and the error becomes sticky. Default nil.
	BeforeFlush func() error
}

// DefaultOptions returns a fresh Options holding every default.
func DefaultOptions() *Options {
	o := &Options{}
	o.fillDefaults()
	return o
}

func (o *Options) fillDefaults() {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.BlockCacheBytes == 0 {
		o.BlockCacheBytes = DefaultBlockCacheBytes
	}
	if o.MemTableBytes == 0 {
		o.MemTableBytes = DefaultMemTableBytes
	}
	if o.BloomBitsPerKey == 0 {
		o.BloomBitsPerKey = DefaultBloomBitsPerKey
	}
	if o.L0CompactionThreshold == 0 {
		o.L0CompactionThreshold = DefaultL0CompactionThreshold
	}
	if o.L0StopWritesThreshold == 0 {
		o.L0StopWritesThreshold = DefaultL0StopWritesThreshold
	}
	if o.MemTableStopWrites == 0 {
		o.MemTableStopWrites = DefaultMemTableStopWrites
	}
	if o.Logger == nil {
		o.Logger = discardLogger{}
	}
}

// Validate reports every problem with the options at once.
func (o *Options) Validate() error {
	var errs []error
	if o.BlockCacheBytes < 0 {
		errs = append(errs, fmt.Errorf("disktier: BlockCacheBytes %d < 0", o.BlockCacheBytes))
	}
	if o.MemTableBytes < MinMemTableBytes || o.MemTableBytes > MaxMemTableBytes {
		errs = append(errs, fmt.Errorf("disktier: MemTableBytes %d out of range [%d, %d]", o.MemTableBytes, MinMemTableBytes, MaxMemTableBytes))
	}
	if o.BloomBitsPerKey < 0 {
		errs = append(errs, fmt.Errorf("disktier: BloomBitsPerKey %d < 0", o.BloomBitsPerKey))
	}
	if o.L0CompactionThreshold < 0 {
		errs = append(errs, fmt.Errorf("disktier: L0CompactionThreshold %d < 0", o.L0CompactionThreshold))
	}
	if o.L0StopWritesThreshold < 0 {
		errs = append(errs, fmt.Errorf("disktier: L0StopWritesThreshold %d < 0", o.L0StopWritesThreshold))
	}
	if o.L0StopWritesThreshold < o.L0CompactionThreshold {
		errs = append(errs, fmt.Errorf("disktier: L0StopWritesThreshold %d < L0CompactionThreshold %d", o.L0StopWritesThreshold, o.L0CompactionThreshold))
	}
	if o.MemTableStopWrites < 2 {
		errs = append(errs, fmt.Errorf("disktier: MemTableStopWrites %d < 2", o.MemTableStopWrites))
	}
	return errors.Join(errs...)
}

type discardLogger struct{}

func (discardLogger) Infof(string, ...any)  {}
func (discardLogger) Errorf(string, ...any) {}
