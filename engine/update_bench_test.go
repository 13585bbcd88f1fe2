package engine_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// BenchmarkUpdate measures parallel Zipf-skewed overwrites on the real
// disk with SyncNever: 100k keys, the memory tier holding about a tenth.
func BenchmarkUpdate(b *testing.B) {
	db, err := engine.Open(b.TempDir(), &engine.Options{MemTierBytes: 2 << 20, Sync: engine.SyncNever, AsyncWAL: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const n = 100_000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "user%012d", i)
		if err := db.Put(keys[i], make([]byte, 100)); err != nil {
			b.Fatal(err)
		}
	}
	z := newZipfian(n, 0.99)
	rng := rand.New(rand.NewPCG(1, 1))
	draws := make([][]byte, 1<<16)
	for i := range draws {
		draws[i] = keys[z.scrambled(rng)]
	}
	value := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(benchSeed.Add(1)) * 7919
		for pb.Next() {
			i++
			if err := db.Put(draws[i&(len(draws)-1)], value); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
