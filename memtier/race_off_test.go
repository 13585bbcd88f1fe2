//go:build !race

package memtier

import "time"

// Full-size heavy tests (see race_on_test.go).
const (
	overheadEntries    = 1_000_000
	heapHonestyEntries = 10_000_000
	hitRatioTraceLen   = 1_000_000
	maxGCPause         = 5 * time.Second
	propertyOps        = 3000
)
