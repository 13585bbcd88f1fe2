package ycsb

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
)

// TestMixes checks each core workload's operation proportions, scan
// lengths and key ranges over a stream whose inserts are acknowledged.
func TestMixes(t *testing.T) {
	for _, name := range []string{"A", "B", "C", "D", "E", "F"} {
		t.Run("workload="+name, func(t *testing.T) {
			w, err := Core(name)
			if err != nil {
				t.Fatal(err)
			}
			ks := NewKeyspace(1000)
			g, err := NewGenerator(w, ks, nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			const n = 100000
			var counts [NumOpKinds]int
			for range n {
				op := g.Next()
				counts[op.Kind]++
				if op.Kind == Insert {
					ks.Ack(op.KeyNum)
				} else if op.KeyNum >= ks.Count() {
					t.Fatalf("%s of key %d beyond the %d records", op.Kind, op.KeyNum, ks.Count())
				}
				if (op.Kind == Scan) != (op.ScanLen != 0) || op.ScanLen < 0 || op.ScanLen > DefaultMaxScanLength {
					t.Fatalf("%s with scan length %d", op.Kind, op.ScanLen)
				}
			}
			for k := range OpKind(NumOpKinds) {
				if got := float64(counts[k]) / n; math.Abs(got-w.Proportions[k]) > 0.01 {
					t.Errorf("%s: proportion %.3f, want %.3f", k, got, w.Proportions[k])
				}
			}
			if ks.Count() != 1000+uint64(counts[Insert]) {
				t.Errorf("keyspace %d after %d inserts", ks.Count(), counts[Insert])
			}
		})
	}
}

func TestMaxScanLength(t *testing.T) {
	for _, max := range []int{1, 7} {
		t.Run(fmt.Sprintf("max=%d", max), func(t *testing.T) {
			w, _ := Core("E")
			w.MaxScanLength = max
			g, err := NewGenerator(w, NewKeyspace(100), nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[int]bool{}
			for range 2000 {
				if op := g.Next(); op.Kind == Scan {
					seen[op.ScanLen] = true
				}
			}
			for l := range seen {
				if l < 1 || l > max {
					t.Fatalf("scan length %d outside 1..%d", l, max)
				}
			}
			if len(seen) != max {
				t.Fatalf("%d distinct scan lengths, want all %d", len(seen), max)
			}
		})
	}
}

func TestNewGeneratorErrors(t *testing.T) {
	c, _ := Core("C")
	for _, tc := range []struct {
		name    string
		w       Workload
		records uint64
		want    error
	}{
		{"empty", c, 0, ErrEmptyKeyspace},
		{"dist=pareto", c.WithDistribution("pareto"), 10, ErrUnknownDistribution},
		{"dist=none", Workload{Proportions: c.Proportions}, 10, ErrUnknownDistribution},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewGenerator(tc.w, NewKeyspace(tc.records), nil, 1); !errors.Is(err, tc.want) {
				t.Fatalf("NewGenerator = %v, want %v", err, tc.want)
			}
		})
	}
}

// keyDraws returns how often each key was chosen in n reads of w over a
// keyspace of records.
func keyDraws(t *testing.T, w Workload, records uint64, shift *Shift, seed uint64, n int) map[uint64]int {
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

// hottest returns the k most frequent keys of m, ties by key.
func hottest(m map[uint64]int, k int) []uint64 {
	keys := make([]uint64, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b uint64) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return int(a) - int(b)
	})
	return keys[:min(k, len(keys))]
}

// TestSkew checks the share of the hottest 1% of keys per chooser.
func TestSkew(t *testing.T) {
	const records, n = 10_000, 200_000
	for _, tc := range []struct {
		dist           Distribution
		minTop, maxTop float64
	}{
		{DistZipfian, 0.15, 0.3},
		{DistUniform, 0.005, 0.02},
		{DistLatest, 0.45, 0.6}, // a plain Zipfian: 1 - zeta(100)/zeta(10^4) = 0.52
	} {
		t.Run("dist="+string(tc.dist), func(t *testing.T) {
			m := keyDraws(t, Workload{Proportions: [NumOpKinds]float64{1}, Distribution: tc.dist}, records, nil, 7, n)
			sum := 0
			for _, k := range hottest(m, records/100) {
				sum += m[k]
			}
			if share := float64(sum) / n; share < tc.minTop || share > tc.maxTop {
				t.Errorf("hottest 1%% of keys got %.3f of draws, want [%.3f, %.3f]", share, tc.minTop, tc.maxTop)
			}
		})
	}
}

// drive runs n operations of w over ks from seed, acknowledging each
// insert at once, and calls visit with every other operation.
func drive(t *testing.T, w Workload, ks *Keyspace, seed uint64, n int, visit func(i int, op Op)) {
	t.Helper()
	g, err := NewGenerator(w, ks, nil, seed)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if op := g.Next(); op.Kind == Insert {
			ks.Ack(op.KeyNum)
		} else {
			visit(i, op)
		}
	}
}

func TestLatestPrefersNewest(t *testing.T) {
	w, _ := Core("D")
	ks := NewKeyspace(10000)
	recent, reads := 0, 0
	drive(t, w, ks, 7, 50000, func(_ int, op Op) {
		reads++
		if op.KeyNum+100 >= ks.Count() {
			recent++
		}
	})
	if frac := float64(recent) / float64(reads); frac < 0.4 {
		t.Errorf("the newest 100 records drew %.2f of reads, want > 0.4", frac)
	}
}

// TestZipfianHotSetStaysWhileInserting checks that inserts (workload E)
// do not move the scrambled Zipfian's hot set: its range is fixed at
// construction, as YCSB's is at load.
func TestZipfianHotSetStaysWhileInserting(t *testing.T) {
	w, _ := Core("E")
	ks := NewKeyspace(10_000)
	halves := [2]map[uint64]int{{}, {}}
	const n = 100_000
	drive(t, w, ks, 3, n, func(i int, op Op) { halves[2*i/n][op.KeyNum]++ })
	if ks.Count() < 14_000 {
		t.Fatalf("only %d records after the inserts", ks.Count())
	}
	before, after := hottest(halves[0], 20), hottest(halves[1], 20)
	same := 0
	for _, k := range after {
		if slices.Contains(before, k) {
			same++
		}
	}
	if same < 15 {
		t.Fatalf("%d of the 20 hottest keys stayed hot across %d inserts", same, ks.Count()-10_000)
	}
}

func TestDeterministic(t *testing.T) {
	for _, spec := range []string{"A", "D", "E-uniform", HotShiftName} {
		t.Run("spec="+spec, func(t *testing.T) {
			w, err := Parse(spec)
			if err != nil {
				t.Fatal(err)
			}
			stream := func(seed uint64) []Op {
				ks := NewKeyspace(100)
				g, err := NewGenerator(w, ks, nil, seed)
				if err != nil {
					t.Fatal(err)
				}
				ops := make([]Op, 1000)
				for i := range ops {
					if ops[i] = g.Next(); ops[i].Kind == Insert {
						ks.Ack(ops[i].KeyNum)
					}
				}
				return ops
			}
			a, b, c := stream(ThreadSeed(42, 0)), stream(ThreadSeed(42, 0)), stream(ThreadSeed(42, 1))
			if !slices.Equal(a, b) {
				t.Fatal("same seed, different streams")
			}
			if slices.Equal(a, c) {
				t.Fatal("different thread seeds, same stream")
			}
		})
	}
}

func TestHotShiftReplacesHotSet(t *testing.T) {
	w, _ := Parse(HotShiftName)
	var sh Shift
	before := hottest(keyDraws(t, w, 100_000, &sh, 1, 100_000), 100)
	sh.Flip()
	if !sh.Flipped() {
		t.Fatal("Flipped() = false after Flip")
	}
	after := hottest(keyDraws(t, w, 100_000, &sh, 1, 100_000), 100)
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
	if !maps.Equal(keyDraws(t, b, 1000, &sh, 1, 1000), keyDraws(t, b, 1000, nil, 1, 1000)) {
		t.Fatal("Shift changed a workload without HotShift")
	}
}

// TestNextAllocs checks that drawing an operation and naming its key
// allocate nothing.
func TestNextAllocs(t *testing.T) {
	for _, spec := range []string{"A-zipf", "D-latest", "E-uniform", HotShiftName} {
		t.Run("spec="+spec, func(t *testing.T) {
			w, err := Parse(spec)
			if err != nil {
				t.Fatal(err)
			}
			var sh Shift
			sh.Flip()
			g, err := NewGenerator(w, NewKeyspace(100_000), &sh, 1)
			if err != nil {
				t.Fatal(err)
			}
			key := make([]byte, 0, 32)
			if a := testing.AllocsPerRun(1000, func() { key = KeyName(key[:0], g.Next().KeyNum) }); a != 0 {
				t.Fatalf("%.1f allocations per operation, want 0", a)
			}
		})
	}
}
