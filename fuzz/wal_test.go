package fuzz_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/golang/snappy"
	"github.com/tierkv/tierkv/wal"
)

// FuzzWALReplay treats its input as a WAL segment; see the package
// documentation. The oracle below decodes the record format exactly as
// wal's doc.go draws it, independently of wal's code. The first byte is a
// mode: with bit 0 set, the checksums of the records are fixed up before
// replay, so that mutations reach the payload decoder and the sequence
// checks instead of stopping at a checksum mismatch.
func FuzzWALReplay(f *testing.F) {
	f.Fuzz(func(t *testing.T, input []byte) {
		if len(input) == 0 {
			return
		}
		data := bytes.Clone(input[1:])
		if input[0]&1 != 0 {
			fixChecksums(data)
		}
		want := oracleSegment(data)
		checkReadSegment(t, data, want)
		checkOpen(t, data, want, wal.RecoverStrict)
		checkOpen(t, data, want, wal.RecoverPointInTime)
	})
}

const (
	walHeaderSize = 25
	walSegment    = "wal/000000000001.log" // records of the first segment must have seq >= 1
	maxWALPayload = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// walRecord is one record as the oracle decodes it.
type walRecord struct {
	off    int
	seq    uint64
	synced uint64
	size   int // header and payload
	ops    []wal.Op
}

// oracleResult is a segment as the oracle reads it: the valid records, then
// the first bad record (bad < 0: none), whether that one passed its checksum
// (it is malformed or out of order: never a crash artefact), and whether a
// later valid record proves it was fsynced before (damage, not a lost tail).
type oracleResult struct {
	records    []walRecord
	bad        int
	reason     string
	checksumOK bool
	proven     bool
	size       int // bytes of the segment
}

func oracleSegment(data []byte) oracleResult {
	res := oracleResult{size: len(data)}
	off, prev := 0, uint64(0)
	for off < len(data) {
		rec, reason, crcOK := oracleRecord(data, off, prev)
		if reason != "" {
			res.bad, res.reason, res.checksumOK = off, reason, crcOK
			res.proven = oracleProven(data, off, prev)
			return res
		}
		res.records = append(res.records, rec)
		off, prev = off+rec.size, rec.seq
	}
	res.bad = -1
	return res
}

// oracleHeader checks the framing of the record at off: header fields a
// writer can produce, payload within the data, and the checksum.
func oracleHeader(data []byte, off int) (rec walRecord, flags byte, reason string) {
	if len(data)-off < walHeaderSize {
		return rec, 0, "truncated header"
	}
	h := data[off : off+walHeaderSize]
	n := binary.LittleEndian.Uint32(h[4:])
	flags = h[8]
	rec = walRecord{off: off, seq: binary.LittleEndian.Uint64(h[9:]), synced: binary.LittleEndian.Uint64(h[17:])}
	if n < 2 || n > maxWALPayload || flags&^1 != 0 || rec.seq == 0 {
		return rec, flags, "invalid header"
	}
	if uint64(len(data)-off-walHeaderSize) < uint64(n) {
		return rec, flags, "truncated payload"
	}
	rec.size = walHeaderSize + int(n)
	payload := data[off+walHeaderSize : off+rec.size]
	crc := crc32.Update(crc32.Checksum(payload, castagnoli), castagnoli, h[4:])
	if crc != binary.LittleEndian.Uint32(h) {
		return rec, flags, "checksum mismatch"
	}
	return rec, flags, ""
}

// oracleRecord decodes the record at off; reason is "" for a valid one.
func oracleRecord(data []byte, off int, prev uint64) (rec walRecord, reason string, crcOK bool) {
	rec, flags, reason := oracleHeader(data, off)
	if reason != "" {
		return rec, reason, false
	}
	if rec.seq <= prev {
		return rec, "sequence out of order", true
	}
	payload := data[off+walHeaderSize : off+rec.size]
	if flags&1 != 0 {
		n, err := snappy.DecodedLen(payload)
		if err != nil || n > maxWALPayload {
			return rec, "bad snappy length", true
		}
		if payload, err = snappy.Decode(nil, payload); err != nil {
			return rec, "bad snappy block", true
		}
	}
	ops, ok := oracleBatch(payload)
	if !ok {
		return rec, "malformed batch", true
	}
	rec.ops = ops
	return rec, "", true
}

// oracleBatch decodes a batch payload: uvarint count >= 1, then per op a
// kind (1 put, 2 delete), a non-empty key and, for a put, a value; every
// byte must be used.
func oracleBatch(p []byte) ([]wal.Op, bool) {
	count, n := binary.Uvarint(p)
	if n <= 0 || count == 0 {
		return nil, false
	}
	p = p[n:]
	var ops []wal.Op
	for ; count > 0; count-- {
		if len(p) == 0 {
			return nil, false
		}
		op := wal.Op{Kind: wal.OpKind(p[0])}
		var ok bool
		if op.Key, p, ok = oracleBytes(p[1:]); !ok || len(op.Key) == 0 {
			return nil, false
		}
		switch op.Kind {
		case wal.OpPut:
			if op.Value, p, ok = oracleBytes(p); !ok {
				return nil, false
			}
		case wal.OpDelete:
		default:
			return nil, false
		}
		ops = append(ops, op)
	}
	return ops, len(p) == 0
}

func oracleBytes(p []byte) (v, rest []byte, ok bool) {
	l, n := binary.Uvarint(p)
	if n <= 0 || l > uint64(len(p)-n) {
		return nil, nil, false
	}
	return p[n : n+int(l)], p[n+int(l):], true
}

// fixChecksums rewrites the checksum of every record whose length field
// fits in seg, in order, stopping at the first that does not (or that
// claims to decompress to more than a MiB: a valid checksum would make the
// decoder allocate that much, which the format allows).
func fixChecksums(seg []byte) {
	for off := 0; off+walHeaderSize <= len(seg); {
		n := uint64(binary.LittleEndian.Uint32(seg[off+4:]))
		if n > uint64(len(seg)-off-walHeaderSize) {
			return
		}
		end := off + walHeaderSize + int(n)
		payload := seg[off+walHeaderSize : end]
		if seg[off+8]&1 != 0 {
			if d, err := snappy.DecodedLen(payload); err == nil && d > 1<<20 {
				return
			}
		}
		crc := crc32.Update(crc32.Checksum(payload, castagnoli), castagnoli, seg[off+4:off+walHeaderSize])
		binary.LittleEndian.PutUint32(seg[off:], crc)
		off = end
	}
}

// oracleProven looks for valid records (checksum, increasing sequence
// numbers, a synced field no larger than their own offset) after the bad
// record at bad, as wal's doc.go describes, and reports whether one of them
// says the bad record's offset had been fsynced, with a synced field that
// is a record boundary found so far (its own start, or the start or end of
// an earlier valid record). The search starts at the
// bad record's claimed end when its length looks intact (the end of the
// data, or a valid record right there), else at every offset after bad.
func oracleProven(data []byte, bad int, prev uint64) bool {
	valid := func(p int, prev uint64) (walRecord, bool) {
		rec, _, reason := oracleHeader(data, p)
		return rec, reason == "" && rec.seq > prev && rec.synced <= uint64(p)
	}
	start := bad + 1
	if len(data)-bad >= walHeaderSize {
		h := data[bad:]
		n := uint64(binary.LittleEndian.Uint32(h[4:]))
		plausible := n >= 2 && n <= maxWALPayload && h[8]&^1 == 0 && binary.LittleEndian.Uint64(h[9:]) != 0
		if end := uint64(bad+walHeaderSize) + n; plausible && end <= uint64(len(data)) {
			if _, ok := valid(int(end), prev); ok || end == uint64(len(data)) {
				start = int(end)
			}
		}
	}
	proven := false
	bounds := map[uint64]bool{} // starts and ends of the valid records found
	for p := start; p+walHeaderSize <= len(data); {
		rec, ok := valid(p, prev)
		if !ok {
			p++
			continue
		}
		bounds[uint64(p)], bounds[uint64(p+rec.size)] = true, true
		proven = proven || (rec.synced > uint64(bad) && bounds[rec.synced])
		prev, p = rec.seq, p+rec.size
	}
	return proven
}

func sameOps(a, b []wal.Op) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || !bytes.Equal(a[i].Key, b[i].Key) || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
		if a[i].Kind == wal.OpPut && a[i].Value == nil {
			return false // an empty value is a value, never nil
		}
	}
	return true
}

func cloneOps(ops []wal.Op) []wal.Op {
	out := make([]wal.Op, len(ops))
	for i, op := range ops {
		out[i] = wal.Op{Kind: op.Kind, Key: bytes.Clone(op.Key), Value: op.Value}
		if op.Value != nil {
			out[i].Value = append([]byte{}, op.Value...)
		}
	}
	return out
}

// checkReadSegment compares wal.ReadSegment with the oracle.
func checkReadSegment(t *testing.T, data []byte, want oracleResult) {
	type got struct {
		off int64
		b   wal.Batch
	}
	var recs []got
	err := wal.ReadSegment(bytes.NewReader(data), func(b *wal.Batch, off int64) error {
		recs = append(recs, got{off, wal.Batch{Seq: b.Seq, Ops: cloneOps(b.Ops)}})
		return nil
	})
	if len(recs) != len(want.records) {
		t.Fatalf("ReadSegment returned %d records, the oracle %d (then bad at %d: %s); ReadSegment error: %v",
			len(recs), len(want.records), want.bad, want.reason, err)
	}
	for i, r := range want.records {
		g := recs[i]
		if g.off != int64(r.off) || g.b.Seq != r.seq || !sameOps(g.b.Ops, r.ops) {
			t.Fatalf("record %d: ReadSegment gave offset %d seq %d ops %v, the oracle offset %d seq %d ops %v",
				i, g.off, g.b.Seq, g.b.Ops, r.off, r.seq, r.ops)
		}
	}
	if want.bad < 0 {
		if err != nil {
			t.Fatalf("ReadSegment of a valid segment: %v", err)
		}
		return
	}
	var ce *wal.CorruptionError
	if !errors.As(err, &ce) || !errors.Is(err, wal.ErrCorruption) || ce.Offset != int64(want.bad) {
		t.Fatalf("ReadSegment: got error %v, want a corruption error at offset %d (%s)", err, want.bad, want.reason)
	}
}

// checkOpen opens a log holding data as its only segment, read-only and
// then read-write, and checks what it keeps, drops or refuses, then that
// the log keeps working.
func checkOpen(t *testing.T, data []byte, want oracleResult, mode wal.RecoveryMode) {
	fs := vfs.NewMem()
	if err := fs.MkdirAll("wal", 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, fs, walSegment, data)
	damaged := want.bad >= 0 && (want.checksumOK || want.proven)
	opts := &wal.Options{FS: fs, Recovery: mode, ReadOnly: true}
	what := fmt.Sprintf("recovery=%d bad=%d (%s) checksumOK=%v proven=%v", mode, want.bad, want.reason, want.checksumOK, want.proven)
	l, err := wal.Open("wal", opts)
	if damaged && mode == wal.RecoverStrict {
		var ce *wal.CorruptionError
		if !errors.As(err, &ce) || ce.Offset != int64(want.bad) {
			t.Fatalf("%s: read-only Open: got %v, want corruption at offset %d", what, err, want.bad)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: read-only Open: %v", what, err)
	}
	checkLog(t, what+" read-only", l, want, damaged)
	if err := l.Close(); err != nil {
		t.Fatalf("%s: close: %v", what, err)
	}
	if got := readFile(t, fs, walSegment); !bytes.Equal(got, data) {
		t.Fatalf("%s: a read-only Open changed the segment", what)
	}
	opts.ReadOnly = false
	if l, err = wal.Open("wal", opts); err != nil {
		t.Fatalf("%s: Open: %v", what, err)
	}
	checkLog(t, what, l, want, damaged)
	checkAppendAfterRecovery(t, what, fs, l, want)
}

// checkLog checks a log's recovery report and replay against the oracle.
func checkLog(t *testing.T, what string, l *wal.Log, want oracleResult, damaged bool) {
	rep := l.Recovered()
	if want.bad < 0 && rep.Segment != "" {
		t.Fatalf("%s: a valid segment was reported as dropped: %s", what, rep)
	}
	if want.bad >= 0 && (rep.Offset != int64(want.bad) || rep.Damaged != damaged || rep.DroppedBytes != int64(want.size-want.bad)) {
		t.Fatalf("%s: recovery report %s; want a drop at offset %d, damaged %v", what, rep, want.bad, damaged)
	}
	if rep.Records != len(want.records) {
		t.Fatalf("%s: recovery kept %d records, want %d", what, rep.Records, len(want.records))
	}
	i := 0
	err := l.Replay(0, func(b *wal.Batch) error {
		if i >= len(want.records) {
			return fmt.Errorf("replay: extra record seq %d", b.Seq)
		}
		if r := want.records[i]; b.Seq != r.seq || !sameOps(b.Ops, r.ops) {
			return fmt.Errorf("replay: record %d is seq %d %v, want seq %d %v", i, b.Seq, b.Ops, r.seq, r.ops)
		}
		i++
		return nil
	})
	if err == nil && i != len(want.records) {
		err = fmt.Errorf("replay: %d records, want %d", i, len(want.records))
	}
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// checkAppendAfterRecovery appends a batch to a recovered log, reopens it
// and expects the valid prefix plus that batch, with nothing dropped.
func checkAppendAfterRecovery(t *testing.T, what string, fs vfs.FS, l *wal.Log, want oracleResult) {
	next := []wal.Op{{Kind: wal.OpPut, Key: []byte("after"), Value: []byte("recovery")}}
	seq, err := l.Append(next)
	if err != nil {
		t.Fatalf("%s: append after recovery: %v", what, err)
	}
	if n := len(want.records); n > 0 && seq <= want.records[n-1].seq {
		t.Fatalf("%s: append after recovery got seq %d, not above the last kept %d", what, seq, want.records[n-1].seq)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("%s: close: %v", what, err)
	}
	l, err = wal.Open("wal", &wal.Options{FS: fs})
	if err != nil {
		t.Fatalf("%s: reopen after append: %v", what, err)
	}
	defer l.Close()
	if rep := l.Recovered(); rep.Segment != "" {
		t.Fatalf("%s: reopen after append dropped data: %s", what, rep)
	}
	after := oracleResult{records: append(append([]walRecord{}, want.records...), walRecord{seq: seq, ops: next}), bad: -1}
	checkLog(t, what+" after append", l, after, false)
}

func writeFile(t *testing.T, fs vfs.FS, name string, data []byte) {
	f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	// A copy: under -race, Pebble's MemFS scribbles over what it was given
	// to write (to catch writers that reuse their buffers too early).
	if _, err := f.Write(bytes.Clone(data)); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, fs vfs.FS, name string) []byte {
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
