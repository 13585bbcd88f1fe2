package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// TestAdvCheckpointLeavesNothingDirty: after Checkpoint (no concurrent
// writes) no resident entry is dirty and the WAL holds no live bytes, in
// every sync mode and with the memory tier full or not.
func TestAdvCheckpointLeavesNothingDirty(t *testing.T) {
	for _, sync := range []engine.SyncMode{engine.SyncAlways, engine.SyncInterval, engine.SyncNever} {
		for _, mem := range []int64{2 << 10, 1 << 20} {
			t.Run(fmt.Sprintf("sync=%s/mem=%d", sync, mem), func(t *testing.T) {
				db, _ := advOpen(t, engine.Options{MemTierBytes: mem, Sync: sync})
				for i := range 300 {
					k := fmt.Appendf(nil, "k%03d", i%120)
					var err error
					if i%5 == 0 {
						err = db.Delete(k)
					} else {
						err = db.Put(k, make([]byte, 30))
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				if s := db.Stats(); s.DirtyEntries == 0 || s.WALBytes == 0 {
					t.Fatalf("nothing to checkpoint: %+v", s)
				}
				if err := db.Checkpoint(); err != nil {
					t.Fatal(err)
				}
				s := db.Stats()
				if s.DirtyEntries != 0 || s.WALBytes != 0 {
					t.Fatalf("after Checkpoint: %d dirty entries, %d WAL bytes", s.DirtyEntries, s.WALBytes)
				}
				if s.DurableSeq != s.LastSeq {
					t.Fatalf("after Checkpoint: durable seq %d, last seq %d", s.DurableSeq, s.LastSeq)
				}
			})
		}
	}
}

// TestAdvOverwritesAndDeletesReclaimSpace: overwriting one key many times,
// or writing and deleting many, leaves (after Compact) a disk tier and a
// WAL about the size of what is live, not of what was written.
func TestAdvOverwritesAndDeletesReclaimSpace(t *testing.T) {
	db, _ := advOpen(t, engine.Options{MemTierBytes: 64 << 10, WALSegmentBytes: 256 << 10})
	val := bytes.Repeat([]byte("0123456789abcdef"), 640) // 10 KiB
	for i := range 500 {                                 // 5 MiB of overwrites
		val[0] = byte(i)
		if err := db.Put([]byte("hot"), val); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 300 { // 3 MiB written, then deleted
		if err := db.Put(fmt.Appendf(nil, "tmp%03d", i), val); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 300 {
		if err := db.Delete(fmt.Appendf(nil, "tmp%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Compact(nil, nil); err != nil {
		t.Fatal(err)
	}
	s := db.Stats()
	if s.WALBytes != 0 || s.Disk.DiskUsageBytes > 1<<20 {
		t.Fatalf("after Compact: WAL %d bytes, disk tier %d bytes for one live 10 KiB value", s.WALBytes, s.Disk.DiskUsageBytes)
	}
	if v, err := db.Get([]byte("hot")); err != nil || v[0] != byte(499%256) {
		t.Fatalf("hot: %v", err)
	}
}

// TestAdvCompactOddRanges: Compact over empty, inverted, half-open and
// absent ranges either succeeds or fails, but never breaks the DB.
func TestAdvCompactOddRanges(t *testing.T) {
	db, fs := advOpen(t, engine.Options{MemTierBytes: 2 << 10})
	for i := range 100 {
		if err := db.Put(fmt.Appendf(nil, "k%03d", i), make([]byte, 50)); err != nil {
			t.Fatal(err)
		}
	}
	ranges := []struct{ start, end []byte }{
		{nil, nil}, {[]byte("k050"), nil}, {nil, []byte("k050")},
		{[]byte("k050"), []byte("k050")}, {[]byte("k090"), []byte("k010")},
		{[]byte("zzz"), nil}, {nil, []byte("a")}, {[]byte{}, []byte{}}, {[]byte{0}, []byte{0xff, 0xff}},
	}
	for _, r := range ranges {
		t.Run(fmt.Sprintf("%q..%q", r.start, r.end), func(t *testing.T) {
			if err := db.Compact(r.start, r.end); err != nil && (errors.Is(err, engine.ErrReadOnly) || errors.Is(err, engine.ErrCorruption)) {
				t.Fatalf("Compact(%q, %q) broke the DB: %v", r.start, r.end, err)
			}
			if err := db.Put([]byte("after"), []byte("x")); err != nil {
				t.Fatalf("write after Compact(%q, %q): %v", r.start, r.end, err)
			}
		})
	}
	db = advMove(t, db, fs, engine.Options{MemTierBytes: 2 << 10}, "reopen")
	got, err := dump(db)
	if err != nil || len(got) != 101 {
		t.Fatalf("after the compactions and a reopen: %d keys, %v", len(got), err)
	}
}
