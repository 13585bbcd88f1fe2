package workload

import "errors"

var (
	// ErrUnknownWorkload is returned by Parse for a name it does not know.
	ErrUnknownWorkload = errors.New("workload: unknown workload")
	// ErrEmptyKeyspace is returned by NewGenerator for a keyspace of zero
	// records.
	ErrEmptyKeyspace = errors.New("workload: keyspace is empty")
)
