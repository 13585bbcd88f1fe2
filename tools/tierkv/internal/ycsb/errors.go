package ycsb

import "errors"

var (
	// ErrUnknownWorkload is returned by Core for a name other than A–F.
	ErrUnknownWorkload = errors.New("ycsb: unknown workload")
	// ErrUnknownDistribution is returned for a distribution other than
	// zipfian, uniform or latest.
	ErrUnknownDistribution = errors.New("ycsb: unknown distribution")
	// ErrBadRecordCount is returned for a key space of zero records.
	ErrBadRecordCount = errors.New("ycsb: record count must be positive")
)
