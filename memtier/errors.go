package memtier

import "errors"

var (
	// ErrBadOptions reports invalid Options; the wrapped message lists every problem.
	ErrBadOptions = errors.New("memtier: bad options")
	// ErrClosed is returned by Evict after Close.
	ErrClosed = errors.New("memtier: closed")
)
