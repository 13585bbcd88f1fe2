package ycsb

import "math/rand/v2"

// Op is one generated operation on record KeyNum (see KeyName). After an
// Insert completes, the caller must call Keyspace.Ack(KeyNum).
type Op struct {
	Kind    OpKind
	KeyNum  uint64
	ScanLen int // for Scan: 1..MaxScanLength
}

// Generator produces the operations of one client thread. It is not safe
// for concurrent use: create one per goroutine, seeded with ThreadSeed.
// Next does not allocate.
type Generator struct {
	w         Workload
	ks        *Keyspace
	shift     *Shift
	r         *rand.Rand
	cum       [NumOpKinds]float64
	scrambled ScrambledZipfian
	latest    Zipfian
}

// ThreadSeed returns the generator seed of client thread i of a run seeded
// with seed, so that every tool derives the same per-thread streams.
func ThreadSeed(seed uint64, i int) uint64 { return seed + uint64(i)*7919 }

// NewGenerator returns a generator of w over ks, seeded with seed. shift
// is the run's hot-set switch, consulted only if w.HotShift; nil means
// never flipped. The scrambled Zipfian chooser spans the records ks holds
// now, as YCSB's spans the records loaded. It returns ErrEmptyKeyspace for
// an empty ks and ErrUnknownDistribution for a bad w.Distribution.
func NewGenerator(w Workload, ks *Keyspace, shift *Shift, seed uint64) (*Generator, error) {
	if _, err := ParseDistribution(string(w.Distribution)); err != nil {
		return nil, err
	}
	n := ks.Count()
	if n == 0 {
		return nil, ErrEmptyKeyspace
	}
	if w.MaxScanLength <= 0 {
		w.MaxScanLength = DefaultMaxScanLength
	}
	if shift == nil {
		shift = &Shift{}
	}
	g := &Generator{w: w, ks: ks, shift: shift, r: rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))}
	sum := 0.0
	for k, p := range w.Proportions {
		sum += p
		g.cum[k] = sum
	}
	switch w.Distribution {
	case DistZipfian:
		g.scrambled = NewScrambledZipfian(n)
	case DistLatest:
		g.latest = NewZipfian(n, ZipfianConstant)
	}
	return g, nil
}

// Next returns the next operation.
func (g *Generator) Next() Op {
	u := g.r.Float64() * g.cum[NumOpKinds-1]
	kind := Read
	for k := range OpKind(NumOpKinds) {
		if u < g.cum[k] {
			kind = k
			break
		}
	}
	if kind == Insert {
		return Op{Kind: Insert, KeyNum: g.ks.claim()}
	}
	op := Op{Kind: kind, KeyNum: g.chooseKey()}
	if kind == Scan {
		op.ScanLen = 1 + g.r.IntN(g.w.MaxScanLength)
	}
	return op
}

// chooseKey picks an existing record by the workload's distribution.
func (g *Generator) chooseKey() uint64 {
	n := g.ks.Count()
	switch g.w.Distribution {
	case DistUniform:
		return g.r.Uint64N(n)
	case DistLatest:
		// YCSB's SkewedLatestGenerator: the newest record is the most popular.
		return n - 1 - g.latest.Next(g.r, n)
	}
	var salt uint64
	if g.w.HotShift && g.shift.Flipped() {
		salt = shiftSalt
	}
	return g.scrambled.NextSalted(g.r, salt)
}
