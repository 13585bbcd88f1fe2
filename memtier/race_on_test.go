//go:build race

package memtier

import "time"

// Under the race detector (several times slower) the heavy tests run at a
// reduced size; .ci/run also runs the memory tests without -race at full size.
const (
	overheadEntries    = 30_000
	heapHonestyEntries = 200_000
	hitRatioTraceLen   = 60_000
	maxGCPause         = 5 * time.Second
	propertyOps        = 600
)
