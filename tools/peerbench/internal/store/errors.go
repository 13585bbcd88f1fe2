package store

import "errors"

var (
	// ErrUnknownEngine is returned by Open for an engine name it does not know.
	ErrUnknownEngine = errors.New("store: unknown engine")
	// ErrBadBudget is returned by Open for a memory budget below MinMemoryBytes.
	ErrBadBudget = errors.New("store: memory budget too small")
)
