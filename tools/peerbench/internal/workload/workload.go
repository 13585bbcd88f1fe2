package workload

import (
	"fmt"
	"strconv"
	"strings"
)

// Distribution names how keys are chosen for reads, updates and scans.
type Distribution string

// The key choosers.
const (
	Zipfian Distribution = "zipf"    // YCSB's scrambled Zipfian, theta 0.99
	Uniform Distribution = "uniform" // every existing record equally likely
	Latest  Distribution = "latest"  // Zipfian over recency: the newest records are hottest
)

// OpKind is the kind of one operation.
type OpKind int

// The operations of the core workloads.
const (
	Read OpKind = iota
	Update
	Insert
	Scan
	ReadModifyWrite
	NumOpKinds = iota
)

var opNames = [NumOpKinds]string{"read", "update", "insert", "scan", "rmw"}

// String returns the operation's short name.
func (k OpKind) String() string {
	if k < 0 || k >= NumOpKinds {
		return "op(" + strconv.Itoa(int(k)) + ")"
	}
	return opNames[k]
}

// MaxScanLength is YCSB's default: scans read uniform 1..100 records.
const MaxScanLength = 100

// HotShiftName is the name of the hot-set-shift workload: workload B's mix
// (95% reads, 5% updates) over Zipfian keys whose hot set is replaced by an
// unrelated one when the run's Shift switch flips (halfway through the
// measured phase), so a cache must adapt to keep its hit ratio.
const HotShiftName = "hotshift"

// Workload is an operation mix and a key chooser.
type Workload struct {
	Name         string              // e.g. "A-zipf", "D-latest", "C-uniform", "hotshift"
	Proportions  [NumOpKinds]float64 // indexed by OpKind; they sum to 1
	Distribution Distribution
	HotShift     bool // the hot set changes when the run's Shift flips
}

// core returns the mix of YCSB core workload letter (A–F) and its own
// distribution (latest for D, Zipfian otherwise).
func core(letter string) ([NumOpKinds]float64, Distribution, bool) {
	var p [NumOpKinds]float64
	dist := Zipfian
	switch letter {
	case "A":
		p[Read], p[Update] = 0.5, 0.5
	case "B":
		p[Read], p[Update] = 0.95, 0.05
	case "C":
		p[Read] = 1
	case "D":
		p[Read], p[Insert] = 0.95, 0.05
		dist = Latest
	case "E":
		p[Scan], p[Insert] = 0.95, 0.05
	case "F":
		p[Read], p[ReadModifyWrite] = 0.5, 0.5
	default:
		return p, "", false
	}
	return p, dist, true
}

// Parse returns the workload named name: a YCSB letter A–F, optionally
// followed by "-zipf", "-uniform" or "-latest" to override its key chooser
// (the default is YCSB's: latest for D, Zipfian otherwise), or "hotshift".
// Case is ignored. It returns ErrUnknownWorkload for anything else.
func Parse(name string) (Workload, error) {
	s := strings.ToLower(strings.TrimSpace(name))
	if s == HotShiftName {
		p, _, _ := core("B")
		return Workload{Name: HotShiftName, Proportions: p, Distribution: Zipfian, HotShift: true}, nil
	}
	letter, dist, _ := strings.Cut(s, "-")
	p, def, ok := core(strings.ToUpper(letter))
	if !ok {
		return Workload{}, fmt.Errorf("%w: %q", ErrUnknownWorkload, name)
	}
	d := def
	switch Distribution(dist) {
	case "":
	case Zipfian, Uniform, Latest:
		d = Distribution(dist)
	default:
		return Workload{}, fmt.Errorf("%w: %q (distribution: zipf, uniform or latest)", ErrUnknownWorkload, name)
	}
	return Workload{Name: strings.ToUpper(letter) + "-" + string(d), Proportions: p, Distribution: d}, nil
}

// Standard is peerbench's default list: A–F with YCSB's own chooser
// (Zipfian; latest for D), A–F with uniform keys, and the hot-set shift.
func Standard() []string {
	return []string{
		"A-zipf", "B-zipf", "C-zipf", "D-latest", "E-zipf", "F-zipf",
		"A-uniform", "B-uniform", "C-uniform", "D-uniform", "E-uniform", "F-uniform",
		HotShiftName,
	}
}

// Describe returns the mix as text, e.g. "read 95% insert 5%, latest".
func (w Workload) Describe() string {
	var parts []string
	for k, p := range w.Proportions {
		if p > 0 {
			parts = append(parts, fmt.Sprintf("%s %g%%", OpKind(k), p*100))
		}
	}
	s := strings.Join(parts, " ") + ", " + string(w.Distribution)
	if w.HotShift {
		s += ", hot set replaced halfway"
	}
	return s
}

// Writes reports whether the workload writes at all.
func (w Workload) Writes() bool {
	return w.Proportions[Update]+w.Proportions[Insert]+w.Proportions[ReadModifyWrite] > 0
}

// KeyName appends the key of record n to dst: "user" and the FNV hash of n
// in decimal, as YCSB names keys, so that consecutive records are not
// adjacent in key order.
func KeyName(dst []byte, n uint64) []byte {
	dst = append(dst, "user"...)
	return strconv.AppendUint(dst, FNVHash64(n), 10)
}
