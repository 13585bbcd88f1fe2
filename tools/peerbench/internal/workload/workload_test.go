package workload

import (
	"encoding/binary"
	"errors"
	"hash/fnv"
	"math"
	"slices"
	"testing"
)

func TestFNVHash64(t *testing.T) {
	for _, v := range []uint64{0, 1, 255, 256, 1 << 40, math.MaxUint64} {
		h := fnv.New64a()
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
		want := int64(h.Sum64())
		if want < 0 {
			want = -want
		}
		if got := FNVHash64(v); got != uint64(want) {
			t.Errorf("FNVHash64(%d) = %d, want %d", v, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, name string
		dist     Distribution
		err      bool
	}{
		{"a", "A-zipf", Zipfian, false},
		{"D", "D-latest", Latest, false},
		{"d-uniform", "D-uniform", Uniform, false},
		{"C-zipf", "C-zipf", Zipfian, false},
		{"hotshift", HotShiftName, Zipfian, false},
		{"G", "", "", true},
		{"A-pareto", "", "", true},
	} {
		t.Run("name="+tc.in, func(t *testing.T) {
			w, err := Parse(tc.in)
			if tc.err {
				if !errors.Is(err, ErrUnknownWorkload) {
					t.Fatalf("Parse(%q) = %v, want ErrUnknownWorkload", tc.in, err)
				}
				return
			}
			if err != nil || w.Name != tc.name || w.Distribution != tc.dist {
				t.Fatalf("Parse(%q) = %+v, %v; want name %s dist %s", tc.in, w, err, tc.name, tc.dist)
			}
		})
	}
	for _, n := range Standard() {
		if _, err := Parse(n); err != nil {
			t.Errorf("standard workload %q: %v", n, err)
		}
	}
}

func TestMixes(t *testing.T) {
	for _, tc := range []struct {
		name string
		want map[OpKind]float64
	}{
		{"A", map[OpKind]float64{Read: 0.5, Update: 0.5}},
		{"B", map[OpKind]float64{Read: 0.95, Update: 0.05}},
		{"C", map[OpKind]float64{Read: 1}},
		{"D", map[OpKind]float64{Read: 0.95, Insert: 0.05}},
		{"E", map[OpKind]float64{Scan: 0.95, Insert: 0.05}},
		{"F", map[OpKind]float64{Read: 0.5, ReadModifyWrite: 0.5}},
	} {
		t.Run("workload="+tc.name, func(t *testing.T) {
			w, err := Parse(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			ks := NewKeyspace(1000)
			g, err := NewGenerator(w, ks, nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			const n = 50000
			var counts [NumOpKinds]int
			for range n {
				op := g.Next()
				counts[op.Kind]++
				if op.Kind == Insert {
					ks.Ack(op.KeyNum)
				} else if op.KeyNum >= ks.Count() {
					t.Fatalf("key %d beyond the %d records", op.KeyNum, ks.Count())
				}
				if op.Kind == Scan && (op.ScanLen < 1 || op.ScanLen > MaxScanLength) {
					t.Fatalf("scan length %d", op.ScanLen)
				}
			}
			for k := range OpKind(NumOpKinds) {
				if got := float64(counts[k]) / n; math.Abs(got-tc.want[k]) > 0.01 {
					t.Errorf("%s: %.3f, want %.3f", k, got, tc.want[k])
				}
			}
		})
	}
}

// draws returns how often each key was chosen in n reads of w.
func draws(t *testing.T, w Workload, records uint64, shift *Shift, seed uint64, n int) map[uint64]int {
	t.Helper()
	g, err := NewGenerator(w, NewKeyspace(records), shift, seed)
	if err != nil {
		t.Fatal(err)
	}
	m := map[uint64]int{}
	for range n {
		m[g.chooseKey()]++
	}
	return m
}

// top returns the k most frequent keys of m.
func top(m map[uint64]int, k int) []uint64 {
	keys := make([]uint64, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b uint64) int { return m[b] - m[a] })
	return keys[:min(k, len(keys))]
}

func TestSkew(t *testing.T) {
	const records, n = 10_000, 200_000
	for _, tc := range []struct {
		dist           Distribution
		minTop, maxTop float64 // share of draws on the 1% hottest keys
	}{
		{Zipfian, 0.15, 0.5},
		{Uniform, 0.005, 0.02},
	} {
		t.Run("dist="+string(tc.dist), func(t *testing.T) {
			m := draws(t, Workload{Proportions: [NumOpKinds]float64{1}, Distribution: tc.dist}, records, nil, 7, n)
			sum := 0
			for _, k := range top(m, records/100) {
				sum += m[k]
			}
			if share := float64(sum) / n; share < tc.minTop || share > tc.maxTop {
				t.Errorf("hottest 1%% of keys got %.3f of draws, want [%.3f, %.3f]", share, tc.minTop, tc.maxTop)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	w, _ := Parse("A")
	a := draws(t, w, 10_000, nil, 42, 1000)
	b := draws(t, w, 10_000, nil, 42, 1000)
	c := draws(t, w, 10_000, nil, 43, 1000)
	if !maps(a, b) {
		t.Fatal("same seed, different streams")
	}
	if maps(a, c) {
		t.Fatal("different seeds, same stream")
	}
}

func maps(a, b map[uint64]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestHotShiftReplacesHotSet(t *testing.T) {
	w, _ := Parse(HotShiftName)
	var sh Shift
	before := top(draws(t, w, 100_000, &sh, 1, 100_000), 100)
	sh.Flip()
	after := top(draws(t, w, 100_000, &sh, 1, 100_000), 100)
	overlap := 0
	for _, k := range after {
		if slices.Contains(before, k) {
			overlap++
		}
	}
	if overlap > 5 {
		t.Fatalf("%d of the 100 hottest keys survived the shift", overlap)
	}
	// Without HotShift the switch changes nothing.
	b, _ := Parse("B")
	if !maps(draws(t, b, 1000, &sh, 1, 1000), draws(t, b, 1000, nil, 1, 1000)) {
		t.Fatal("Shift changed a workload without HotShift")
	}
}

func TestLatestPrefersNewRecords(t *testing.T) {
	w, _ := Parse("D")
	ks := NewKeyspace(10_000)
	g, err := NewGenerator(w, ks, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	newest := 0
	reads := 0
	for range 20_000 {
		op := g.Next()
		switch op.Kind {
		case Insert:
			ks.Ack(op.KeyNum)
		case Read:
			reads++
			if op.KeyNum+100 >= ks.Count() {
				newest++
			}
		}
	}
	if share := float64(newest) / float64(reads); share < 0.3 {
		t.Fatalf("only %.3f of reads hit the 100 newest records", share)
	}
}

func TestEmptyKeyspace(t *testing.T) {
	w, _ := Parse("C")
	if _, err := NewGenerator(w, NewKeyspace(0), nil, 1); !errors.Is(err, ErrEmptyKeyspace) {
		t.Fatalf("got %v, want ErrEmptyKeyspace", err)
	}
}
