package memtier

import (
	"fmt"
	"testing"
)

// TestGetHitAllocs enforces the hit path's zero allocations (the issue's
// hot-path rule), for hits, misses and tombstones.
func TestGetHitAllocs(t *testing.T) {
	tr := newTier(t, nil)
	const n = 1000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key-%06d", i)
		tr.Put(keys[i], fmt.Appendf(nil, "value-%06d", i), uint64(i+1), i%10 == 0)
	}
	dst := make([]byte, 0, 64)
	missing := []byte("absent")
	i := 0
	allocs := testing.AllocsPerRun(5000, func() {
		k := keys[i%n]
		i++
		v, _, tomb, ok := tr.Get(k, dst[:0])
		if !ok || (!tomb && len(v) == 0) {
			t.Fatalf("Get(%s) missed", k)
		}
		tr.Get(missing, dst[:0])
	})
	if allocs != 0 {
		t.Fatalf("Get allocates %.1f times per hit+miss, want 0", allocs)
	}
}
