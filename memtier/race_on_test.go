//go:build race

package memtier

// Under the race detector (several times slower, more memory per object)
// the heavy memory tests run at a reduced size; .ci/run also runs them
// without -race at full size.
const (
	overheadEntries    = 100_000
	heapHonestyEntries = 300_000
)
