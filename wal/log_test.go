package wal

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestRoundTripShapes(t *testing.T) {
	big := bytes.Repeat([]byte{0xa5, 0x5a, 0x00}, (1<<20)/3+1)[:1<<20]
	shapes := []struct {
		name string
		ops  []Op
	}{
		{"single-put", []Op{{Kind: OpPut, Key: []byte("a"), Value: []byte("b")}}},
		{"empty-value", []Op{{Kind: OpPut, Key: []byte("a"), Value: []byte{}}}},
		{"nil-value", []Op{{Kind: OpPut, Key: []byte("a")}}},
		{"delete", []Op{{Kind: OpDelete, Key: []byte("gone")}}},
		{"binary-key", []Op{{Kind: OpPut, Key: []byte{0, 0xff, 0, 1}, Value: []byte{0}}}},
		{"1MiB-value", []Op{{Kind: OpPut, Key: []byte("big"), Value: big}}},
		{"compressible", []Op{{Kind: OpPut, Key: []byte("z"), Value: make([]byte, 4096)}}},
		{"mixed", []Op{
			{Kind: OpPut, Key: []byte("x"), Value: []byte("1")},
			{Kind: OpDelete, Key: []byte("y")},
			{Kind: OpPut, Key: []byte("x"), Value: []byte("2")},
		}},
	}
	for _, segBytes := range []int64{100, 4096, DefaultSegmentBytes} {
		t.Run(fmt.Sprintf("segment=%d", segBytes), func(t *testing.T) {
			fs := vfs.NewMem()
			l := openT(t, fs, &Options{SegmentBytes: segBytes})
			for range 3 {
				for _, s := range shapes {
					if _, err := l.Append(s.ops); err != nil {
						t.Fatalf("Append %s: %v", s.name, err)
					}
				}
			}
			if err := l.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			l = openT(t, fs, &Options{SegmentBytes: segBytes})
			defer l.Close()
			got := replayAll(t, l, 0)
			if len(got) != 3*len(shapes) {
				t.Fatalf("replayed %d records, want %d", len(got), 3*len(shapes))
			}
			for i, b := range got {
				s := shapes[i%len(shapes)]
				if b.Seq != uint64(i+1) || !equalOps(b.Ops, s.ops) {
					t.Fatalf("record %d (%s): seq %d, contents equal %v", i, s.name, b.Seq, equalOps(b.Ops, s.ops))
				}
			}
			if segBytes == 100 && len(l.Segments()) < 8 {
				t.Fatalf("segment=100 should rotate often: %d segments", len(l.Segments()))
			}
		})
	}
}

func TestEmptyValueIsNotNil(t *testing.T) {
	fs := vfs.NewMem()
	l := openT(t, fs, nil)
	defer l.Close()
	if _, err := l.Append([]Op{{Kind: OpPut, Key: []byte("k"), Value: []byte{}}}); err != nil {
		t.Fatal(err)
	}
	err := l.Replay(0, func(b *Batch) error {
		if b.Ops[0].Value == nil || len(b.Ops[0].Value) != 0 {
			t.Errorf("empty put value replayed as %v", b.Ops[0].Value)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBadInput(t *testing.T) {
	fs := vfs.NewMem()
	l := openT(t, fs, &Options{MaxRecordBytes: 1000})
	defer l.Close()
	cases := []struct {
		name string
		ops  []Op
		want error
	}{
		{"nil", nil, ErrEmptyBatch},
		{"empty", []Op{}, ErrEmptyBatch},
		{"empty-key", []Op{{Kind: OpPut, Key: nil, Value: []byte("v")}}, ErrEmptyKey},
		{"unknown-kind", []Op{{Kind: 9, Key: []byte("k")}}, ErrBadOp},
		{"zero-kind", []Op{{Key: []byte("k")}}, ErrBadOp},
		{"delete-with-value", []Op{{Kind: OpDelete, Key: []byte("k"), Value: []byte("v")}}, ErrBadOp},
		{"too-large", []Op{{Kind: OpPut, Key: []byte("k"), Value: make([]byte, 1000)}}, ErrRecordTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := l.Size()
			seq, err := l.Append(c.ops)
			if !errors.Is(err, c.want) {
				t.Fatalf("Append: %v, want %v", err, c.want)
			}
			if seq != 0 || l.LastSeq() != 0 || l.Size() != before || l.Err() != nil {
				t.Fatalf("bad input changed the log: seq %d last %d size %d->%d err %v", seq, l.LastSeq(), before, l.Size(), l.Err())
			}
		})
	}
	if seq, err := l.Append(genOps(0)); err != nil || seq != 1 {
		t.Fatalf("Append after bad input: seq %d err %v", seq, err)
	}
}

func TestOptionsValidate(t *testing.T) {
	opts := &Options{SegmentBytes: -1, Sync: 7, SyncInterval: -1, MaxRecordBytes: MaxRecordBytesLimit + 1, Recovery: 5}
	orig := *opts
	_, err := Open("wal", opts)
	if !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Open: %v, want ErrInvalidOptions", err)
	}
	for _, field := range []string{"SegmentBytes", "Sync", "SyncInterval", "MaxRecordBytes", "Recovery"} {
		if !bytes.Contains([]byte(err.Error()), []byte(field)) {
			t.Errorf("error %q does not mention %s", err, field)
		}
	}
	if *opts != orig {
		t.Fatalf("Open modified the caller's options")
	}
	fs := vfs.NewMem()
	o := &Options{FS: fs}
	l, err := Open("wal", o)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if o.SegmentBytes != 0 || o.Logger != nil {
		t.Fatalf("Open filled defaults into the caller's options: %+v", o)
	}
	if d := DefaultOptions(); d.SegmentBytes != DefaultSegmentBytes || d.SyncInterval != DefaultSyncInterval || d.MaxRecordBytes != DefaultMaxRecordBytes {
		t.Fatalf("DefaultOptions: %+v", d)
	}
}

func TestReopenContinuesSequence(t *testing.T) {
	cases := []struct {
		name     string
		firstSeq uint64
		want     uint64
	}{
		{"no-floor", 0, 6},
		{"floor-below", 3, 6},
		{"floor-above", 100, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := vfs.NewMem()
			l := openT(t, fs, nil)
			appendN(t, l, 0, 5)
			l.Close()
			l = openT(t, fs, &Options{FirstSeq: c.firstSeq})
			if l.LastSeq() != c.want-1 {
				t.Fatalf("LastSeq after reopen = %d, want %d", l.LastSeq(), c.want-1)
			}
			seq, err := l.Append(genOps(5))
			if err != nil || seq != c.want {
				t.Fatalf("Append: seq %d err %v, want seq %d", seq, err, c.want)
			}
			l.Close()
			l = openT(t, fs, nil)
			defer l.Close()
			got := replayAll(t, l, 0)
			if len(got) != 6 || got[5].Seq != c.want || l.Recovered().Records != 6 {
				t.Fatalf("after second reopen: %d records, last seq %d, report %v", len(got), got[len(got)-1].Seq, l.Recovered())
			}
		})
	}
}

func TestReplayFrom(t *testing.T) {
	fs := vfs.NewMem()
	l := openT(t, fs, &Options{SegmentBytes: 512})
	defer l.Close()
	appendN(t, l, 0, 50)
	if len(l.Segments()) < 5 {
		t.Fatalf("want several segments, got %d", len(l.Segments()))
	}
	for _, from := range []uint64{0, 1, 2, 17, 49, 50, 51, 1000} {
		t.Run(fmt.Sprintf("from=%d", from), func(t *testing.T) {
			got := replayAll(t, l, from)
			first := max(from, 1)
			want := 0
			if first <= 50 {
				want = int(50 - first + 1)
			}
			if len(got) != want {
				t.Fatalf("replayed %d, want %d", len(got), want)
			}
			for i, b := range got {
				if b.Seq != first+uint64(i) || !equalOps(b.Ops, genOps(int(b.Seq-1))) {
					t.Fatalf("record %d: seq %d", i, b.Seq)
				}
			}
		})
	}
	stop := errors.New("stop")
	n := 0
	err := l.Replay(0, func(*Batch) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("Replay with failing fn: err %v after %d calls", err, n)
	}
}

func TestTruncate(t *testing.T) {
	fs := vfs.NewMem()
	l := openT(t, fs, &Options{SegmentBytes: 600})
	defer l.Close()
	appendN(t, l, 0, 60)
	segs := l.Segments()
	if len(segs) < 4 {
		t.Fatalf("want at least 4 segments, got %d", len(segs))
	}
	// Truncating just below the second segment's first seq removes nothing;
	// at it minus one, exactly the first segment.
	if err := l.Truncate(segs[1].FirstSeq - 2); err != nil {
		t.Fatal(err)
	}
	if len(l.Segments()) != len(segs) {
		t.Fatalf("Truncate(%d) removed a segment holding seq %d", segs[1].FirstSeq-2, segs[1].FirstSeq-1)
	}
	if err := l.Truncate(segs[1].FirstSeq - 1); err != nil {
		t.Fatal(err)
	}
	if got := l.Segments(); len(got) != len(segs)-1 || got[0] != segs[1] {
		t.Fatalf("after Truncate: %v", got)
	}
	if _, err := fs.Stat("wal/" + segs[0].Name); err == nil {
		t.Fatalf("segment %s still exists", segs[0].Name)
	}
	// Below the last record, the active segment stays.
	if err := l.Truncate(59); err != nil {
		t.Fatal(err)
	}
	got := l.Segments()
	if len(got) != 1 || got[0] != segs[len(segs)-1] {
		t.Fatalf("Truncate(59) must keep exactly the active segment: %v", got)
	}
	if recs := replayAll(t, l, 0); len(recs) == 0 || recs[len(recs)-1].Seq != 60 {
		t.Fatalf("active segment's records lost: %d", len(recs))
	}
	// Covering every record, the log rotates and drops the active segment:
	// one empty segment named after the next sequence number remains.
	if err := l.Truncate(60); err != nil {
		t.Fatal(err)
	}
	got = l.Segments()
	if len(got) != 1 || got[0].FirstSeq != 61 || got[0].Size != 0 || l.Size() != 0 {
		t.Fatalf("Truncate(60) must leave one empty segment 61: %v (size %d)", got, l.Size())
	}
	if recs := replayAll(t, l, 0); len(recs) != 0 {
		t.Fatalf("%d records replayed after everything was truncated", len(recs))
	}
	appendN(t, l, 60, 1)
	if recs := replayAll(t, l, 0); len(recs) != 1 || recs[0].Seq != 61 {
		t.Fatalf("append after a full truncate: %v", recs)
	}
	// A second Truncate with nothing new appended rotates nothing.
	if err := l.Truncate(60); err != nil || len(l.Segments()) != 1 {
		t.Fatalf("idle Truncate: %v, %v", err, l.Segments())
	}
}

func TestClosedAndReadOnly(t *testing.T) {
	fs := vfs.NewMem()
	l := openT(t, fs, nil)
	appendN(t, l, 0, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Append":   func() error { _, err := l.Append(genOps(0)); return err },
		"Sync":     l.Sync,
		"Truncate": func() error { return l.Truncate(1) },
		"Replay":   func() error { return l.Replay(0, func(*Batch) error { return nil }) },
		"Close":    l.Close,
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	ro := openT(t, fs, &Options{ReadOnly: true})
	defer ro.Close()
	if _, err := ro.Append(genOps(0)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Append on read-only: %v", err)
	}
	if err := ro.Sync(); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Sync on read-only: %v", err)
	}
	if got := replayAll(t, ro, 0); len(got) != 3 {
		t.Errorf("read-only replay: %d records", len(got))
	}
	missing, err := Open("nowhere", &Options{FS: fs, ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open of a missing dir: %v", err)
	}
	if _, err := fs.Stat("nowhere"); err == nil {
		t.Errorf("read-only Open created its directory")
	}
	missing.Close()
}

func TestSizeAndSegmentNames(t *testing.T) {
	fs := vfs.NewMem()
	l := openT(t, fs, &Options{SegmentBytes: 1000, FirstSeq: 42})
	appendN(t, l, 0, 20)
	var total int64
	for i, s := range l.Segments() {
		total += s.Size
		if s.Name != segmentName(s.FirstSeq) {
			t.Errorf("segment %d: name %s for first seq %d", i, s.Name, s.FirstSeq)
		}
		st, err := fs.Stat("wal/" + s.Name)
		if err != nil || st.Size() != s.Size {
			t.Errorf("segment %s: stat %v, size %d", s.Name, err, s.Size)
		}
	}
	if first := l.Segments()[0].Name; first != "000000000042.log" {
		t.Errorf("first segment %s", first)
	}
	if l.Size() != total || total == 0 {
		t.Errorf("Size %d, sum of segments %d", l.Size(), total)
	}
	l.Close()
}
