//go:build race

package memtier

// Under the race detector (several times slower) the heavy tests run at a
// reduced size; .ci/run also runs the memory tests without -race at full size.
const (
	overheadEntries    = 50_000
	heapHonestyEntries = 300_000
	hitRatioTraceLen   = 100_000
	propertyOps        = 800
)
