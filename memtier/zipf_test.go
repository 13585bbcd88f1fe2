package memtier

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"sort"
)

// zipfTrace returns length key indexes in [0, n) drawn from a Zipf
// distribution with exponent s (s may be below 1, unlike math/rand's Zipf),
// with the popular ranks scattered over the key space.
func zipfTrace(n int, s float64, length int, seed uint64) []uint32 {
	cdf := make([]float64, n)
	sum := 0.0
	for i := range cdf {
		sum += 1 / math.Pow(float64(i+1), s)
		cdf[i] = sum
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	perm := rng.Perm(n)
	out := make([]uint32, length)
	for i := range out {
		r := rng.Float64() * sum
		out[i] = uint32(perm[sort.SearchFloat64s(cdf, r)])
	}
	return out
}

// benchKeys returns n distinct 16-byte keys.
func benchKeys(n int) [][]byte {
	keys := make([][]byte, n)
	buf := make([]byte, 16*n)
	for i := range keys {
		k := buf[16*i : 16*i+16 : 16*i+16]
		binary.BigEndian.PutUint64(k[:8], uint64(i)*0x9e3779b97f4a7c15)
		binary.BigEndian.PutUint64(k[8:], uint64(i))
		keys[i] = k
	}
	return keys
}
