package store

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/tierkv/tierkv/tools/ycsb"
)

// Sizes of BenchmarkStore: a dataset ten times the budget, as peerbench's
// default, but small enough to load in a second or two per engine.
const (
	benchBudget    = 4 << 20
	benchValueSize = 1000
	benchRecords   = 10 * benchBudget / (23 + benchValueSize)
	benchWarmOps   = 50_000
)

// BenchmarkStore runs one client thread of a YCSB workload against every
// engine on the same terms as the command (the same budget, dataset and
// key stream), for profiling one engine in isolation:
//
//	go test -run '^$' -bench 'Store/workload=C-zipf/engine=tierkv' -cpuprofile cpu.out ./internal/store/
//
// It reports ns/op, allocations, and for tierkv the memory tier's hit ratio.
func BenchmarkStore(b *testing.B) {
	for _, wl := range []string{"C-zipf", "B-zipf", "A-zipf", "C-uniform"} {
		for _, eng := range Engines() {
			b.Run("workload="+wl+"/engine="+eng, func(b *testing.B) { benchStore(b, eng, wl) })
		}
	}
}

func benchStore(b *testing.B, eng, wl string) {
	w, err := ycsb.Parse(wl)
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(eng, Options{Dir: filepath.Join(b.TempDir(), "db"), MemoryBytes: benchBudget, ItemBytes: 23 + benchValueSize})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]byte, 1<<20)
	for i := range vals {
		vals[i] = byte(rng.Uint32())
	}
	value := func() []byte {
		off := rng.IntN(len(vals) - benchValueSize)
		return vals[off : off+benchValueSize]
	}
	benchLoad(b, s, value)
	ks := ycsb.NewKeyspace(benchRecords)
	gen, err := ycsb.NewGenerator(w, ks, nil, 1)
	if err != nil {
		b.Fatal(err)
	}
	var key []byte
	op := func() {
		o := gen.Next()
		key = ycsb.KeyName(key[:0], o.KeyNum)
		if err := benchOp(s, o, key, value); err != nil {
			b.Fatal(err)
		}
		if o.Kind == ycsb.Insert {
			ks.Ack(o.KeyNum)
		}
	}
	for range benchWarmOps {
		op()
	}
	var h0, g0 uint64
	hc, counts := s.(HitCounter)
	if counts {
		h0, g0 = hc.Hits()
	}
	b.ReportAllocs()
	for b.Loop() {
		op()
	}
	if counts {
		if h1, g1 := hc.Hits(); g1 > g0 {
			b.ReportMetric(float64(h1-h0)/float64(g1-g0), "hit-ratio")
		}
	}
}

func benchLoad(b *testing.B, s Store, value func() []byte) {
	b.Helper()
	const batch = 256
	var keys, vals [][]byte
	for i := range uint64(benchRecords) {
		keys, vals = append(keys, ycsb.KeyName(nil, i)), append(vals, value())
		if len(keys) == batch || i == benchRecords-1 {
			if err := s.WriteBatch(keys, vals); err != nil {
				b.Fatal(err)
			}
			keys, vals = keys[:0], vals[:0]
		}
	}
	if err := s.Settle(); err != nil {
		b.Fatal(err)
	}
}

func benchOp(s Store, o ycsb.Op, key []byte, value func() []byte) error {
	switch o.Kind {
	case ycsb.Read:
		_, err := s.Get(key)
		return err
	case ycsb.ReadModifyWrite:
		if _, err := s.Get(key); err != nil {
			return err
		}
		return s.Put(key, value())
	case ycsb.Scan:
		_, err := s.Scan(key, o.ScanLen)
		return err
	}
	return s.Put(key, value())
}
