package wal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func readFile(t testing.TB, fs vfs.FS, name string) []byte {
	t.Helper()
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, fs vfs.FS, name string, data []byte) {
	t.Helper()
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bytes.Clone(data)); err != nil { // Write may scribble on its input
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// recordOffsets returns the offset of every record in a segment's bytes and
// the end of the last one.
func recordOffsets(t testing.TB, data []byte) []int64 {
	t.Helper()
	var offs []int64
	err := ReadSegment(bytes.NewReader(data), func(_ *Batch, off int64) error {
		offs = append(offs, off)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadSegment: %v", err)
	}
	return append(offs, int64(len(data)))
}

// oneSegmentLog writes n records (genOps(0..n-1)) one at a time with the
// given sync mode into one segment and returns the fs, the segment path and
// its bytes.
func oneSegmentLog(t testing.TB, n int, mode SyncMode) (*vfs.MemFS, string, []byte) {
	t.Helper()
	fs := vfs.NewMem()
	l := openT(t, fs, &Options{Sync: mode})
	appendN(t, l, 0, n)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	path := "wal/" + segmentName(1)
	return fs, path, readFile(t, fs, path)
}

// cloneWith returns a copy of fs whose file path holds data.
func cloneWith(t testing.TB, fs *vfs.MemFS, path string, data []byte) *vfs.MemFS {
	t.Helper()
	c := vfs.NewMem()
	if _, err := vfs.Clone(fs, c, "wal", "wal"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, c, path, data)
	return c
}

// TestTornTailEveryOffset cuts the last record at every byte offset, and
// also zero-fills it from every offset: Open succeeds, truncates the lost
// tail, reports it, and the log continues.
func TestTornTailEveryOffset(t *testing.T) {
	const n = 8
	fs, path, data := oneSegmentLog(t, n, SyncAlways)
	offs := recordOffsets(t, data)
	start := offs[n-1]
	for _, zeroFill := range []bool{false, true} {
		t.Run(fmt.Sprintf("zerofill=%v", zeroFill), func(t *testing.T) {
			for cut := start; cut < int64(len(data)); cut++ {
				torn := bytes.Clone(data[:cut])
				if zeroFill {
					torn = append(torn, make([]byte, int64(len(data))-cut)...)
				}
				if bytes.Equal(torn, data) {
					continue // the record ended in zeros already
				}
				c := cloneWith(t, fs, path, torn)
				l, err := Open("wal", &Options{FS: c})
				if err != nil {
					t.Fatalf("cut=%d: Open: %v", cut, err)
				}
				got := replayAll(t, l, 0)
				checkPrefix(t, got, n)
				r := l.Recovered()
				wantSeg, wantOff := segmentName(1), start
				if int64(len(torn)) == start {
					wantSeg, wantOff = "", 0 // a clean end: nothing was lost
				}
				if len(got) != n-1 || r.Offset != wantOff || r.DroppedBytes != int64(len(torn))-start || r.Segment != wantSeg {
					t.Fatalf("cut=%d: replayed %d, report %v", cut, len(got), r)
				}
				if sz := int64(len(readFile(t, c, path))); sz != start {
					t.Fatalf("cut=%d: segment is %d bytes after recovery, want %d", cut, sz, start)
				}
				if seq, err := l.Append(genOps(n - 1)); err != nil || seq != n {
					t.Fatalf("cut=%d: Append after recovery: seq %d err %v", cut, seq, err)
				}
				l.Close()
				l = openT(t, c, nil)
				checkPrefix(t, replayAll(t, l, 0), n)
				if l.Recovered().DroppedBytes != 0 {
					t.Fatalf("cut=%d: second Open dropped data: %v", cut, l.Recovered())
				}
				l.Close()
			}
		})
	}
}

// TestZeroedBlocksInUnsyncedTail zeroes one 4 KiB block of a segment
// written with SyncNever (so no record vouches for the block being synced),
// leaving later blocks intact: recovery keeps a prefix ending before the
// block.
func TestZeroedBlocksInUnsyncedTail(t *testing.T) {
	const n = 150
	fs, path, data := oneSegmentLog(t, n, SyncNever)
	if len(data) < 5*4096 {
		t.Fatalf("segment too small for the test: %d bytes", len(data))
	}
	offs := recordOffsets(t, data)
	for blk := 0; (blk+2)*4096 <= len(data); blk++ {
		t.Run(fmt.Sprintf("block=%d", blk), func(t *testing.T) {
			z := bytes.Clone(data)
			clear(z[blk*4096 : (blk+1)*4096])
			c := cloneWith(t, fs, path, z)
			l, err := Open("wal", &Options{FS: c})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer l.Close()
			got := replayAll(t, l, 0)
			checkPrefix(t, got, n)
			// Every record that ends before the block survives; none that
			// starts inside it can.
			minKept, maxKept := 0, 0
			for i := range n {
				if offs[i+1] <= int64(blk*4096) {
					minKept = i + 1
				}
				if offs[i] < int64(blk*4096) {
					maxKept = i + 1
				}
			}
			if len(got) < minKept || len(got) > maxKept {
				t.Fatalf("kept %d records, want between %d and %d", len(got), minKept, maxKept)
			}
			r := l.Recovered()
			if r.DroppedRecords == 0 || r.Damaged {
				t.Fatalf("report should show surviving later records dropped as a lost tail: %v", r)
			}
		})
	}
}

// TestFlippedBit flips every bit of a record written with SyncAlways. Data
// that later records prove synced is ErrCorruption naming file and offset;
// the last record is dropped as a lost tail; a flipped record is never
// replayed.
func TestFlippedBit(t *testing.T) {
	const n = 6
	fs, path, data := oneSegmentLog(t, n, SyncAlways)
	offs := recordOffsets(t, data)
	for _, rec := range []int{0, 3, n - 1} {
		t.Run(fmt.Sprintf("record=%d", rec), func(t *testing.T) {
			for bit := offs[rec] * 8; bit < offs[rec+1]*8; bit++ {
				f := bytes.Clone(data)
				f[bit/8] ^= 1 << (bit % 8)
				c := cloneWith(t, fs, path, f)
				l, err := Open("wal", &Options{FS: c, ReadOnly: true})
				if rec < n-1 {
					var ce *CorruptionError
					if !errors.As(err, &ce) || !errors.Is(err, ErrCorruption) || ce.File != path || ce.Offset != offs[rec] {
						t.Fatalf("bit %d: Open: %v, want corruption in %s at %d", bit, err, path, offs[rec])
					}
					continue
				}
				if err != nil {
					t.Fatalf("bit %d: Open: %v", bit, err)
				}
				got := replayAll(t, l, 0)
				if len(got) != n-1 {
					t.Fatalf("bit %d: replayed %d records, want %d", bit, len(got), n-1)
				}
				checkPrefix(t, got, n)
				l.Close()
			}
		})
	}
}

func TestPointInTimeRecovery(t *testing.T) {
	fs := vfs.NewMem()
	l := openT(t, fs, &Options{SegmentBytes: 1500})
	appendN(t, l, 0, 40)
	l.Close()
	segs := l.Segments()
	if len(segs) < 4 {
		t.Fatalf("want at least 4 segments, got %d", len(segs))
	}
	// Damage the third record of the second segment.
	path := "wal/" + segs[1].Name
	data := readFile(t, fs, path)
	offs := recordOffsets(t, data)
	data[offs[2]+headerSize] ^= 0x10
	writeFile(t, fs, path, data)
	kept := int(segs[1].FirstSeq-1) + 2

	if _, err := Open("wal", &Options{FS: fs}); !errors.Is(err, ErrCorruption) {
		t.Fatalf("strict Open: %v, want ErrCorruption", err)
	}
	ro, err := Open("wal", &Options{FS: fs, ReadOnly: true, Recovery: RecoverPointInTime})
	if err != nil {
		t.Fatal(err)
	}
	if got := replayAll(t, ro, 0); len(got) != kept {
		t.Fatalf("read-only point-in-time replayed %d, want %d", len(got), kept)
	}
	ro.Close()
	if !bytes.Equal(readFile(t, fs, path), data) || len(mustList(t, fs)) != len(segs) {
		t.Fatalf("read-only point-in-time recovery changed files: %v vs %d segments", mustList(t, fs), len(segs))
	}
	l, err = Open("wal", &Options{FS: fs, Recovery: RecoverPointInTime})
	if err != nil {
		t.Fatal(err)
	}
	r := l.Recovered()
	if !r.Damaged || r.Segment != segs[1].Name || r.Offset != offs[2] || len(r.DroppedSegments) != len(segs)-2 || r.DroppedRecords != 40-kept-1 {
		t.Fatalf("report: %v", r)
	}
	checkPrefix(t, replayAll(t, l, 0), 40)
	if seq, err := l.Append(genOps(kept)); err != nil || seq != uint64(kept+1) {
		t.Fatalf("Append: seq %d err %v", seq, err)
	}
	l.Close()
	l = openT(t, fs, nil)
	defer l.Close()
	if got := replayAll(t, l, 0); len(got) != kept+1 || l.Recovered().DroppedBytes != 0 {
		t.Fatalf("strict reopen after repair: %d records, %v", len(got), l.Recovered())
	}
}

func mustList(t testing.TB, fs vfs.FS) []string {
	t.Helper()
	names, err := fs.List("wal")
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestDamageInNonFinalSegment: any bad record in a segment followed by
// another segment is damage, even a zeroed or torn tail.
func TestDamageInNonFinalSegment(t *testing.T) {
	fs := vfs.NewMem()
	l := openT(t, fs, &Options{SegmentBytes: 1000, Sync: SyncNever})
	appendN(t, l, 0, 30)
	l.Close()
	segs := l.Segments()
	path := "wal/" + segs[0].Name
	data := readFile(t, fs, path)
	offs := recordOffsets(t, data)
	last := offs[len(offs)-2]
	cases := map[string][]byte{
		"truncated": data[:len(data)-3],
		"zeroed":    append(bytes.Clone(data[:last]), make([]byte, len(data)-int(last))...),
		"flipped":   func() []byte { d := bytes.Clone(data); d[last+10] ^= 4; return d }(),
	}
	for name, d := range cases {
		t.Run(name, func(t *testing.T) {
			c := cloneWith(t, fs, path, d)
			_, err := Open("wal", &Options{FS: c})
			var ce *CorruptionError
			if !errors.As(err, &ce) || ce.File != path || ce.Offset != last {
				t.Fatalf("Open: %v, want corruption in %s at %d", err, path, last)
			}
		})
	}
}

// TestCorruptionAfterOpen: a record damaged after Open is reported by
// Replay, not skipped.
func TestCorruptionAfterOpen(t *testing.T) {
	fs, path, data := oneSegmentLog(t, 5, SyncAlways)
	l := openT(t, fs, &Options{ReadOnly: true})
	defer l.Close()
	offs := recordOffsets(t, data)
	data[offs[2]+headerSize+1] ^= 1
	writeFile(t, fs, path, data)
	n := 0
	err := l.Replay(0, func(*Batch) error { n++; return nil })
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.Offset != offs[2] || n != 2 {
		t.Fatalf("Replay: %v after %d records", err, n)
	}
}

// TestReadOnlyLeavesLostTail: a read-only Open reports and skips a lost
// tail but changes no file; the next writable Open truncates it.
func TestReadOnlyLeavesLostTail(t *testing.T) {
	const n = 5
	fs, path, data := oneSegmentLog(t, n, SyncAlways)
	offs := recordOffsets(t, data)
	torn := bytes.Clone(data[:offs[n-1]+7])
	writeFile(t, fs, path, torn)
	ro, err := Open("wal", &Options{FS: fs, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := replayAll(t, ro, 0); len(got) != n-1 || ro.Recovered().DroppedBytes != 7 {
		t.Fatalf("read-only: %d records, report %v", len(got), ro.Recovered())
	}
	ro.Close()
	if !bytes.Equal(readFile(t, fs, path), torn) {
		t.Fatalf("read-only Open changed the segment")
	}
	l := openT(t, fs, nil)
	defer l.Close()
	if got := readFile(t, fs, path); int64(len(got)) != offs[n-1] {
		t.Fatalf("writable Open left %d bytes, want %d", len(got), offs[n-1])
	}
}

// TestTruncateThenReopen: after Truncate the log reopens from its remaining
// segments and continues the sequence.
func TestTruncateThenReopen(t *testing.T) {
	fs := vfs.NewMem()
	l := openT(t, fs, &Options{SegmentBytes: 700})
	appendN(t, l, 0, 40)
	if err := l.Truncate(30); err != nil {
		t.Fatal(err)
	}
	first := l.Segments()[0].FirstSeq
	if first > 31 || first == 1 {
		t.Fatalf("first remaining segment starts at %d", first)
	}
	l.Close()
	l = openT(t, fs, &Options{SegmentBytes: 700})
	defer l.Close()
	got := replayAll(t, l, 0)
	if len(got) == 0 || got[0].Seq != first || got[len(got)-1].Seq != 40 {
		t.Fatalf("replayed seqs %d..%d, want %d..40", got[0].Seq, got[len(got)-1].Seq, first)
	}
	if seq, err := l.Append(genOps(40)); err != nil || seq != 41 {
		t.Fatalf("Append: seq %d err %v", seq, err)
	}
}

// TestEmbeddedRecordIsNotProof: a value holding the bytes of a valid record
// (with a synced offset beyond the record that holds it) must not make a
// damaged last record look proven-synced.
func TestEmbeddedRecordIsNotProof(t *testing.T) {
	fs := vfs.NewMem()
	l := openT(t, fs, nil)
	appendN(t, l, 0, 3)
	x := l.Size()
	var e encoded
	inner := []Op{{Kind: OpPut, Key: []byte("e"), Value: []byte("f")}}
	size, _ := payloadSize(inner)
	e.encode(inner, size, &compressGate{})
	embedded := appendRecord(nil, &e, 1000, x+1)
	value := append([]byte("0123456789abcdef"), embedded...)
	if _, err := l.Append([]Op{{Kind: OpPut, Key: []byte("v"), Value: value}}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	path := "wal/" + segmentName(1)
	data := readFile(t, fs, path)
	if !bytes.Contains(data, embedded) {
		t.Fatalf("the embedded record was not stored verbatim")
	}
	data[x+headerSize+3] ^= 1 // the outer record's key, before the embedded bytes
	writeFile(t, fs, path, data)
	l, err := Open("wal", &Options{FS: fs})
	if err != nil {
		t.Fatalf("Open: %v (a lost tail was taken for damage)", err)
	}
	defer l.Close()
	if r := l.Recovered(); r.Offset != x || r.Damaged {
		t.Fatalf("report %v", r)
	}
	checkPrefix(t, replayAll(t, l, 0), 3)
}
