package wal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// rewriting reports whether the test runs with -rewrite (a flag that
// datadriven defines): then testdata, the fuzz seed corpus included, is
// regenerated.
func rewriting() bool {
	f := flag.Lookup("rewrite")
	return f != nil && f.Value.String() == "true"
}

// castagnoli is computed here independently of the package's own table, so
// that the fuzz target checks checksums against the documented format.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// FuzzDecode feeds arbitrary bytes to the segment decoder. It must never
// panic, must only return nil, a *CorruptionError or an error from the
// callback, and every record it accepts must carry a correct checksum and
// survive a re-encoding round trip.
func FuzzDecode(f *testing.F) {
	for _, seed := range corpusSegments(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var prevSeq uint64
		err := ReadSegment(bytes.NewReader(data), func(b *Batch, off int64) error {
			checkAccepted(t, data, off, b)
			if b.Seq <= prevSeq {
				t.Fatalf("seq %d accepted after %d", b.Seq, prevSeq)
			}
			prevSeq = b.Seq
			return nil
		})
		if err != nil && !errors.Is(err, ErrCorruption) {
			t.Fatalf("ReadSegment: unexpected error %v", err)
		}
	})
}

// checkAccepted verifies an accepted record at data[off:] independently.
func checkAccepted(t *testing.T, data []byte, off int64, b *Batch) {
	h := data[off : off+headerSize]
	n := int64(binary.LittleEndian.Uint32(h[4:]))
	payload := data[off+headerSize : off+headerSize+n]
	crc := crc32.Update(crc32.Checksum(payload, castagnoli), castagnoli, h[4:])
	if crc != binary.LittleEndian.Uint32(h) {
		t.Fatalf("record at %d accepted with a wrong checksum", off)
	}
	if binary.LittleEndian.Uint64(h[9:]) != b.Seq {
		t.Fatalf("record at %d: seq %d decoded, header says %d", off, b.Seq, binary.LittleEndian.Uint64(h[9:]))
	}
	size, err := payloadSize(b.Ops)
	if err != nil {
		t.Fatalf("record at %d decoded to invalid ops: %v", off, err)
	}
	var e encoded
	e.encode(b.Ops, size, &compressGate{})
	var rr recordReader
	rec := appendRecord(nil, &e, b.Seq, 0)
	rr.r, rr.limit = bytes.NewReader(rec), int64(len(rec))
	again, err := rr.next()
	if err != nil || !equalOps(again.Ops, b.Ops) {
		t.Fatalf("record at %d does not round-trip: %v", off, err)
	}
}

// corpusSegments returns segment bytes written by the real writer: a mix of
// small, compressed and multi-op records, and damaged variants of them.
// With -rewrite it also stores them as the committed seed corpus.
func corpusSegments(tb testing.TB) [][]byte {
	fs := vfs.NewMem()
	l := openT(tb, fs, &Options{Sync: SyncNever})
	appendN(tb, l, 0, 6)
	if _, err := l.Append([]Op{{Kind: OpPut, Key: []byte("z"), Value: make([]byte, 300)}}); err != nil {
		tb.Fatal(err)
	}
	if err := l.Close(); err != nil {
		tb.Fatal(err)
	}
	full := readFile(tb, fs, "wal/"+segmentName(1))
	flipped := bytes.Clone(full)
	flipped[len(flipped)/2] ^= 0x40
	seeds := [][]byte{full, full[:len(full)-7], flipped, full[:headerSize+4], {}, make([]byte, 64)}
	if rewriting() {
		dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		for i, s := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("writer-%d", i)), []byte(body), 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return seeds
}

// TestFuzzCorpusIsWriterOutput guards the committed corpus: its first
// entry is a whole segment of valid records.
func TestFuzzCorpusIsWriterOutput(t *testing.T) {
	seeds := corpusSegments(t)
	n := 0
	if err := ReadSegment(bytes.NewReader(seeds[0]), func(*Batch, int64) error { n++; return nil }); err != nil || n != 7 {
		t.Fatalf("seed segment: %d records, err %v", n, err)
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", "FuzzDecode"))
	if err != nil || len(entries) < len(seeds) {
		t.Fatalf("committed corpus: %d entries, err %v (regenerate with -rewrite)", len(entries), err)
	}
}
