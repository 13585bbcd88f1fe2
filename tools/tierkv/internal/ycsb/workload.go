package ycsb

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Distribution names how keys are chosen for reads, updates and scans.
type Distribution string

// The key choosers of YCSB's CoreWorkload.
const (
	DistZipfian Distribution = "zipfian" // scrambled Zipfian (YCSB's "zipfian")
	DistUniform Distribution = "uniform"
	DistLatest  Distribution = "latest" // Zipfian over recency: the newest records are the hottest
)

// ParseDistribution returns the Distribution named s, or
// ErrUnknownDistribution.
func ParseDistribution(s string) (Distribution, error) {
	switch d := Distribution(strings.ToLower(s)); d {
	case DistZipfian, DistUniform, DistLatest:
		return d, nil
	}
	return "", fmt.Errorf("%w: %q (want zipfian, uniform or latest)", ErrUnknownDistribution, s)
}

// OpKind is the kind of one generated operation.
type OpKind int

// The operations of the core workloads.
const (
	Read OpKind = iota
	Update
	Insert
	Scan
	ReadModifyWrite
	numOpKinds
)

var opNames = [numOpKinds]string{"read", "update", "insert", "scan", "rmw"}

// String returns the operation's short name.
func (k OpKind) String() string {
	if k < 0 || k >= numOpKinds {
		return "op(" + strconv.Itoa(int(k)) + ")"
	}
	return opNames[k]
}

// NumOpKinds is the number of OpKinds, for arrays indexed by kind.
const NumOpKinds = int(numOpKinds)

// Workload is an operation mix and key chooser. Proportions sum to 1.
type Workload struct {
	Name          string
	Proportions   [NumOpKinds]float64 // indexed by OpKind
	Distribution  Distribution
	MaxScanLength int // scans read uniform 1..MaxScanLength records
}

// Core returns YCSB core workload name ("a" to "f", either case):
// A 50/50 read/update, B 95/5 read/update, C read only, D 95/5 read/insert
// with the latest distribution, E 95/5 scan/insert, F 50/50
// read/read-modify-write; Zipfian keys except D. It returns
// ErrUnknownWorkload for any other name.
func Core(name string) (Workload, error) {
	w := Workload{Name: strings.ToUpper(name), Distribution: DistZipfian, MaxScanLength: 100}
	p := &w.Proportions
	switch w.Name {
	case "A":
		p[Read], p[Update] = 0.5, 0.5
	case "B":
		p[Read], p[Update] = 0.95, 0.05
	case "C":
		p[Read] = 1
	case "D":
		p[Read], p[Insert] = 0.95, 0.05
		w.Distribution = DistLatest
	case "E":
		p[Scan], p[Insert] = 0.95, 0.05
	case "F":
		p[Read], p[ReadModifyWrite] = 0.5, 0.5
	default:
		return Workload{}, fmt.Errorf("%w: %q (want A, B, C, D, E or F)", ErrUnknownWorkload, name)
	}
	return w, nil
}

// Describe returns the mix as text, e.g. "read 95% insert 5%, latest".
func (w Workload) Describe() string {
	var parts []string
	for k, p := range w.Proportions {
		if p > 0 {
			parts = append(parts, fmt.Sprintf("%s %g%%", OpKind(k), p*100))
		}
	}
	return strings.Join(parts, " ") + ", " + string(w.Distribution)
}

// Keyspace counts the records of a run: the loaded ones plus the inserted
// ones. Like YCSB's AcknowledgedCounterGenerator, it hands out record
// numbers for inserts at once (Claim) but lets reads choose only among
// records whose insert has completed (Ack) along with every record below
// them, so that no read looks for a record still being inserted. It is
// safe for concurrent use and shared by the Generators of one run.
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

// Count returns the number of records that reads may choose from.
func (k *Keyspace) Count() uint64 { return k.acked.Load() }

// claim reserves the next record number for an insert.
func (k *Keyspace) claim() uint64 { return k.next.Add(1) - 1 }

// Ack records that the insert of record n (from an Insert Op) completed.
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

// Op is one generated operation on record KeyNum (see KeyName). After an
// Insert completes, the caller must call Keyspace.Ack(KeyNum).
type Op struct {
	Kind    OpKind
	KeyNum  uint64
	ScanLen int // for Scan
}

// Generator produces the operations of one client thread. It is not safe
// for concurrent use; create one per goroutine with distinct seeds.
type Generator struct {
	w         Workload
	ks        *Keyspace
	r         *rand.Rand
	cum       [NumOpKinds]float64
	scrambled ScrambledZipfian
	latest    Zipfian
}

// NewGenerator returns a generator of w over ks, seeded with seed. The
// distribution dist overrides w.Distribution unless empty. It returns
// ErrBadRecordCount for an empty keyspace and ErrUnknownDistribution.
func NewGenerator(w Workload, dist Distribution, ks *Keyspace, seed uint64) (*Generator, error) {
	if dist != "" {
		w.Distribution = dist
	}
	if _, err := ParseDistribution(string(w.Distribution)); err != nil {
		return nil, err
	}
	n := ks.Count()
	if n == 0 {
		return nil, ErrBadRecordCount
	}
	g := &Generator{w: w, ks: ks, r: rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))}
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
	for k := range NumOpKinds {
		if u < g.cum[k] {
			kind = OpKind(k)
			break
		}
	}
	if kind == Insert {
		return Op{Kind: Insert, KeyNum: g.ks.claim()}
	}
	op := Op{Kind: kind, KeyNum: g.chooseKey()}
	if kind == Scan {
		op.ScanLen = 1 + g.r.IntN(max(g.w.MaxScanLength, 1))
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
	return g.scrambled.Next(g.r)
}

// KeyName appends the key of record n to dst: "user" followed by the FNV
// hash of n in decimal, as YCSB names keys with hashed insert order, so
// that consecutive records are not adjacent in key order.
func KeyName(dst []byte, n uint64) []byte {
	dst = append(dst, "user"...)
	return strconv.AppendUint(dst, FNVHash64(n), 10)
}
