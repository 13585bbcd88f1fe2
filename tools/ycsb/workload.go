package ycsb

import (
	"fmt"
	"strconv"
	"strings"
)

// Distribution names how keys are chosen for reads, updates and scans.
type Distribution string

// The key choosers of YCSB's CoreWorkload.
const (
	DistZipfian Distribution = "zipfian" // scrambled Zipfian (YCSB's "zipfian"), theta 0.99
	DistUniform Distribution = "uniform" // every existing record equally likely
	DistLatest  Distribution = "latest"  // Zipfian over recency: the newest records are the hottest
)

// ParseDistribution returns the Distribution named s (any case; "zipf" is
// short for zipfian), or ErrUnknownDistribution.
func ParseDistribution(s string) (Distribution, error) {
	switch d := Distribution(strings.ToLower(s)); d {
	case DistZipfian, DistUniform, DistLatest:
		return d, nil
	case "zipf":
		return DistZipfian, nil
	}
	return "", fmt.Errorf("%w: %q (want zipfian, uniform or latest)", ErrUnknownDistribution, s)
}

// short returns the name Parse puts after a workload's letter.
func (d Distribution) short() string {
	if d == DistZipfian {
		return "zipf"
	}
	return string(d)
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
)

// NumOpKinds is the number of OpKinds, for arrays indexed by kind.
const NumOpKinds = 5

var opNames = [NumOpKinds]string{"read", "update", "insert", "scan", "rmw"}

// String returns the operation's short name.
func (k OpKind) String() string {
	if k < 0 || k >= NumOpKinds {
		return "op(" + strconv.Itoa(int(k)) + ")"
	}
	return opNames[k]
}

// DefaultMaxScanLength is YCSB's maxscanlength: scans read uniform
// 1..100 records.
const DefaultMaxScanLength = 100

// HotShiftName is the name Parse gives the hot-set-shift workload:
// workload B's mix (95% reads, 5% updates) over scrambled Zipfian keys
// whose hot set is replaced by an unrelated one when the run's Shift
// flips, so that a cache must adapt to keep its hit ratio.
const HotShiftName = "hotshift"

// Workload is an operation mix and a key chooser. It is a plain value:
// copies are independent.
type Workload struct {
	Name          string              // "A" from Core; "A-zipf", "D-latest", "hotshift" from Parse
	Proportions   [NumOpKinds]float64 // indexed by OpKind; they sum to 1
	Distribution  Distribution
	MaxScanLength int  // scans read uniform 1..MaxScanLength records; 0 means DefaultMaxScanLength
	HotShift      bool // the scrambled Zipfian's hot set changes when the run's Shift flips
}

// Core returns YCSB core workload name ("a" to "f", either case):
// A 50/50 read/update, B 95/5 read/update, C read only, D 95/5 read/insert
// with the latest distribution, E 95/5 scan/insert, F 50/50
// read/read-modify-write; Zipfian keys except D. Its Name is the upper-case
// letter. It returns ErrUnknownWorkload for any other name.
func Core(name string) (Workload, error) {
	w := Workload{Name: strings.ToUpper(name), Distribution: DistZipfian, MaxScanLength: DefaultMaxScanLength}
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

// Parse returns the workload named spec: a core letter A–F, optionally
// followed by "-zipf" (or "-zipfian"), "-uniform" or "-latest" to override
// its key chooser, or HotShiftName. Case and surrounding space are ignored.
// The Name is canonical: the upper-case letter, a dash and the chooser
// ("A-zipf", "D-latest"), or HotShiftName. It returns ErrUnknownWorkload
// for anything else, also matching ErrUnknownDistribution if only the
// chooser is unknown.
func Parse(spec string) (Workload, error) {
	s := strings.ToLower(strings.TrimSpace(spec))
	if s == HotShiftName {
		w, _ := Core("B")
		w.Name, w.HotShift = HotShiftName, true
		return w, nil
	}
	letter, dist, _ := strings.Cut(s, "-")
	w, err := Core(letter)
	if err != nil {
		return Workload{}, err
	}
	if dist != "" {
		if w.Distribution, err = ParseDistribution(dist); err != nil {
			return Workload{}, fmt.Errorf("%w %q: %w", ErrUnknownWorkload, spec, err)
		}
	}
	w.Name += "-" + w.Distribution.short()
	return w, nil
}

// Standard returns the workload list of a peer benchmark: A–F with YCSB's
// own chooser (Zipfian; latest for D), A–F with uniform keys, and the
// hot-set shift. Each parses with Parse.
func Standard() []string {
	return []string{
		"A-zipf", "B-zipf", "C-zipf", "D-latest", "E-zipf", "F-zipf",
		"A-uniform", "B-uniform", "C-uniform", "D-uniform", "E-uniform", "F-uniform",
		HotShiftName,
	}
}

// WithDistribution returns w with its key chooser replaced by d, or w
// unchanged if d is empty. The Name is kept.
func (w Workload) WithDistribution(d Distribution) Workload {
	if d != "" {
		w.Distribution = d
	}
	return w
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
