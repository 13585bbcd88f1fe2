package ycsb

import (
	"encoding/binary"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata/streams.golden from the current generator")

// streamDump writes the first ops of w's stream over records loaded records
// and a digest of its first digestOps ops, acknowledging every insert at
// once, in the format of testdata/streams.golden.
func streamDump(sb *strings.Builder, w Workload, records, seed uint64, listed, digestOps int) error {
	ks := NewKeyspace(records)
	g, err := NewGenerator(w, ks, nil, seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(sb, "# workload=%s dist=%s seed=%d records=%d\n", w.Name, w.Distribution, seed, records)
	h := fnv.New64a()
	var b [24]byte
	for i := range digestOps {
		op := g.Next()
		if op.Kind == Insert {
			ks.Ack(op.KeyNum)
		}
		if i < listed {
			fmt.Fprintf(sb, "%s %d %d\n", op.Kind, op.KeyNum, op.ScanLen)
		}
		binary.LittleEndian.PutUint64(b[0:], uint64(op.Kind))
		binary.LittleEndian.PutUint64(b[8:], op.KeyNum)
		binary.LittleEndian.PutUint64(b[16:], uint64(op.ScanLen))
		h.Write(b[:])
	}
	fmt.Fprintf(sb, "digest ops=%d fnv=%016x\n", digestOps, h.Sum64())
	return nil
}

// TestStreamsGolden pins the operation streams: testdata/streams.golden was
// recorded from the generator of `tierkv bench` before it moved here, and
// figures in tests and docs depend on those exact streams. Regenerate with
// -rewrite only for an intended change, and review the diff.
func TestStreamsGolden(t *testing.T) {
	var sb strings.Builder
	for _, name := range []string{"A", "B", "C", "D", "E", "F"} {
		for _, dist := range []Distribution{DistZipfian, DistUniform, DistLatest} {
			w, err := Core(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := streamDump(&sb, w.WithDistribution(dist), 10_000, ThreadSeed(1, 1), 12, 40_000); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join("testdata", "streams.golden")
	if *rewrite {
		if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := sb.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("stream differs from %s at line %d:\n got %s\nwant %s", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("stream differs from %s in length: %d lines, want %d", path, len(gl), len(wl))
	}
}
