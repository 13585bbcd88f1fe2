package disktier

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// flipBytes inverts n bytes of the file at off.
func flipBytes(t *testing.T, fs vfs.FS, path string, off int64, n int) {
	t.Helper()
	f, err := fs.OpenReadWrite(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, off); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	for i := range buf {
		buf[i] ^= 0xff
	}
	if _, err := f.WriteAt(buf, off); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

func sstables(t *testing.T, fs vfs.FS, dir string) []string {
	t.Helper()
	names, err := fs.List(dir)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, ".sst") {
			out = append(out, fs.PathJoin(dir, n))
		}
	}
	return out
}

func checkCorruption(t *testing.T, err error, wantFile string) {
	t.Helper()
	if !errors.Is(err, ErrCorruption) {
		t.Fatalf("error %v does not match ErrCorruption", err)
	}
	var ce *CorruptionError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *CorruptionError", err)
	}
	if wantFile != "" && ce.File != wantFile {
		t.Fatalf("CorruptionError.File = %q, want %q (%v)", ce.File, wantFile, err)
	}
}

// compactedStore opens a store on fs holding 2000 keys compacted into
// sstables, for tests that damage those tables.
func compactedStore(t *testing.T, fs vfs.FS) *Store {
	t.Helper()
	s := openMem(t, fs, nil)
	b := s.NewBatch()
	for i := range 2000 {
		b.Set([]byte(fmt.Sprintf("key%05d", i)), []byte(strings.Repeat("v", 50)), uint64(i))
	}
	mustCommit(t, s, b)
	if err := s.Compact(nil, nil); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	return s
}

func TestSSTableCorruption(t *testing.T) {
	fs := vfs.NewMem()
	s := compactedStore(t, fs)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ssts := sstables(t, fs, "disk")
	if len(ssts) != 1 {
		t.Fatalf("want 1 sstable after a full compaction, got %v", ssts)
	}
	// The first data block starts at offset 0; damage it.
	flipBytes(t, fs, ssts[0], 64, 16)
	s = openMem(t, fs, nil)
	defer s.Close()

	t.Run("get", func(t *testing.T) {
		_, _, _, _, err := s.Get([]byte("key00000"), nil)
		checkCorruption(t, err, ssts[0])
		var ce *CorruptionError
		if errors.As(err, &ce); ce.Offset != 0 {
			t.Fatalf("CorruptionError.Offset = %d, want 0 (the first block): %v", ce.Offset, err)
		}
	})
	t.Run("iterate", func(t *testing.T) {
		it, err := s.NewIter(nil, nil)
		if err != nil {
			t.Fatalf("NewIter: %v", err)
		}
		defer it.Close()
		n := 0
		for ok := it.First(); ok; ok = it.Next() {
			n++
		}
		if n >= 2000 {
			t.Fatalf("iterated all %d keys over a damaged block", n)
		}
		checkCorruption(t, it.Error(), "")
	})
}

func TestMalformedStoredValues(t *testing.T) {
	cases := []struct {
		name string
		raw  []byte
	}{
		{"empty", nil},
		{"short-header", []byte{kindValue, 0, 0, 1}},
		{"unknown-kind", appendValue(nil, 7, 1, []byte("x"))},
		{"tombstone-with-payload", appendValue(nil, kindTombstone, 1, []byte("x"))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := openMem(t, vfs.NewMem(), nil)
			defer s.Close()
			// Write below the Store's encoding, as damage would.
			if err := s.db.Set(appendUserKey(nil, []byte("k")), c.raw, pebble.NoSync); err != nil {
				t.Fatalf("raw Set: %v", err)
			}
			_, _, _, _, err := s.Get([]byte("k"), nil)
			checkCorruption(t, err, "")
			it, err := s.NewIter(nil, nil)
			if err != nil {
				t.Fatalf("NewIter: %v", err)
			}
			if it.First() {
				t.Fatalf("iterator positioned on a malformed value")
			}
			checkCorruption(t, it.Error(), "")
			if it.Next() || it.Last() {
				t.Fatalf("iterator moved after a corruption error")
			}
			_ = it.Close()
			if err := s.Compact(nil, nil); !errors.Is(err, ErrCorruption) {
				t.Fatalf("Compact over a malformed value = %v, want ErrCorruption", err)
			}
		})
	}
}

func TestMalformedWatermark(t *testing.T) {
	fs := vfs.NewMem()
	s := openMem(t, fs, nil)
	if err := s.db.Set(watermarkKey, []byte{1, 2, 3}, pebble.NoSync); err != nil {
		t.Fatalf("raw Set: %v", err)
	}
	s.unflushed.Store(true)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := Open("disk", &Options{FS: fs}); !errors.Is(err, ErrCorruption) {
		t.Fatalf("Open with a malformed watermark = %v, want ErrCorruption", err)
	}
}

func TestDecodeValueRoundTrip(t *testing.T) {
	for _, c := range []struct {
		kind  byte
		seq   uint64
		value []byte
	}{{kindValue, 0, nil}, {kindValue, 1<<64 - 1, []byte("abc")}, {kindTombstone, 42, nil}} {
		t.Run(fmt.Sprintf("kind=%d/seq=%d", c.kind, c.seq), func(t *testing.T) {
			v, seq, tomb, err := decodeValue(appendValue(nil, c.kind, c.seq, c.value))
			if err != nil || seq != c.seq || tomb != (c.kind == kindTombstone) || string(v) != string(c.value) {
				t.Fatalf("decode = %q %d %v %v", v, seq, tomb, err)
			}
		})
	}
}

// TestDamagedManifestTail damages the last MANIFEST record. Pebble reads
// that as a torn write and reopens at the previous version. If the record
// was a flush, its data is gone: the flushed-watermark record must turn
// that into ErrCorruption. If it was a compaction, the previous version may
// name deleted files (ErrCorruption too) or still be complete (then the
// data must all be there). Never a silent loss.
func TestDamagedManifestTail(t *testing.T) {
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("last-edit-is-compaction=%v", compact), func(t *testing.T) {
			fs := vfs.NewMem()
			// Without compact, no compaction may follow the flushes: the
			// damaged record must be the second flush's.
			s := openMem(t, fs, &Options{L0CompactionThreshold: 100, L0StopWritesThreshold: 100})
			writeTwoFlushes(t, s)
			if compact {
				if err := s.Compact(nil, nil); err != nil {
					t.Fatalf("Compact: %v", err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			damageManifestTail(t, fs)
			r, err := Open("disk", &Options{FS: fs})
			if !compact || err != nil {
				checkCorruption(t, err, "")
				return
			}
			defer r.Close()
			if w := r.Watermark(); w != 2 {
				t.Fatalf("reopened at watermark %d without an error, want 2", w)
			}
			checkGet(t, r, []byte("b2-049"), &version{value: []byte("b2-"), seq: 2})
		})
	}
	t.Run("without-flushed-record", func(t *testing.T) {
		// What the record exists for: without it, Pebble reopens silently
		// at the older version.
		fs := vfs.NewMem()
		s := openMem(t, fs, &Options{L0CompactionThreshold: 100, L0StopWritesThreshold: 100})
		writeTwoFlushes(t, s)
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		damageManifestTail(t, fs)
		if err := fs.Remove("disk/" + flushedFile); err != nil {
			t.Fatalf("Remove: %v", err)
		}
		r, err := Open("disk", &Options{FS: fs})
		if err != nil {
			t.Fatalf("Open without the record: %v", err)
		}
		defer r.Close()
		if w := r.Watermark(); w != 1 {
			t.Fatalf("Pebble reopened at watermark %d; this test expects it to drop the damaged flush of 2", w)
		}
	})
}

func writeTwoFlushes(t *testing.T, s *Store) {
	t.Helper()
	for seq := uint64(1); seq <= 2; seq++ {
		if err := writeBatch(t, s, fmt.Sprintf("b%d-", seq), seq); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		if err := s.Flush(); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
}

// damageManifestTail flips bytes in the last record of the newest MANIFEST.
func damageManifestTail(t *testing.T, fs vfs.FS) {
	t.Helper()
	names, err := fs.List("disk")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var manifest string
	for _, n := range names {
		if strings.HasPrefix(n, "MANIFEST-") && n > manifest {
			manifest = n
		}
	}
	st, err := fs.Stat("disk/" + manifest)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	flipBytes(t, fs, "disk/"+manifest, st.Size()-8, 4)
}

func TestDamagedFlushedRecord(t *testing.T) {
	fs := vfs.NewMem()
	s := openMem(t, fs, nil)
	if err := writeBatch(t, s, "k", 1); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := s.Close(); err != nil { // Close flushes, which records 1
		t.Fatalf("Close: %v", err)
	}
	flipBytes(t, fs, "disk/"+flushedFile, 3, 1)
	_, err := Open("disk", &Options{FS: fs})
	checkCorruption(t, err, "disk/"+flushedFile)
}
