package policy

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkAccess measures one cache access (a Touch on a hit, Miss+Insert
// on a miss) under Zipf(1.01) keys over 1M keys with 100k entries, per
// policy; LRU is the peer, and W-TinyLFU with the hill climber instead of
// ghost feedback the peer of the default.
//
//	go test -run '^$' -bench Access ./memtier/policy/
func BenchmarkAccess(b *testing.B) {
	const capacity, keys = 100_000, 1 << 20
	r := rand.New(rand.NewPCG(1, 1))
	z := rand.NewZipf(r, 1.01, 1, keys-1)
	trace := make([]uint64, 1<<20)
	for i := range trace {
		trace[i] = z.Uint64()
	}
	type variant struct {
		name string
		kind Kind
		opts Options
	}
	var variants []variant
	for _, kind := range Kinds() {
		variants = append(variants, variant{string(kind), kind, Options{}})
	}
	variants = append(variants, variant{"wtinylfu-hill-climber", KindWTinyLFU, Options{HillClimber: true}})
	for _, v := range variants {
		b.Run(fmt.Sprintf("policy=%s", v.name), func(b *testing.B) {
			opts := v.opts
			opts.Capacity, opts.ExpectedEntries = capacity, capacity
			p, err := New(v.kind, opts)
			if err != nil {
				b.Fatal(err)
			}
			// Dense key -> id tables keep the harness out of the measurement.
			ids := make([]ID, keys)
			keyOf := make([]uint64, 0, capacity+1)
			var free, victims []ID
			hits, i := 0, 0
			b.ReportAllocs()
			for b.Loop() {
				k := trace[i&(len(trace)-1)]
				i++
				h := spread(k)
				if id := ids[k]; id != 0 {
					p.Touch(id-1, h)
					hits++
					continue
				}
				p.Miss(h)
				var id ID
				if n := len(free); n > 0 {
					id, free = free[n-1], free[:n-1]
					keyOf[id] = k
				} else {
					id = ID(len(keyOf))
					keyOf = append(keyOf, k)
				}
				ids[k] = id + 1
				victims = p.Insert(id, h, 1, victims[:0])
				for _, v := range victims {
					ids[keyOf[v]] = 0
					free = append(free, v)
				}
			}
			b.ReportMetric(100*float64(hits)/float64(i), "hit%")
		})
	}
}
