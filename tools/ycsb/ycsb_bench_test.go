package ycsb

import (
	"math/rand"
	"testing"
)

// BenchmarkNext measures one generated operation of workload B per key
// chooser, against the standard library's Zipf generator as a peer (which
// draws unscrambled Zipf values and knows nothing of operations).
func BenchmarkNext(b *testing.B) {
	const records = 1_000_000
	for _, dist := range []Distribution{DistZipfian, DistUniform, DistLatest} {
		b.Run("dist="+string(dist), func(b *testing.B) {
			w, _ := Core("B")
			g, err := NewGenerator(w.WithDistribution(dist), NewKeyspace(records), nil, 1)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var sum uint64
			for b.Loop() {
				sum += g.Next().KeyNum
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			_ = sum
		})
	}
	b.Run("peer=stdlib-zipf", func(b *testing.B) {
		z := rand.NewZipf(rand.New(rand.NewSource(1)), 1.01, 1, records-1)
		b.ReportAllocs()
		var sum uint64
		for b.Loop() {
			sum += z.Uint64()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		_ = sum
	})
}
