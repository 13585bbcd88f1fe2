package memtier

import (
	"fmt"
	"testing"
)

// BenchmarkCompressAdaptive compares the adaptive compression skip with
// trying every value (the behaviour before it), on Puts of 1000-byte values
// that compress or not.
func BenchmarkCompressAdaptive(b *testing.B) {
	const n, size = 10_000, 1000
	for _, compressible := range []bool{false, true} {
		for _, adaptive := range []bool{true, false} {
			name := fmt.Sprintf("values=%s/adaptive=%v", valueKind(compressible), adaptive)
			b.Run(name, func(b *testing.B) {
				benchPutValues(b, n, benchValues(256, size, compressible), func(tr *Tier) { tr.comp.adaptive = adaptive })
			})
		}
	}
}
