package engine_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// openResident opens a DB on an in-memory FS holding n keys, all resident.
func openResident(tb testing.TB, n int) (*engine.DB, [][]byte) {
	tb.Helper()
	db, err := engine.Open("db", &engine.Options{FS: vfs.NewMem(), Sync: engine.SyncNever})
	if err != nil {
		tb.Fatal(err)
	}
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key%08d", i)
		if err := db.Put(keys[i], make([]byte, 100)); err != nil {
			tb.Fatal(err)
		}
	}
	return db, keys
}

// TestGetHitAllocs pins the hot path: a memory-tier hit allocates only the
// copy of the value handed to the caller.
func TestGetHitAllocs(t *testing.T) {
	db, keys := openResident(t, 1000)
	defer db.Close()
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := db.Get(keys[7]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Fatalf("a Get hit allocates %.1f times, want at most 1 (the returned value)", allocs)
	}
}

// BenchmarkGetHit measures parallel Gets answered by the memory tier
// (Zipf-skewed keys, everything resident).
func BenchmarkGetHit(b *testing.B) {
	db, keys := openResident(b, 100_000)
	defer db.Close()
	runZipfParallel(b, keys, func(k []byte) error {
		_, err := db.Get(k)
		return err
	})
}

// runZipfParallel runs op from every goroutine over keys drawn Zipf(0.99)
// and scrambled, and reports ops/s. The keys are drawn up front: the Zipf
// generator costs more than a memory-tier hit.
func runZipfParallel(b *testing.B, keys [][]byte, op func(key []byte) error) {
	z := newZipfian(uint64(len(keys)), 0.99)
	rng := rand.New(rand.NewPCG(1, 1))
	draws := make([][]byte, 1<<16)
	for i := range draws {
		draws[i] = keys[z.scrambled(rng)]
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(benchSeed.Add(1)) * 7919
		for pb.Next() {
			i++
			if err := op(draws[i&(len(draws)-1)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
