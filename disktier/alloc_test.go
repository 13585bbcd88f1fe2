package disktier

import (
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestGetAllocations guards the hot path: a Get that hits (memtable or
// sstable) into a large-enough dst allocates at most maxGetAllocs times
// (one is Pebble's, on an sstable hit).
func TestGetAllocations(t *testing.T) {
	maxGetAllocs := 1.0
	if raceEnabled {
		maxGetAllocs = 16 // sync.Pool drops items at random under -race
	}
	s := openMem(t, vfs.NewMem(), nil)
	defer s.Close()
	b := s.NewBatch()
	b.Set([]byte("flushed"), []byte("value"), 1)
	mustCommit(t, s, b)
	if err := s.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	b.Set([]byte("memtable"), []byte("value"), 2)
	mustCommit(t, s, b)
	dst := make([]byte, 0, 64)
	for _, key := range []string{"flushed", "memtable"} {
		t.Run("key="+key, func(t *testing.T) {
			k := []byte(key)
			allocs := testing.AllocsPerRun(200, func() {
				if _, _, _, ok, err := s.Get(k, dst[:0]); !ok || err != nil {
					t.Fatalf("Get: ok=%v err=%v", ok, err)
				}
			})
			t.Logf("%.1f allocs per Get", allocs)
			if allocs > maxGetAllocs {
				t.Fatalf("%.1f allocs per Get, want <= %.0f", allocs, maxGetAllocs)
			}
		})
	}
}
