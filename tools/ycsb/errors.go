package ycsb

import "errors"

var (
	// ErrUnknownWorkload is returned by Core and Parse for a name they do
	// not know.
	ErrUnknownWorkload = errors.New("ycsb: unknown workload")
	// ErrUnknownDistribution is returned by ParseDistribution, Parse and
	// NewGenerator for a distribution other than zipfian, uniform or latest.
	ErrUnknownDistribution = errors.New("ycsb: unknown distribution")
	// ErrEmptyKeyspace is returned by NewGenerator for a keyspace of zero
	// records: there is nothing to read.
	ErrEmptyKeyspace = errors.New("ycsb: keyspace is empty")
)
