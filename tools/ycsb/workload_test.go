package ycsb

import (
	"errors"
	"testing"
)

func TestCore(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		mix        map[OpKind]float64
		dist       Distribution
	}{
		{"a", "A", map[OpKind]float64{Read: 0.5, Update: 0.5}, DistZipfian},
		{"B", "B", map[OpKind]float64{Read: 0.95, Update: 0.05}, DistZipfian},
		{"C", "C", map[OpKind]float64{Read: 1}, DistZipfian},
		{"D", "D", map[OpKind]float64{Read: 0.95, Insert: 0.05}, DistLatest},
		{"E", "E", map[OpKind]float64{Scan: 0.95, Insert: 0.05}, DistZipfian},
		{"f", "F", map[OpKind]float64{Read: 0.5, ReadModifyWrite: 0.5}, DistZipfian},
	} {
		t.Run("workload="+tc.name, func(t *testing.T) {
			w, err := Core(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if w.Name != tc.want || w.Distribution != tc.dist || w.MaxScanLength != DefaultMaxScanLength || w.HotShift {
				t.Errorf("Core(%q) = %+v, want name %s, %s", tc.name, w, tc.want, tc.dist)
			}
			for k := range OpKind(NumOpKinds) {
				if w.Proportions[k] != tc.mix[k] {
					t.Errorf("%s: proportion %g, want %g", k, w.Proportions[k], tc.mix[k])
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, name string
		dist     Distribution
		wantErr  []error
	}{
		{"a", "A-zipf", DistZipfian, nil},
		{"D", "D-latest", DistLatest, nil},
		{" d-uniform ", "D-uniform", DistUniform, nil},
		{"C-zipf", "C-zipf", DistZipfian, nil},
		{"b-ZIPFIAN", "B-zipf", DistZipfian, nil},
		{"A-latest", "A-latest", DistLatest, nil},
		{"HotShift", HotShiftName, DistZipfian, nil},
		{"G", "", "", []error{ErrUnknownWorkload}},
		{"", "", "", []error{ErrUnknownWorkload}},
		{"A-pareto", "", "", []error{ErrUnknownWorkload, ErrUnknownDistribution}},
	} {
		t.Run("spec="+tc.in, func(t *testing.T) {
			w, err := Parse(tc.in)
			if tc.wantErr != nil {
				for _, e := range tc.wantErr {
					if !errors.Is(err, e) {
						t.Errorf("Parse(%q) = %v, want %v", tc.in, err, e)
					}
				}
				return
			}
			if err != nil || w.Name != tc.name || w.Distribution != tc.dist {
				t.Fatalf("Parse(%q) = %+v, %v; want name %s dist %s", tc.in, w, err, tc.name, tc.dist)
			}
		})
	}
}

// TestStandard checks that the peer benchmark's list parses to itself.
func TestStandard(t *testing.T) {
	for _, n := range Standard() {
		t.Run("spec="+n, func(t *testing.T) {
			w, err := Parse(n)
			if err != nil || w.Name != n {
				t.Fatalf("Parse(%q) = %q, %v", n, w.Name, err)
			}
		})
	}
}

func TestHotShiftWorkload(t *testing.T) {
	w, err := Parse(HotShiftName)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Core("B")
	if !w.HotShift || w.Proportions != b.Proportions || w.Distribution != DistZipfian {
		t.Fatalf("hotshift = %+v, want B's mix over Zipfian keys with HotShift", w)
	}
}

func TestParseDistribution(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Distribution
		ok   bool
	}{
		{"zipfian", DistZipfian, true}, {"Zipf", DistZipfian, true}, {"UNIFORM", DistUniform, true},
		{"latest", DistLatest, true}, {"pareto", "", false}, {"", "", false},
	} {
		t.Run("dist="+tc.in, func(t *testing.T) {
			d, err := ParseDistribution(tc.in)
			if tc.ok != (err == nil) || d != tc.want {
				t.Fatalf("ParseDistribution(%q) = %q, %v", tc.in, d, err)
			}
			if !tc.ok && !errors.Is(err, ErrUnknownDistribution) {
				t.Fatalf("ParseDistribution(%q) error %v, want ErrUnknownDistribution", tc.in, err)
			}
		})
	}
}

func TestDescribeAndWrites(t *testing.T) {
	for _, tc := range []struct {
		spec, describe string
		writes         bool
	}{
		{"C", "read 100%, zipfian", false},
		{"D", "read 95% insert 5%, latest", true},
		{"E-uniform", "insert 5% scan 95%, uniform", true},
		{"F", "read 50% rmw 50%, zipfian", true},
		{HotShiftName, "read 95% update 5%, zipfian, hot set replaced halfway", true},
	} {
		t.Run("spec="+tc.spec, func(t *testing.T) {
			w, err := Parse(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.Describe(); got != tc.describe {
				t.Errorf("Describe() = %q, want %q", got, tc.describe)
			}
			if w.Writes() != tc.writes {
				t.Errorf("Writes() = %v, want %v", w.Writes(), tc.writes)
			}
		})
	}
}

func TestWithDistribution(t *testing.T) {
	w, _ := Core("D")
	if got := w.WithDistribution(""); got != w {
		t.Errorf("WithDistribution(\"\") changed the workload: %+v", got)
	}
	u := w.WithDistribution(DistUniform)
	if u.Distribution != DistUniform || u.Name != "D" || u.Proportions != w.Proportions {
		t.Errorf("WithDistribution(uniform) = %+v", u)
	}
	if w.Distribution != DistLatest {
		t.Errorf("WithDistribution changed its receiver to %s", w.Distribution)
	}
}

func TestOpKindString(t *testing.T) {
	for _, tc := range []struct {
		k    OpKind
		want string
	}{{Read, "read"}, {ReadModifyWrite, "rmw"}, {NumOpKinds, "op(5)"}, {-1, "op(-1)"}} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.k.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}
