package policy

import "math/bits"

// rng is a splitmix64 generator: tiny, fast and good enough for sampling.
// Each policy owns one (seeded from Options.Seed), so there is no global state.
type rng struct{ state uint64 }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a uniform value in [0, n) for n > 0 (Lemire's multiply-shift,
// whose bias is negligible for the sizes sampled here).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}
