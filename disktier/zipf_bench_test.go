package disktier

import (
	"math"
	"math/rand/v2"
)

// zipf draws ranks 0..n-1 with P(i) proportional to 1/(i+1)^s, by inverse
// transform over the precomputed CDF (math/rand's Zipf needs s > 1).
type zipf struct {
	rng *rand.Rand
	cdf []float64
}

func newZipf(rng *rand.Rand, n int, s float64) *zipf {
	cdf := make([]float64, n)
	sum := 0.0
	for i := range n {
		sum += 1 / math.Pow(float64(i+1), s)
		cdf[i] = sum
	}
	for i := range cdf {
		cdf[i] /= sum
	}
	return &zipf{rng: rng, cdf: cdf}
}

// next returns a rank; rank r maps to key r*7919 mod n so that hot keys
// are spread over the keyspace instead of sharing one block.
func (z *zipf) next() int {
	u := z.rng.Float64()
	lo, hi := 0, len(z.cdf)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if z.cdf[mid] < u {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo * 7919 % len(z.cdf)
}
