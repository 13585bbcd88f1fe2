package policy

import "math/bits"

// The count-min sketch follows Caffeine's FrequencySketch: 4-bit counters,
// sixteen to a word, the four counters of a key inside one 64-byte block of
// eight words (one cache line per increment or estimate), halved when the
// number of increments reaches ten times the expected entries so that old
// popularity fades. In front of it sits a doorkeeper (TinyLFU paper, section
// 3.4.2): a Bloom filter that absorbs each key's first access, so keys seen
// once per period never occupy counters and the counters stay precise for
// the keys that matter.
const (
	sketchMaxCount  = 15                 // a 4-bit counter saturates here
	sketchOneMask   = 0x1111111111111111 // the low bit of every counter
	sketchResetMask = 0x7777777777777777 // clears what a shift moves across counters
	sketchSamples   = 10                 // increments per period, per expected entry
	sketchMinWords  = 8                  // one block
	sketchMinSample = 64                 // entries assumed at least, for aging periods
	doorBitsPerKey  = 8                  // doorkeeper bits per expected entry (rounded up to 2^k)
)

// sketch estimates access frequencies with a 4-bit count-min sketch behind
// a doorkeeper. Estimates are in 0..16 (15 from the counters, 1 from the
// doorkeeper).
type sketch struct {
	table      []uint64
	blockMask  uint64
	door       []uint64 // nil when the doorkeeper is disabled
	doorMask   uint64
	size       int // increments since the last reset
	sampleSize int
	expected   int
}

func newSketch(expected int, doorkeeper bool) *sketch {
	s := &sketch{}
	s.resize(expected, doorkeeper)
	return s
}

// resize allocates the sketch for expected entries, forgetting all counts.
func (s *sketch) resize(expected int, doorkeeper bool) {
	expected = max(expected, 1)
	words := max(sketchMinWords, ceilPow2(expected))
	s.table = make([]uint64, words)
	s.blockMask = uint64(words/8 - 1)
	s.expected = expected
	s.sampleSize = sketchSamples * expected
	s.size = 0
	s.door = nil
	if doorkeeper {
		dbits := ceilPow2(doorBitsPerKey * expected)
		s.door = make([]uint64, max(1, dbits/64))
		s.doorMask = uint64(len(s.door)*64 - 1)
	}
}

// ensure grows the sketch when the cache holds clearly more entries than it
// was sized for (byte-weighted caches learn their entry count as they fill).
// The slack keeps a cache sized exactly, which holds one entry too many
// between an insert and its eviction, from resizing (and forgetting).
func (s *sketch) ensure(entries int) {
	if entries > s.expected+s.expected/4+1 {
		s.resize(max(entries, 2*s.expected), s.door != nil)
	}
}

// spread remixes a caller's hash so that weak hashes still spread over
// blocks, counters and doorkeeper bits.
func spread(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// slots returns the word and bit offset of the key's i-th counter.
func (s *sketch) slot(h uint64, i uint) (word int, shift uint) {
	block := (h & s.blockMask) << 3
	b := h >> (32 + i*8)
	return int(block + (b & 1) + uint64(i)<<1), uint((b>>1)&15) << 2
}

// doorHas reports whether the doorkeeper has seen h; doorAdd records it.
func (s *sketch) doorBits(h uint64) (uint64, uint64) {
	return (h * 0x9e3779b97f4a7c15) >> 20 & s.doorMask, (h * 0xbf58476d1ce4e5b9) >> 20 & s.doorMask
}

func (s *sketch) doorHas(h uint64) bool {
	a, b := s.doorBits(h)
	return s.door[a>>6]&(1<<(a&63)) != 0 && s.door[b>>6]&(1<<(b&63)) != 0
}

func (s *sketch) doorAdd(h uint64) {
	a, b := s.doorBits(h)
	s.door[a>>6] |= 1 << (a & 63)
	s.door[b>>6] |= 1 << (b & 63)
}

// increment records one access of the key hashing to hash.
func (s *sketch) increment(hash uint64) {
	h := spread(hash)
	if s.door != nil && !s.doorHas(h) {
		s.doorAdd(h)
		s.tick()
		return
	}
	added := false
	for i := range uint(4) {
		w, sh := s.slot(h, i)
		if (s.table[w]>>sh)&sketchMaxCount != sketchMaxCount {
			s.table[w] += 1 << sh
			added = true
		}
	}
	if added {
		s.tick()
	}
}

func (s *sketch) tick() {
	s.size++
	if s.size >= s.sampleSize {
		s.reset()
	}
}

// estimate returns the estimated number of recent accesses of hash.
func (s *sketch) estimate(hash uint64) int {
	h := spread(hash)
	est := sketchMaxCount
	for i := range uint(4) {
		w, sh := s.slot(h, i)
		est = min(est, int((s.table[w]>>sh)&sketchMaxCount))
	}
	if s.door != nil && s.doorHas(h) {
		est++
	}
	return est
}

// reset halves every counter and clears the doorkeeper: the aging step.
func (s *sketch) reset() {
	odd := 0
	for i, w := range s.table {
		odd += bits.OnesCount64(w & sketchOneMask)
		s.table[i] = (w >> 1) & sketchResetMask
	}
	clear(s.door)
	s.size = max(0, (s.size-odd/4)/2)
}

func ceilPow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}
