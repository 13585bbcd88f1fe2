package workload

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// Keyspace counts the records of a run: the loaded ones plus the inserted
// ones. As YCSB's AcknowledgedCounterGenerator, it hands out record numbers
// for inserts at once but lets reads choose only among records whose insert
// completed (Ack), along with every record below them. Safe for concurrent
// use; shared by the Generators of one run.
type Keyspace struct {
	next  atomic.Uint64 // the next record number to claim
	acked atomic.Uint64 // records [0, acked) exist

	mu      sync.Mutex
	pending map[uint64]struct{} // acknowledged above acked
}

// NewKeyspace returns a Keyspace holding records 0..loaded-1.
func NewKeyspace(loaded uint64) *Keyspace {
	k := &Keyspace{pending: map[uint64]struct{}{}}
	k.next.Store(loaded)
	k.acked.Store(loaded)
	return k
}

// Count returns the number of records reads may choose from.
func (k *Keyspace) Count() uint64 { return k.acked.Load() }

func (k *Keyspace) claim() uint64 { return k.next.Add(1) - 1 }

// Ack records that the insert of record n (an Insert Op) completed.
func (k *Keyspace) Ack(n uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pending[n] = struct{}{}
	a := k.acked.Load()
	for {
		if _, ok := k.pending[a]; !ok {
			break
		}
		delete(k.pending, a)
		a++
	}
	k.acked.Store(a)
}

// Shift is the hot-set-shift switch shared by the Generators of one run.
// The zero value is unshifted. Safe for concurrent use.
type Shift struct{ on atomic.Bool }

// Flip replaces the hot set from now on.
func (s *Shift) Flip() { s.on.Store(true) }

// Flipped reports whether Flip was called.
func (s *Shift) Flipped() bool { return s.on.Load() }

// shiftSalt is added to Zipfian draws after the shift: far beyond any draw
// with noticeable probability, so the new hot set is unrelated to the old.
const shiftSalt = 1 << 50

// Op is one operation on record KeyNum (see KeyName). After an Insert
// completes, the caller must call Keyspace.Ack(KeyNum).
type Op struct {
	Kind    OpKind
	KeyNum  uint64
	ScanLen int // for Scan: 1..MaxScanLength
}

// Generator produces the operations of one client thread. Not safe for
// concurrent use: one per goroutine, with distinct seeds.
type Generator struct {
	w      Workload
	ks     *Keyspace
	shift  *Shift
	r      *rand.Rand
	cum    [NumOpKinds]float64
	scr    scrambled
	latest zipfian
}

// NewGenerator returns a generator of w over ks, seeded with seed. shift
// may be nil unless w.HotShift. It returns ErrEmptyKeyspace for an empty ks.
func NewGenerator(w Workload, ks *Keyspace, shift *Shift, seed uint64) (*Generator, error) {
	n := ks.Count()
	if n == 0 {
		return nil, ErrEmptyKeyspace
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
	case Zipfian:
		g.scr = newScrambled()
	case Latest:
		g.latest = newZipfian(n, ZipfianConstant)
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
		op.ScanLen = 1 + g.r.IntN(MaxScanLength)
	}
	return op
}

// chooseKey picks an existing record by the workload's distribution.
func (g *Generator) chooseKey() uint64 {
	n := g.ks.Count()
	switch g.w.Distribution {
	case Uniform:
		return g.r.Uint64N(n)
	case Latest:
		// YCSB's SkewedLatestGenerator: the newest record is the most popular.
		return n - 1 - g.latest.next(g.r, n)
	}
	var salt uint64
	if g.w.HotShift && g.shift.Flipped() {
		salt = shiftSalt
	}
	return g.scr.next(g.r, n, salt)
}
