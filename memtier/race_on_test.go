//go:build race

package memtier

import "time"

// Under the race detector (several times slower) the heavy tests run at a
// reduced size; .ci/run also runs the memory tests without -race at full size.
const (
	overheadEntries    = 20_000
	heapHonestyEntries = 100_000
	hitRatioTraceLen   = 30_000
	maxGCPause         = 5 * time.Second
	propertyOps        = 400
)
