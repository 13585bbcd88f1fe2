package wal

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers compare them with errors.Is.
var (
	// ErrCorruption matches a *CorruptionError: damaged log data.
	ErrCorruption = errors.New("wal: corruption")
	// ErrClosed is returned by every call on a closed Log.
	ErrClosed = errors.New("wal: closed")
	// ErrReadOnly is returned by Append, Sync and Truncate on a Log opened ReadOnly.
	ErrReadOnly = errors.New("wal: read-only")
	// ErrEmptyBatch is returned by Append when it is given no operations.
	ErrEmptyBatch = errors.New("wal: empty batch")
	// ErrEmptyKey is returned by Append when an operation has a zero-length key.
	ErrEmptyKey = errors.New("wal: empty key")
	// ErrRecordTooLarge is returned by Append when the encoded record would
	// exceed Options.MaxRecordBytes.
	ErrRecordTooLarge = errors.New("wal: record too large")
	// ErrBadOp is returned by Append for an operation of unknown kind or a
	// delete that carries a value.
	ErrBadOp = errors.New("wal: bad operation")
	// ErrInvalidOptions is returned by Open (wrapped, listing every problem)
	// when Options.Validate fails.
	ErrInvalidOptions = errors.New("wal: invalid options")
)

// CorruptionError describes damaged log data: the segment file, the byte
// offset of the first bad record in it, and why it is bad. It matches
// ErrCorruption under errors.Is; errors.As recovers the details.
type CorruptionError struct {
	File   string // segment path; empty when decoding bytes not tied to a file
	Offset int64  // byte offset of the bad record within the segment
	Reason string // what is wrong, e.g. "checksum mismatch"
	Err    error  // underlying cause, if any
}

// Error implements error.
func (e *CorruptionError) Error() string {
	s := fmt.Sprintf("wal: corruption in %q at offset %d: %s", e.File, e.Offset, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is ErrCorruption.
func (e *CorruptionError) Is(target error) bool { return target == ErrCorruption }

// Unwrap returns the underlying cause.
func (e *CorruptionError) Unwrap() error { return e.Err }
