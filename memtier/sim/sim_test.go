package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tierkv/tierkv/memtier/policy"
)

func parseAll(t *testing.T, data []byte, f Format) ([]Request, error) {
	t.Helper()
	var out []Request
	err := Parse(bytes.NewReader(data), f, func(b []Request) error {
		out = append(out, b...)
		return nil
	})
	return out, err
}

func keysOf(rs []Request) []uint64 {
	out := make([]uint64, len(rs))
	for i, r := range rs {
		out[i] = r.Key
	}
	return out
}

func be32(vs ...int32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	return b
}

func be64(vs ...int64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	return b
}

func oracle(id uint64, size uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 7)
	b = binary.LittleEndian.AppendUint64(b, id)
	b = binary.LittleEndian.AppendUint32(b, size)
	return binary.LittleEndian.AppendUint64(b, math.MaxUint64)
}

func TestParse(t *testing.T) {
	minus1 := uint64(math.MaxUint64)
	for _, tc := range []struct {
		name  string
		f     Format
		data  []byte
		keys  []uint64
		sizes []uint32
	}{
		{"arc/expands-runs", FormatARC, []byte("10 3 0 0\n7 1 5 1\n"), []uint64{10, 11, 12, 7}, nil},
		{"arc/no-final-newline", FormatARC, []byte("5 2 0 0\r\n9 1 0 1"), []uint64{5, 6, 9}, nil},
		{"lirs/skips-empty-and-star", FormatLIRS, []byte("1\n\n*\n2\r\n 3 \n\n"), []uint64{1, 2, 3}, nil},
		{"lirs/no-final-newline", FormatLIRS, []byte("4\n5"), []uint64{4, 5}, nil},
		{"text", FormatText, []byte("100\n200\n100"), []uint64{100, 200, 100}, nil},
		{"int32be/signed", FormatInt32BE, be32(1, -1), []uint64{1, minus1}, nil},
		{"uint32be/unsigned", FormatUint32BE, be32(-1), []uint64{math.MaxUint32}, nil},
		{"int64be", FormatInt64BE, be64(math.MinInt64, 42), []uint64{1 << 63, 42}, nil},
		{"oraclegeneral/sizes", FormatOracleGeneral, append(oracle(9, 512), oracle(1<<40, 69632)...),
			[]uint64{9, 1 << 40}, []uint32{512, 69632}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseAll(t, tc.data, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(keysOf(got), tc.keys) {
				t.Fatalf("keys %v, want %v", keysOf(got), tc.keys)
			}
			for i, r := range got {
				want := uint32(1)
				if tc.sizes != nil {
					want = tc.sizes[i]
				}
				if r.Size != want {
					t.Fatalf("request %d size %d, want %d", i, r.Size, want)
				}
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Format
		data []byte
	}{
		{"arc/letters", FormatARC, []byte("10 x 0 0\n")},
		{"arc/negative-count", FormatARC, []byte("10 -2 0 0\n")},
		{"lirs/letters", FormatLIRS, []byte("1\nabc\n")},
		{"lirs/trailing-junk", FormatLIRS, []byte("12 13\n")},
		{"int32be/truncated", FormatInt32BE, []byte{0, 0, 0, 1, 0, 0}},
		{"int64be/truncated", FormatInt64BE, make([]byte, 12)},
		{"oraclegeneral/truncated", FormatOracleGeneral, make([]byte, 30)},
		{"unknown-format", Format("zip"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseAll(t, tc.data, tc.f); !errors.Is(err, ErrFormat) {
				t.Fatalf("Parse = %v, want ErrFormat", err)
			}
		})
	}
}

func TestParseBatches(t *testing.T) {
	// A run longer than a batch is split across calls, in order.
	data := []byte(fmt.Sprintf("0 %d 0 0\n", 3*batchSize+5))
	next := uint64(0)
	calls := 0
	err := Parse(bytes.NewReader(data), FormatARC, func(b []Request) error {
		calls++
		for _, r := range b {
			if r.Key != next {
				return fmt.Errorf("key %d, want %d", r.Key, next)
			}
			next++
		}
		return nil
	})
	if err != nil || next != 3*batchSize+5 || calls != 4 {
		t.Fatalf("err %v, %d requests in %d calls", err, next, calls)
	}
}

// TestTraceRequestCounts checks the parsers against the request counts of
// the traces README (section 1) on the traces that are quick to read.
func TestTraceRequestCounts(t *testing.T) {
	dir := tracesDir(t)
	for _, tc := range []struct {
		name     string
		requests int64
	}{
		{"OLTP", 914_145}, {"glimpse", 6_015}, {"loop", 505_500}, {"2_pools", 100_000},
		{"cpp", 9_047}, {"cs", 6_781}, {"multi1", 15_858}, {"multi2", 26_311}, {"multi3", 30_241},
		{"ps", 10_448}, {"sprite", 133_996}, {"zigzag", 52_001}, {"scan", 50_025}, {"backf", 9_000},
		{"web07", 76_118}, {"web12", 95_607}, {"corda-vaultservice", 135_702},
		{"cloudPhysicsIO", 113_872}, {"cloudPhysicsIO-bytes", 113_872},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Lookup(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			var n, bytes int64
			err = Stream(context.Background(), dir, tr, func(b []Request) error {
				n += int64(len(b))
				for _, r := range b {
					bytes += int64(r.Size)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.requests {
				t.Fatalf("%d requests, want %d", n, tc.requests)
			}
			if tr.ByteSized() && bytes != 4_368_040_448 {
				t.Fatalf("%d bytes requested, want 4,368,040,448", bytes)
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	if _, err := Lookup("DS1"); !errors.Is(err, ErrUnknownTrace) {
		t.Fatalf("Lookup(DS1) = %v, want ErrUnknownTrace", err)
	}
	if _, err := Run(context.Background(), Config{Dir: tracesDir(t), Traces: []string{"nope"}}); !errors.Is(err, ErrUnknownTrace) {
		t.Fatalf("Run = %v, want ErrUnknownTrace", err)
	}
}

func TestLoadReference(t *testing.T) {
	refs, err := LoadReference(filepath.Join(tracesDir(t), "expected_hit_ratios.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 792 {
		t.Fatalf("%d reference rows, want 792", len(refs))
	}
	got := ReferencesFor(refs, "arc/OLTP.lis.gz", 1000)
	var arc *Reference
	for i := range got {
		if got[i].Policy == "ARC" {
			arc = &got[i]
		}
	}
	if arc == nil || arc.HitRatio != 38.93 || arc.Kind != KindPublished || arc.Hits != -1 {
		t.Fatalf("OLTP ARC at 1000: %+v", arc)
	}
	t.Run("malformed", func(t *testing.T) {
		for _, data := range []string{
			"",
			"trace,file\n",
			strings.Join(referenceHeader, ",") + "\nOLTP,f,x,pages,LRU,1,,1,s,computed\n",
			strings.Join(referenceHeader, ",") + "\nOLTP,f,1,pages,LRU,one,,1,s,computed\n",
		} {
			if _, err := ParseReference(strings.NewReader(data)); !errors.Is(err, ErrReference) {
				t.Errorf("ParseReference(%q) = %v, want ErrReference", data, err)
			}
		}
	})
}

// TestCatalogCoversReference: every LRU row of the reference file about an
// included trace has its size in the catalog, so the full table shows it.
func TestCatalogCoversReference(t *testing.T) {
	refs, err := LoadReference(filepath.Join(tracesDir(t), "expected_hit_ratios.csv"))
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string]Trace{}
	for _, tr := range Catalog() {
		byFile[tr.File] = tr
	}
	for _, r := range refs {
		if r.Policy != "LRU" || r.File == "(not included)" {
			continue
		}
		tr, ok := byFile[r.File]
		if !ok {
			t.Errorf("reference file %s not in the catalog", r.File)
			continue
		}
		if tr.Unit != r.Unit || !slices.Contains(tr.Sizes, r.Capacity) {
			t.Errorf("%s: LRU reference at %d %s not in the catalog's sizes %v %s", r.Trace, r.Capacity, r.Unit, tr.Sizes, tr.Unit)
		}
	}
}

func TestWriteTable(t *testing.T) {
	results := []Result{
		{Trace: "OLTP", File: "arc/OLTP.lis.gz", Unit: UnitPages, Size: 1000, Policy: policy.KindWTinyLFU, HitRatio: 40.123},
		{Trace: "OLTP", File: "arc/OLTP.lis.gz", Unit: UnitPages, Size: 1000, Policy: policy.KindLRU, HitRatio: 32.8309},
	}
	refs := []Reference{
		{File: "arc/OLTP.lis.gz", Capacity: 1000, Policy: "ARC", HitRatio: 38.93, Kind: KindPublished},
		{File: "arc/OLTP.lis.gz", Capacity: 1000, Policy: "LRU", HitRatio: 32.8309, Kind: KindComputed},
		{File: "arc/OLTP.lis.gz", Capacity: 2000, Policy: "ARC", HitRatio: 46.08, Kind: KindPublished},
	}
	var b bytes.Buffer
	if err := WriteTable(&b, results, refs); err != nil {
		t.Fatal(err)
	}
	want := "| OLTP | 1000 | pages | 40.12 | 32.83 | ARC 38.93; LRU 32.8309 [exact] |\n"
	if !strings.Contains(b.String(), want) || !strings.HasPrefix(b.String(), "| trace | size | unit | wtinylfu | lru |") {
		t.Fatalf("table:\n%s\nwant a row %q", b.String(), want)
	}
}
