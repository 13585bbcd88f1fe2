package wal

import (
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Defaults of Options.
const (
	// DefaultSegmentBytes is the default rotation size of a segment.
	DefaultSegmentBytes = 64 << 20
	// MaxQueuedBytes bounds the records an AsyncWrites log queues before
	// Append waits for the flusher.
	MaxQueuedBytes = 4 << 20
	// DefaultSyncInterval is the default fsync period of SyncInterval.
	DefaultSyncInterval = 10 * time.Millisecond
	// DefaultMaxRecordBytes is the default limit on one encoded record.
	DefaultMaxRecordBytes = 512 << 20
	// MaxRecordBytesLimit is the largest MaxRecordBytes accepted: the record
	// header stores the payload length in 32 bits and the reader refuses
	// longer payloads.
	MaxRecordBytesLimit = 1 << 30
)

// SyncMode says when appended records are fsynced.
type SyncMode int

const (
	// SyncAlways makes Append return after its record is fsynced; concurrent
	// appenders share one write and one fsync (group commit).
	SyncAlways SyncMode = iota
	// SyncInterval fsyncs the log at least every Options.SyncInterval while
	// it holds unsynced records; Append returns after the write.
	SyncInterval
	// SyncNever writes records and leaves fsync to the OS (and to Sync,
	// rotation and Close); Append returns after the write.
	SyncNever
)

// String returns the mode's name.
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

// RecoveryMode says what Open does with damaged (not merely lost) data.
type RecoveryMode int

const (
	// RecoverStrict (the default) makes Open fail with a *CorruptionError
	// on damage. A lost tail is still truncated and reported.
	RecoverStrict RecoveryMode = iota
	// RecoverPointInTime stops at the first bad record, whatever its kind,
	// drops it and everything after it (the rest of its segment and every
	// later segment) and reports what was dropped in Recovered.
	RecoverPointInTime
)

// Logger receives the log's informational messages (recovery outcomes).
type Logger interface {
	Infof(format string, args ...any)
}

type discardLogger struct{}

func (discardLogger) Infof(string, ...any) {}

// Options configures a Log. A nil *Options and the zero value both mean
// every default; Open never modifies the caller's struct.
type Options struct {
	// FS is the filesystem; default vfs.Default.
	FS vfs.FS
	// SegmentBytes is the size at which the active segment is rotated;
	// default DefaultSegmentBytes.
	SegmentBytes int64
	// Sync is the sync mode; default SyncAlways.
	Sync SyncMode
	// SyncInterval is the fsync period of SyncInterval; default
	// DefaultSyncInterval.
	SyncInterval time.Duration
	// AsyncWrites (with SyncInterval or SyncNever; ignored with
	// SyncAlways) makes Append return once its record is queued for the
	// flusher, before write(2), as Pebble's NoSync commits do: a writer
	// pays no system call. A process crash can then lose the records
	// queued but not yet written (microseconds' worth; always a suffix),
	// and a write error is reported by the next Append, Sync or Close
	// instead of by the Append whose record failed. At most
	// MaxQueuedBytes are queued: beyond that Append waits for the write.
	AsyncWrites bool
	// MaxRecordBytes limits the encoded size (header plus uncompressed
	// payload) of one record; default DefaultMaxRecordBytes, at most
	// MaxRecordBytesLimit.
	MaxRecordBytes int
	// Recovery says how Open treats damage; default RecoverStrict.
	Recovery RecoveryMode
	// ReadOnly opens and replays without creating, writing, truncating or
	// removing anything; Append, Sync and Truncate return ErrReadOnly.
	ReadOnly bool
	// FirstSeq is a lower bound for the next sequence number: the log
	// continues at max(last record's seq+1, FirstSeq, 1).
	FirstSeq uint64
	// Logger receives recovery messages; default discards them.
	Logger Logger
}

// DefaultOptions returns a fresh Options with every default filled in.
func DefaultOptions() *Options {
	o := &Options{}
	o.fillDefaults()
	return o
}

func (o *Options) fillDefaults() {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.SegmentBytes == 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = DefaultSyncInterval
	}
	if o.MaxRecordBytes == 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.Logger == nil {
		o.Logger = discardLogger{}
	}
}

// Validate reports every problem with o at once (wrapping
// ErrInvalidOptions), or nil. Zero fields are valid: they mean defaults.
func (o *Options) Validate() error {
	var errs []error
	if o.SegmentBytes < 0 {
		errs = append(errs, fmt.Errorf("SegmentBytes %d is negative", o.SegmentBytes))
	}
	if o.Sync < SyncAlways || o.Sync > SyncNever {
		errs = append(errs, fmt.Errorf("unknown Sync mode %d", int(o.Sync)))
	}
	if o.SyncInterval < 0 {
		errs = append(errs, fmt.Errorf("SyncInterval %v is negative", o.SyncInterval))
	}
	if o.MaxRecordBytes < 0 || o.MaxRecordBytes > MaxRecordBytesLimit {
		errs = append(errs, fmt.Errorf("MaxRecordBytes %d is outside [0, %d]", o.MaxRecordBytes, MaxRecordBytesLimit))
	}
	if o.Recovery < RecoverStrict || o.Recovery > RecoverPointInTime {
		errs = append(errs, fmt.Errorf("unknown Recovery mode %d", int(o.Recovery)))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidOptions, errors.Join(errs...))
}
