package disktier

import (
	"errors"
	"fmt"
)

// Sentinel errors of the disk tier; callers test them with errors.Is.
var (
	// ErrCorruption matches every error caused by damaged disk-tier data:
	// Pebble's own corruption reports and stored values that do not decode.
	// errors.As with *CorruptionError recovers the file, offset and reason.
	ErrCorruption = errors.New("disktier: corruption")
	// ErrClosed is returned by every call on a closed Store or Iter.
	ErrClosed = errors.New("disktier: closed")
	// ErrReadOnly is returned by writes on a Store opened with
	// Options.ReadOnly.
	ErrReadOnly = errors.New("disktier: read-only")
	// ErrBackground wraps the first error Pebble reported from its
	// background work (flushes, compactions, MANIFEST writes). Once set it
	// is sticky: every later Commit, Flush and Compact returns it.
	ErrBackground = errors.New("disktier: background error")
	// ErrWatermarkRegression is returned by Commit of a batch whose
	// watermark is below the current one. Watermarks never decrease: Open
	// relies on it to detect flushed data that Pebble lost.
	ErrWatermarkRegression = errors.New("disktier: watermark regression")
)

// CorruptionError describes damaged disk-tier data. It matches
// ErrCorruption under errors.Is and wraps the underlying cause (Pebble's
// error, if any).
type CorruptionError struct {
	// File is the path of the damaged file, or "" if not known.
	File string
	// Offset is the byte offset of the damage in File, or -1 if not known.
	Offset int64
	// Reason says what was found to be wrong; it never contains user data.
	Reason string
	// Err is the underlying cause, possibly nil.
	Err error
}

// Error implements error.
func (e *CorruptionError) Error() string {
	msg := "disktier: corruption"
	if e.File != "" {
		msg += " in " + e.File
	}
	if e.Offset >= 0 {
		msg += fmt.Sprintf(" at offset %d", e.Offset)
	}
	msg += ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports whether target is ErrCorruption.
func (e *CorruptionError) Is(target error) bool { return target == ErrCorruption }

// Unwrap returns the underlying cause.
func (e *CorruptionError) Unwrap() error { return e.Err }
