package ycsb

import (
	"math"
	"math/rand/v2"
)

// ZipfianConstant is YCSB's default skew (theta).
const ZipfianConstant = 0.99

// scrambledItems and scrambledZetan are YCSB's ScrambledZipfianGenerator
// constants: it draws from a Zipfian over 10^10 items (zeta precomputed
// for ZipfianConstant) and hashes the draw into the key space.
const (
	scrambledItems = 10_000_000_000
	scrambledZetan = 26.46902820178302
)

// Zipfian draws integers in [0, n) with P(i) proportional to 1/(i+1)^theta,
// item 0 the most popular, by the method of Gray et al. ("Quickly
// generating billion-record synthetic databases", SIGMOD 1994), as YCSB's
// ZipfianGenerator does. When n grows between calls, zeta is extended
// incrementally (as YCSB does) rather than recomputed. A Zipfian is not safe
// for concurrent use; copies are independent. Draws do not allocate.
type Zipfian struct {
	theta, alpha, zeta2, zetan, eta float64
	halfPowTheta                    float64 // 1 + 0.5^theta, the bound of item 1
	n                               uint64
}

// NewZipfian returns a Zipfian over [0, n) with skew theta (0 < theta < 1).
// Computing zeta costs O(n).
func NewZipfian(n uint64, theta float64) Zipfian {
	return newZipfianZeta(n, theta, zeta(0, n, theta, 0))
}

func newZipfianZeta(n uint64, theta, zetan float64) Zipfian {
	z := Zipfian{theta: theta, alpha: 1 / (1 - theta), zeta2: zeta(0, 2, theta, 0), zetan: zetan, n: n}
	z.eta = (1 - math.Pow(2/float64(n), 1-theta)) / (1 - z.zeta2/zetan)
	z.halfPowTheta = 1 + math.Pow(0.5, theta)
	return z
}

// zeta returns sum_{i=from+1..to} 1/i^theta added to initial.
func zeta(from, to uint64, theta, initial float64) float64 {
	sum := initial
	for i := from; i < to; i++ {
		sum += 1 / math.Pow(float64(i+1), theta)
	}
	return sum
}

// Next draws from [0, n). If n is larger than at the last call, zeta is
// extended to it first; a smaller n keeps the larger zeta (the draw is
// then clamped), as YCSB's latest generator tolerates.
func (z *Zipfian) Next(r *rand.Rand, n uint64) uint64 {
	if n > z.n {
		*z = newZipfianZeta(n, z.theta, zeta(z.n, n, z.theta, z.zetan))
	}
	u := r.Float64()
	uz := u * z.zetan
	var v uint64
	switch {
	case uz < 1:
		v = 0
	case uz < z.halfPowTheta:
		v = 1
	default:
		// exp(alpha*log(x)) is x^alpha, several times faster than math.Pow
		// for the large alpha of theta near 1 (alpha = 100 at 0.99). Its
		// last-bit rounding differs from math.Pow's, so changing it would
		// change the recorded streams (testdata/streams.golden).
		v = uint64(float64(n) * math.Exp(z.alpha*math.Log(z.eta*u-z.eta+1)))
	}
	if v >= n {
		v = n - 1
	}
	return v
}

// ScrambledZipfian draws from [0, n) with Zipfian popularity whose popular
// items are scattered over the range: YCSB's ScrambledZipfianGenerator (a
// Zipfian draw over 10^10 items, FNV-1a hashed, modulo n). The range is
// fixed at construction, so the hot set stays put while records are
// inserted. It is not safe for concurrent use; copies are independent.
// Draws do not allocate.
type ScrambledZipfian struct {
	z Zipfian
	n uint64
}

// NewScrambledZipfian returns a ScrambledZipfian over [0, n) with YCSB's
// constant skew (ZipfianConstant; YCSB precomputes zeta for it only). n
// must be positive.
func NewScrambledZipfian(n uint64) ScrambledZipfian {
	return ScrambledZipfian{z: newZipfianZeta(scrambledItems+1, ZipfianConstant, scrambledZetan), n: n}
}

// Next draws from [0, n).
func (s *ScrambledZipfian) Next(r *rand.Rand) uint64 { return s.NextSalted(r, 0) }

// NextSalted draws from [0, n) like Next, adding salt to the Zipfian rank
// before hashing it: a different salt gives a hot set of the same shape
// on unrelated records (see Shift), and salt 0 is Next.
func (s *ScrambledZipfian) NextSalted(r *rand.Rand, salt uint64) uint64 {
	return FNVHash64(s.z.Next(r, scrambledItems+1)+salt) % s.n
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
		// Java's Math.abs(Long.MIN_VALUE) stays negative; masking the sign bit
		// keeps every other value equal to Math.abs and that one in range.
		h = uint64(-int64(h)) & math.MaxInt64
	}
	return h
}
