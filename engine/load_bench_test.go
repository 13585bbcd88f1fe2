package engine_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/tierkv/tierkv/engine"
)

// BenchmarkLoadVsPebble loads 500K keys of 100-byte values in random order
// into a fresh DB with default options and SyncNever, one write per call
// and in batches of 1000, then closes it (a checkpoint: everything is in
// the disk tier), against raw Pebble (default options, bloom filters, a
// block cache of tierkv's default total memory) loading the same keys with
// NoSync and closing after a Flush. One op is one whole load; the metric
// to compare is ns/key.
//
//	go test -run '^$' -bench BenchmarkLoadVsPebble -benchtime 3x ./engine/
func BenchmarkLoadVsPebble(b *testing.B) {
	const n = 500_000
	rng := rand.New(rand.NewPCG(3, 3))
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key%016d", rng.Uint64N(1e16))
	}
	value := make([]byte, 100)
	for _, batch := range []int{1, 1000} {
		b.Run(fmt.Sprintf("batch=%d/engine=tierkv", batch), func(b *testing.B) {
			for range b.N {
				db, err := engine.Open(b.TempDir(), &engine.Options{Sync: engine.SyncNever})
				if err != nil {
					b.Fatal(err)
				}
				bt := db.NewBatch()
				for i, k := range keys {
					if bt.Put(k, value); (i+1)%batch == 0 || i == n-1 {
						if err := db.Apply(bt); err != nil {
							b.Fatal(err)
						}
						bt.Reset()
					}
				}
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
		b.Run(fmt.Sprintf("batch=%d/engine=pebble", batch), func(b *testing.B) {
			for range b.N {
				cache := pebble.NewCache(engine.DefaultMemTierBytes + engine.DefaultBlockCacheBytes)
				o := &pebble.Options{Cache: cache}
				for i := range o.Levels {
					o.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
				}
				db, err := pebble.Open(b.TempDir(), o)
				cache.Unref()
				if err != nil {
					b.Fatal(err)
				}
				bt := db.NewBatch()
				for i, k := range keys {
					if _ = bt.Set(k, value, nil); (i+1)%batch == 0 || i == n-1 {
						if err := bt.Commit(pebble.NoSync); err != nil {
							b.Fatal(err)
						}
						bt = db.NewBatch()
					}
				}
				if err := db.Flush(); err != nil {
					b.Fatal(err)
				}
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
	}
}
