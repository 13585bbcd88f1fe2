package disktier

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestBlockCacheHoldsBlocks: Pebble charges its memtables to its block
// cache, so a cache of just BlockCacheBytes, with memtables as large as the
// cache, cached nothing at all (every read missed). At the defaults and with
// a small cache, a second pass over flushed data must hit the cache.
func TestBlockCacheHoldsBlocks(t *testing.T) {
	for _, o := range []Options{{}, {BlockCacheBytes: 1 << 20, MemTableBytes: 4 << 20}} {
		t.Run(fmt.Sprintf("cache=%d/memtable=%d", o.BlockCacheBytes, o.MemTableBytes), func(t *testing.T) {
			fs := vfs.NewMem()
			o.FS = fs
			s, err := Open("disk", &o)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			b := s.NewBatch()
			for i := range 5000 {
				b.Set(fmt.Appendf(nil, "key%06d", i), make([]byte, 100), uint64(i+1))
			}
			b.SetWatermark(5000)
			mustCommit(t, s, b)
			if err := s.Flush(); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				before := s.Metrics()
				for i := range 5000 {
					if _, _, _, ok, err := s.Get(fmt.Appendf(nil, "key%06d", i), nil); !ok || err != nil {
						t.Fatalf("Get key%06d: ok=%v err=%v", i, ok, err)
					}
				}
				after := s.Metrics()
				hits, misses := after.BlockCacheHits-before.BlockCacheHits, after.BlockCacheMisses-before.BlockCacheMisses
				if before.BlockCacheHits+before.BlockCacheMisses > 0 && hits < 10*misses {
					t.Fatalf("second pass: %d block-cache hits, %d misses (cache holds %d bytes): the cache is not caching",
						hits, misses, after.BlockCacheBytes)
				}
			}
		})
	}
}
