package engine

import "errors"

// Sentinel errors; test them with errors.Is. Errors returned by the DB wrap
// them with context (the file and offset of corruption, the I/O error that
// made the DB read-only).
var (
	// ErrNotFound is returned by Get for a key that is absent (never written, or deleted).
	ErrNotFound = errors.New("tierkv: not found")
	// ErrClosed is returned by every call on a closed DB or Iterator.
	ErrClosed = errors.New("tierkv: closed")
	// ErrLocked is returned by Open when another open DB (in this or another process) holds the directory.
	ErrLocked = errors.New("tierkv: directory locked by another open DB")
	// ErrEmptyKey is returned for a zero-length key.
	ErrEmptyKey = errors.New("tierkv: empty key")
	// ErrKeyTooLarge is returned for a key longer than Options.MaxKeyBytes.
	ErrKeyTooLarge = errors.New("tierkv: key too large")
	// ErrValueTooLarge is returned for a value longer than Options.MaxValueBytes.
	ErrValueTooLarge = errors.New("tierkv: value too large")
	// ErrCorruption is returned for damaged WAL or disk-tier data; the wrapped error names file and offset.
	ErrCorruption = errors.New("tierkv: corruption")
	// ErrReadOnly is returned for a write after a fatal I/O error (the cause is wrapped) or on a DB opened ReadOnly.
	ErrReadOnly = errors.New("tierkv: read-only")
	// ErrBatchTooLarge is returned by Apply for a batch whose encoded size exceeds the WAL's record limit.
	ErrBatchTooLarge = errors.New("tierkv: batch too large")
	// ErrInvalidOptions is returned by Open for options that make no sense (negative sizes, unknown policy).
	ErrInvalidOptions = errors.New("tierkv: invalid options")
	// ErrNotExist is returned by a ReadOnly Open of a directory that holds no tierkv DB.
	ErrNotExist = errors.New("tierkv: no database in directory")
)
