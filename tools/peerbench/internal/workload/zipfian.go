package workload

import (
	"math"
	"math/rand/v2"
)

// ZipfianConstant is YCSB's default skew (theta).
const ZipfianConstant = 0.99

// YCSB's ScrambledZipfianGenerator draws from a Zipfian over 10^10 items
// (zeta precomputed for theta 0.99) and hashes the draw into the key space,
// so that popular keys are spread over the key space, not clustered.
const (
	scrambledItems = 10_000_000_000
	scrambledZetan = 26.46902820178302
)

// zipfian draws integers in [0, n) with P(i) proportional to 1/(i+1)^theta
// by the method of Gray et al. (SIGMOD 1994), as YCSB's ZipfianGenerator
// does, extending zeta incrementally when n grows. Not safe for concurrent
// use; copies are independent.
type zipfian struct {
	theta, alpha, zeta2, zetan, eta float64
	n                               uint64
}

func newZipfian(n uint64, theta float64) zipfian {
	return newZipfianZeta(n, theta, zeta(0, n, theta, 0))
}

func newZipfianZeta(n uint64, theta, zetan float64) zipfian {
	z := zipfian{theta: theta, alpha: 1 / (1 - theta), zeta2: zeta(0, 2, theta, 0), zetan: zetan, n: n}
	z.eta = (1 - math.Pow(2/float64(n), 1-theta)) / (1 - z.zeta2/zetan)
	return z
}

// zeta returns initial + sum_{i=from+1..to} 1/i^theta.
func zeta(from, to uint64, theta, initial float64) float64 {
	sum := initial
	for i := from; i < to; i++ {
		sum += 1 / math.Pow(float64(i+1), theta)
	}
	return sum
}

// next draws from [0, n); a larger n than last time extends zeta first, a
// smaller one keeps the larger zeta and clamps (as YCSB's latest does).
func (z *zipfian) next(r *rand.Rand, n uint64) uint64 {
	if n > z.n {
		*z = newZipfianZeta(n, z.theta, zeta(z.n, n, z.theta, z.zetan))
	}
	u := r.Float64()
	uz := u * z.zetan
	var v uint64
	switch {
	case uz < 1:
		v = 0
	case uz < 1+math.Pow(0.5, z.theta):
		v = 1
	default:
		v = uint64(float64(n) * math.Pow(z.eta*u-z.eta+1, z.alpha))
	}
	return min(v, n-1)
}

// scrambled is YCSB's ScrambledZipfianGenerator: a Zipfian draw over 10^10
// items, FNV-1a hashed, modulo n. The salt is added to the draw before
// hashing; a new salt gives a new, unrelated hot set of the same shape.
type scrambled struct {
	z zipfian
}

func newScrambled() scrambled {
	return scrambled{z: newZipfianZeta(scrambledItems+1, ZipfianConstant, scrambledZetan)}
}

func (s *scrambled) next(r *rand.Rand, n, salt uint64) uint64 {
	return FNVHash64(s.z.next(r, scrambledItems+1)+salt) % n
}

// FNVHash64 is YCSB's Utils.fnvhash64: FNV-1a over the 8 little-endian
// bytes of v, made non-negative as Java's Math.abs does on a long.
func FNVHash64(v uint64) uint64 {
	const offset, prime = 0xCBF29CE484222325, 1099511628211
	h := uint64(offset)
	for range 8 {
		h ^= v & 0xff
		v >>= 8
		h *= prime
	}
	if int64(h) < 0 {
		// Java's Math.abs(Long.MIN_VALUE) stays negative; masking the sign
		// bit keeps every other value equal to Math.abs and that one in range.
		h = uint64(-int64(h)) & math.MaxInt64
	}
	return h
}
