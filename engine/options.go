package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/tierkv/tierkv/disktier"
)

// SyncMode says when a write's WAL record is fsynced.
type SyncMode int

const (
	// SyncAlways: a write returns only after its WAL record is fsynced (default).
	SyncAlways SyncMode = iota
	// SyncInterval: the WAL is fsynced at least every Options.SyncInterval.
	SyncInterval
	// SyncNever: the WAL is written but fsync is left to the OS (and to checkpoints).
	SyncNever
)

// String returns the mode's name as the CLI spells it.
func (m SyncMode) String() string {
	switch m {
	case SyncAlways:
		return "always"
	case SyncInterval:
		return "interval"
	case SyncNever:
		return "never"
	}
	return fmt.Sprintf("SyncMode(%d)", int(m))
}

// Policy names the memory tier's promotion/eviction policy.
type Policy string

// The policies of the memory tier.
const (
	PolicyWTinyLFU Policy = "wtinylfu" // default
	PolicyLRU      Policy = "lru"
	PolicyLFU      Policy = "lfu"
	PolicyRandom   Policy = "random"
)

// Defaults of Options.
const (
	DefaultMemTierBytes       = 64 << 20
	DefaultBlockCacheBytes    = 32 << 20
	DefaultSyncInterval       = 10 * time.Millisecond
	DefaultMaxKeyBytes        = 64<<10 - 1
	DefaultMaxValueBytes      = 64 << 20
	DefaultCheckpointWALBytes = 256 << 20
	DefaultWALSegmentBytes    = 64 << 20

	// MaxMemTierBytes is the largest MemTierBytes Open accepts (16 TiB),
	// and no more than the machine's physical memory (or cgroup v2 limit)
	// where Open can read it: a budget the machine cannot hold is a
	// misconfiguration that would end in the OOM killer once the tier
	// filled, so it is refused up front. (The tier allocates little at
	// Open: its frequency sketch starts small and grows with the entries.)
	MaxMemTierBytes = 1 << 44
)

// Logger receives the DB's rare informational messages (recovery reports).
type Logger interface {
	Infof(format string, args ...any)
}

type discardLogger struct{}

func (discardLogger) Infof(string, ...any) {}

// Options configures a DB. A zero Options (or nil) means every default; Open
// never modifies the caller's struct.
type Options struct {
	FS              vfs.FS        // default vfs.Default; tests pass vfs.NewMem() or vfs.NewCrashableMem()
	MemTierBytes    int64         // memory-tier budget in bytes (keys, values and per-entry overhead); default 64 MiB; at most MaxMemTierBytes and the machine's memory
	BlockCacheBytes int64         // Pebble block cache, for blocks; default 32 MiB (Pebble's memtables get their own room, see MemTableBytes)
	Policy          Policy        // promotion/eviction policy of the memory tier; default PolicyWTinyLFU
	Sync            SyncMode      // default SyncAlways
	SyncInterval    time.Duration // for SyncInterval; default 10ms
	MaxKeyBytes     int           // default 64 KiB - 1
	MaxValueBytes   int           // default 64 MiB
	ReadOnly        bool          // open without writing anything; writes return ErrReadOnly

	// CheckpointWALBytes starts a background checkpoint when the live WAL
	// grows past it; default 256 MiB.
	CheckpointWALBytes int64
	// WALSegmentBytes is the WAL's segment rotation size; default 64 MiB.
	WALSegmentBytes int64
	// MemTableBytes is the size of one Pebble memtable in the disk tier;
	// default 16 MiB (disktier.DefaultMemTableBytes). Pebble keeps two in
	// memory (the mutable one and a flushed one for reuse) and charges
	// them to its block cache, which is therefore sized BlockCacheBytes +
	// 2*MemTableBytes: the DB's memory is about MemTierBytes +
	// BlockCacheBytes + 2*MemTableBytes. Open refuses a size outside
	// [disktier.MinMemTableBytes, disktier.MaxMemTableBytes].
	MemTableBytes int64
	// Logger receives recovery reports; default discards.
	Logger Logger
	// AsyncWAL (with SyncInterval or SyncNever; ignored with SyncAlways)
	// acknowledges a write once its WAL record is queued in memory for the
	// log's writer, before write(2), as Pebble's NoSync commits do; default
	// false (a write returns after write(2)). It saves a system call per
	// write. The cost: a process crash, not only a machine crash, can lose
	// the last acknowledged writes, and a WAL write error loses what was
	// queued with it (the DB turns read-only; the writes stay readable until
	// Close). Either way the DB reopens to a prefix of the acknowledged
	// writes, at least everything before the last completed Checkpoint:
	// the SyncInterval/SyncNever contract.
	AsyncWAL bool
}

// DefaultOptions returns a fresh Options with every default filled in.
func DefaultOptions() *Options {
	o := &Options{}
	o.setDefaults()
	return o
}

func (o *Options) setDefaults() {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.MemTierBytes == 0 {
		o.MemTierBytes = DefaultMemTierBytes
	}
	if o.BlockCacheBytes == 0 {
		o.BlockCacheBytes = DefaultBlockCacheBytes
	}
	if o.Policy == "" {
		o.Policy = PolicyWTinyLFU
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.MaxKeyBytes == 0 {
		o.MaxKeyBytes = DefaultMaxKeyBytes
	}
	if o.MaxValueBytes == 0 {
		o.MaxValueBytes = DefaultMaxValueBytes
	}
	if o.CheckpointWALBytes == 0 {
		o.CheckpointWALBytes = DefaultCheckpointWALBytes
	}
	if o.WALSegmentBytes == 0 {
		o.WALSegmentBytes = DefaultWALSegmentBytes
	}
	if o.Logger == nil {
		o.Logger = discardLogger{}
	}
}

// validate reports every problem at once.
func (o *Options) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...))
	}
	if o.MemTierBytes < 0 || o.MemTierBytes > MaxMemTierBytes {
		bad("MemTierBytes %d not in [0, %d]", o.MemTierBytes, int64(MaxMemTierBytes))
	} else if ram := physicalMemory(); ram > 0 && o.MemTierBytes > ram {
		bad("MemTierBytes %d exceeds the machine's %d bytes of memory", o.MemTierBytes, ram)
	}
	if o.BlockCacheBytes < 0 {
		bad("BlockCacheBytes %d < 0", o.BlockCacheBytes)
	}
	switch o.Policy {
	case PolicyWTinyLFU, PolicyLRU, PolicyLFU, PolicyRandom:
	default:
		bad("unknown Policy %q", o.Policy)
	}
	if o.Sync < SyncAlways || o.Sync > SyncNever {
		bad("unknown Sync mode %d", int(o.Sync))
	}
	if o.SyncInterval < 0 {
		bad("SyncInterval %v < 0", o.SyncInterval)
	}
	if o.MaxKeyBytes < 0 {
		bad("MaxKeyBytes %d < 0", o.MaxKeyBytes)
	}
	if o.MaxValueBytes < 0 {
		bad("MaxValueBytes %d < 0", o.MaxValueBytes)
	}
	if o.CheckpointWALBytes < 0 {
		bad("CheckpointWALBytes %d < 0", o.CheckpointWALBytes)
	}
	if o.WALSegmentBytes < 0 {
		bad("WALSegmentBytes %d < 0", o.WALSegmentBytes)
	}
	// Zero means the disk tier's default.
	if o.MemTableBytes != 0 && (o.MemTableBytes < disktier.MinMemTableBytes || o.MemTableBytes > disktier.MaxMemTableBytes) {
		bad("MemTableBytes %d not in [%d, %d]", o.MemTableBytes, disktier.MinMemTableBytes, disktier.MaxMemTableBytes)
	}
	return errors.Join(errs...)
}
