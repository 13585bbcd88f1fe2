package memtier

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchValues returns n distinct values of size bytes: random bytes (as
// YCSB writes, incompressible) or, if compressible, English-like text.
func benchValues(n, size int, compressible bool) [][]byte {
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"tier ", "key ", "value ", "the ", "memory ", "disk ", "page ", "cache "}
	out := make([][]byte, n)
	for i := range out {
		v := make([]byte, 0, size)
		for len(v) < size {
			if compressible {
				v = append(v, words[rng.IntN(len(words))]...)
			} else {
				v = binary.LittleEndian.AppendUint64(v, rng.Uint64())
			}
		}
		out[i] = v[:size]
	}
	return out
}

// BenchmarkPromote measures the engine's read path on a Zipf(0.99) stream
// over 1M keys with 1000-byte values and room for 20K of them: a Get, and on
// a miss Generation and Promote (the value "read from disk"), as the engine
// does. W-TinyLFU refuses most offers of the cold tail. It reports ns per
// read, the hit ratio and the share of offers admitted.
func BenchmarkPromote(b *testing.B) {
	const universe, resident, size = 1_000_000, 20_000, 1000
	keys := benchKeys(universe)
	trace := zipfTrace(universe, 0.99, 1<<20, 5)
	for _, compressible := range []bool{false, true} {
		b.Run(fmt.Sprintf("values=%s/keys=1M/resident=20K/size=1000", valueKind(compressible)), func(b *testing.B) {
			vals := benchValues(256, size, compressible)
			tr, err := New(&Options{BudgetBytes: resident * chargeOf(b, vals[0])})
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]byte, 0, 2*size)
			read := func(i int) bool {
				k := keys[trace[i&(1<<20-1)]]
				if _, _, _, ok := tr.Get(k, dst[:0]); ok {
					return true
				}
				tr.Promote(k, vals[i%len(vals)], 1, tr.Generation(k))
				return false
			}
			for i := range 1 << 20 { // warm up: the cache fills and the policy learns
				read(i)
			}
			st0 := tr.Stats()
			i := 0
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				read(i)
				i++
			}
			st := tr.Stats()
			offers := st.Promotions + st.PromotionsRejected - st0.Promotions - st0.PromotionsRejected
			b.ReportMetric(100*float64(st.Hits-st0.Hits)/float64(i), "hit-%")
			b.ReportMetric(100*float64(st.Promotions-st0.Promotions)/float64(max(offers, 1)), "admitted-%")
		})
	}
}

// chargeOf returns what a 16-byte key with value v is charged.
func chargeOf(b *testing.B, v []byte) int64 {
	tr, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	tr.Put(make([]byte, 16), v, 1, false)
	return tr.Stats().Bytes
}

func valueKind(compressible bool) string {
	if compressible {
		return "compressible"
	}
	return "random"
}

// BenchmarkPutValue measures overwrites of 10K resident keys with 1000-byte
// values that compress or not (values >= CompressMinBytes are tried).
func BenchmarkPutValue(b *testing.B) {
	const n, size = 10_000, 1000
	for _, compressible := range []bool{false, true} {
		b.Run(fmt.Sprintf("values=%s/resident=10K/size=1000", valueKind(compressible)), func(b *testing.B) {
			benchPutValues(b, n, benchValues(256, size, compressible), nil)
		})
	}
}

// benchPutValues overwrites n keys with vals in a roomy tier; prepare, if
// not nil, adjusts the tier first.
func benchPutValues(b *testing.B, n int, vals [][]byte, prepare func(*Tier)) {
	keys := benchKeys(n)
	tr, err := New(&Options{BudgetBytes: int64(n) * (16 + int64(len(vals[0])) + EntryOverhead) * 2})
	if err != nil {
		b.Fatal(err)
	}
	if prepare != nil {
		prepare(tr)
	}
	seq := uint64(0)
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		seq++
		tr.Put(keys[seq%uint64(n)], vals[seq%uint64(len(vals))], seq, false)
	}
	st := tr.Stats()
	b.ReportMetric(float64(st.Bytes)/float64(st.Entries), "charged-B/entry")
}
