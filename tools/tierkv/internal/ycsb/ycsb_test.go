package ycsb

import (
	"encoding/binary"
	"errors"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestFNVHash64 checks the YCSB hash against the standard library's FNV-1a
// over the value's 8 little-endian bytes, made non-negative as Java's
// Math.abs does.
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
	for i := range uint64(10000) {
		if h := FNVHash64(i); h > math.MaxInt64 {
			t.Fatalf("FNVHash64(%d) = %d has the sign bit set", i, h)
		}
	}
}

func TestCoreMixes(t *testing.T) {
	for _, tc := range []struct {
		name string
		want map[OpKind]float64
		dist Distribution
	}{
		{"a", map[OpKind]float64{Read: 0.5, Update: 0.5}, DistZipfian},
		{"B", map[OpKind]float64{Read: 0.95, Update: 0.05}, DistZipfian},
		{"C", map[OpKind]float64{Read: 1}, DistZipfian},
		{"D", map[OpKind]float64{Read: 0.95, Insert: 0.05}, DistLatest},
		{"E", map[OpKind]float64{Scan: 0.95, Insert: 0.05}, DistZipfian},
		{"F", map[OpKind]float64{Read: 0.5, ReadModifyWrite: 0.5}, DistZipfian},
	} {
		t.Run("workload="+tc.name, func(t *testing.T) {
			w, err := Core(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if w.Distribution != tc.dist {
				t.Errorf("distribution %s, want %s", w.Distribution, tc.dist)
			}
			ks := NewKeyspace(1000)
			g, err := NewGenerator(w, "", ks, 1)
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
				}
				if op.Kind == Scan && (op.ScanLen < 1 || op.ScanLen > 100) {
					t.Fatalf("scan length %d outside 1..100", op.ScanLen)
				}
				if op.KeyNum >= ks.Count() {
					t.Fatalf("key %d beyond the %d records", op.KeyNum, ks.Count())
				}
			}
			for k := range NumOpKinds {
				got := float64(counts[k]) / n
				if math.Abs(got-tc.want[OpKind(k)]) > 0.01 {
					t.Errorf("%s: proportion %.3f, want %.3f", OpKind(k), got, tc.want[OpKind(k)])
				}
			}
			if tc.want[Insert] > 0 && ks.Count() != 1000+uint64(counts[Insert]) {
				t.Errorf("keyspace %d after %d inserts", ks.Count(), counts[Insert])
			}
		})
	}
}

func TestCoreUnknown(t *testing.T) {
	if _, err := Core("G"); !errors.Is(err, ErrUnknownWorkload) {
		t.Fatalf("Core(G) = %v, want ErrUnknownWorkload", err)
	}
	if _, err := ParseDistribution("pareto"); !errors.Is(err, ErrUnknownDistribution) {
		t.Fatalf("ParseDistribution(pareto) = %v", err)
	}
	w, _ := Core("A")
	if _, err := NewGenerator(w, "", NewKeyspace(0), 1); !errors.Is(err, ErrBadRecordCount) {
		t.Fatalf("empty keyspace: %v", err)
	}
}

// TestZipfianSkew checks that item 0 is drawn about 1/zeta(n) of the time
// and that the top 1% of items take well over half of the draws.
func TestZipfianSkew(t *testing.T) {
	const n, draws = 10000, 200000
	z := NewZipfian(n, ZipfianConstant)
	r := rand.New(rand.NewPCG(1, 2))
	counts := make([]int, n)
	for range draws {
		counts[z.Next(r, n)]++
	}
	want := 1 / zeta(0, n, ZipfianConstant, 0)
	if got := float64(counts[0]) / draws; math.Abs(got-want) > 0.01 {
		t.Errorf("P(0) = %.4f, want %.4f", got, want)
	}
	top := 0
	for i := range n / 100 {
		top += counts[i]
	}
	if frac := float64(top) / draws; frac < 0.5 {
		t.Errorf("top 1%% of items drew %.2f of requests, want > 0.5", frac)
	}
}

// TestZipfianGrows checks that extending n incrementally gives the same
// zeta as computing it for the final n.
func TestZipfianGrows(t *testing.T) {
	z := NewZipfian(100, ZipfianConstant)
	r := rand.New(rand.NewPCG(3, 4))
	z.Next(r, 5000)
	want := NewZipfian(5000, ZipfianConstant)
	if math.Abs(z.zetan-want.zetan) > 1e-9 || z.n != 5000 {
		t.Fatalf("zeta after growth %v (n=%d), want %v", z.zetan, z.n, want.zetan)
	}
}

// TestScrambledSpreads checks that the hot keys of the scrambled Zipfian
// are not the lowest record numbers, yet the distribution stays skewed.
func TestScrambledSpreads(t *testing.T) {
	const n, draws = 100000, 200000
	s := NewScrambledZipfian(n)
	r := rand.New(rand.NewPCG(5, 6))
	counts := map[uint64]int{}
	low := 0
	for range draws {
		v := s.Next(r)
		if v >= n {
			t.Fatalf("draw %d out of range", v)
		}
		counts[v]++
		if v < n/100 {
			low++
		}
	}
	if frac := float64(low) / draws; frac > 0.1 {
		t.Errorf("the lowest 1%% of records drew %.2f of requests: not scrambled", frac)
	}
	if len(counts) > draws/2 {
		t.Errorf("%d distinct keys in %d draws: not skewed", len(counts), draws)
	}
}

func TestLatestPrefersNewest(t *testing.T) {
	w, _ := Core("D")
	ks := NewKeyspace(10000)
	g, err := NewGenerator(w, "", ks, 7)
	if err != nil {
		t.Fatal(err)
	}
	recent, reads := 0, 0
	for range 50000 {
		op := g.Next()
		if op.Kind == Insert {
			ks.Ack(op.KeyNum)
			continue
		}
		reads++
		if op.KeyNum+100 >= ks.Count() {
			recent++
		}
	}
	if frac := float64(recent) / float64(reads); frac < 0.4 {
		t.Errorf("the newest 100 records drew %.2f of reads, want > 0.4", frac)
	}
}

func TestDeterministic(t *testing.T) {
	w, _ := Core("A")
	a, _ := NewGenerator(w, DistUniform, NewKeyspace(100), 42)
	b, _ := NewGenerator(w, DistUniform, NewKeyspace(100), 42)
	for i := range 1000 {
		if x, y := a.Next(), b.Next(); x != y {
			t.Fatalf("op %d differs with the same seed: %+v vs %+v", i, x, y)
		}
	}
}

func TestKeyName(t *testing.T) {
	got := string(KeyName([]byte("x"), 0))
	if want := "xuser" + strconv.FormatUint(FNVHash64(0), 10); got != want {
		t.Fatalf("KeyName(0) = %q", got)
	}
}

// TestKeyspaceAck checks that reads see an inserted record only once it
// and every record below it are acknowledged.
func TestKeyspaceAck(t *testing.T) {
	ks := NewKeyspace(10)
	a, b, c := ks.claim(), ks.claim(), ks.claim()
	if a != 10 || b != 11 || c != 12 || ks.Count() != 10 {
		t.Fatalf("claims %d %d %d, count %d", a, b, c, ks.Count())
	}
	for _, tc := range []struct{ ack, want uint64 }{{11, 10}, {12, 10}, {10, 13}} {
		ks.Ack(tc.ack)
		if got := ks.Count(); got != tc.want {
			t.Fatalf("after Ack(%d): count %d, want %d", tc.ack, got, tc.want)
		}
	}
}
