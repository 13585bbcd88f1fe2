package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// advFiles lists the files under dir whose names end in suffix (or start
// with it, for "MANIFEST"), sorted.
func advFiles(t *testing.T, fs vfs.FS, dir, match string) []string {
	t.Helper()
	names, err := fs.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, match) || strings.HasPrefix(n, match) {
			out = append(out, fs.PathJoin(dir, n))
		}
	}
	slices.Sort(out)
	return out
}

// advFlip XORs the byte at off (negative: from the end) of path with 0x5a.
func advFlip(t *testing.T, fs vfs.FS, path string, off int64) int64 {
	t.Helper()
	data := advReadFile(t, fs, path)
	if off < 0 {
		off += int64(len(data))
	}
	if off < 0 || off >= int64(len(data)) {
		t.Fatalf("%s has %d bytes, cannot flip offset %d", path, len(data), off)
	}
	data[off] ^= 0x5a
	advWriteFile(t, fs, path, data)
	return off
}

// advReadFile returns the whole content of path.
func advReadFile(t *testing.T, fs vfs.FS, path string) []byte {
	t.Helper()
	f, err := fs.Open(path)
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

// advWriteFile replaces path's content (synced).
func advWriteFile(t *testing.T, fs vfs.FS, path string, data []byte) {
	t.Helper()
	w, err := fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(w.Sync(), w.Close()); err != nil {
		t.Fatal(err)
	}
}

// TestAdvWALDamageIsCorruption: a byte flipped inside a WAL record that
// later synced records vouch for is damage: Open (read-write and read-only)
// fails with ErrCorruption naming the segment, never silently skipping the
// record or replaying a wrong value.
func TestAdvWALDamageIsCorruption(t *testing.T) {
	for _, where := range []string{"first-record", "middle"} {
		t.Run("where="+where, func(t *testing.T) {
			fs := vfs.NewMem()
			opts := engine.Options{FS: fs, CheckpointWALBytes: 1 << 30}
			db, err := engine.Open("db", &opts)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 200 {
				if err := db.Put(fmt.Appendf(nil, "k%03d", i), bytes.Repeat([]byte{byte('a' + i%26)}, 100)); err != nil {
					t.Fatal(err)
				}
			}
			// The crash: the files as they are, no Close.
			img := vfs.NewMem()
			if _, err := vfs.Clone(fs, img, "db", "db"); err != nil {
				t.Fatal(err)
			}
			_ = db.Close()
			segs := advFiles(t, img, "db/wal", ".log")
			if len(segs) == 0 {
				t.Fatal("no WAL segment")
			}
			off := int64(40) // inside the first record's payload
			if where == "middle" {
				st, err := img.Stat(segs[0])
				if err != nil {
					t.Fatal(err)
				}
				off = st.Size() / 2
			}
			advFlip(t, img, segs[0], off)
			for _, ro := range []bool{false, true} {
				o := opts
				o.FS, o.ReadOnly = img, ro
				db, err := engine.Open("db", &o)
				if err == nil {
					got, _ := dump(db)
					db.Close()
					t.Fatalf("ReadOnly=%v: Open of a damaged WAL succeeded with %d keys", ro, len(got))
				}
				if !errors.Is(err, engine.ErrCorruption) {
					t.Fatalf("ReadOnly=%v: Open of a damaged WAL: %v, want ErrCorruption", ro, err)
				}
				base := segs[0][strings.LastIndex(segs[0], "/")+1:]
				if !strings.Contains(err.Error(), base) {
					t.Fatalf("ReadOnly=%v: the corruption error does not name the segment %s: %v", ro, base, err)
				}
			}
		})
	}
}

// TestAdvDiskTierDamage: bytes flipped in the disk tier's table files never
// kill the process and never come back as wrong values: each Get returns
// the right value or ErrCorruption (counted in GetErrors, outside the Gets
// identity), a scan ends with ErrCorruption, and Compact reports it.
func TestAdvDiskTierDamage(t *testing.T) {
	for _, frac := range []int{4, 2} {
		t.Run(fmt.Sprintf("offset=1/%d", frac), func(t *testing.T) {
			fs := vfs.NewMem()
			opts := engine.Options{FS: fs, MemTierBytes: 4 << 10}
			db, err := engine.Open("db", &opts)
			if err != nil {
				t.Fatal(err)
			}
			val := func(i int) []byte { return bytes.Repeat(fmt.Appendf(nil, "%04d", i), 50) }
			const n = 1000
			for i := range n {
				if err := db.Put(fmt.Appendf(nil, "k%04d", i), val(i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Compact(nil, nil); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			ssts := advFiles(t, fs, "db/disk", ".sst")
			if len(ssts) == 0 {
				t.Fatal("no table files")
			}
			for _, p := range ssts {
				st, err := fs.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				advFlip(t, fs, p, st.Size()/int64(frac))
			}
			db, err = engine.Open("db", &opts)
			if err != nil {
				if !errors.Is(err, engine.ErrCorruption) {
					t.Fatalf("Open over damaged tables: %v, want success or ErrCorruption", err)
				}
				return
			}
			defer db.Close()
			bad := 0
			for i := range n {
				v, err := db.Get(fmt.Appendf(nil, "k%04d", i))
				switch {
				case errors.Is(err, engine.ErrCorruption):
					bad++
				case err != nil:
					t.Fatalf("Get(k%04d): %v, want the value or ErrCorruption", i, err)
				case !bytes.Equal(v, val(i)):
					t.Fatalf("Get(k%04d) returned a wrong value from a damaged table", i)
				}
			}
			s := db.Stats()
			if s.Gets != s.MemTierHits+s.DiskTierHits+s.NotFound || s.GetErrors != uint64(bad) {
				t.Fatalf("stats after corrupt reads: %+v (bad %d)", advCounters(s), bad)
			}
			it, err := db.NewIter(nil)
			if err != nil {
				if !errors.Is(err, engine.ErrCorruption) {
					t.Fatalf("NewIter: %v", err)
				}
			} else {
				count := 0
				for ok := it.First(); ok; ok = it.Next() {
					var i int
					if _, err := fmt.Sscanf(string(it.Key()), "k%04d", &i); err != nil || !bytes.Equal(it.Value(), val(i)) {
						t.Fatalf("scan returned a wrong entry %q from a damaged table", it.Key())
					}
					count++
				}
				err := it.Error()
				if bad > 0 && (count == n || !errors.Is(err, engine.ErrCorruption)) {
					t.Fatalf("scan over a damaged table: %d keys, Error() = %v; want it to stop with ErrCorruption", count, err)
				}
				_ = it.Close()
			}
			if bad == 0 {
				t.Logf("the flipped byte hit no block a Get reads (index or filter padding)")
				return
			}
			if err := db.Compact(nil, nil); err == nil {
				t.Fatalf("Compact over a damaged table succeeded")
			} else if !errors.Is(err, engine.ErrCorruption) && !errors.Is(err, engine.ErrReadOnly) {
				t.Fatalf("Compact over a damaged table: %v", err)
			}
		})
	}
}

// TestAdvDiskTierAnyFileDamage flips one byte, at two offsets, in each file
// of the disk tier's directory in turn (MANIFEST, OPTIONS, tables, the
// flushed-watermark file): Open then fails with ErrCorruption, or the DB
// opens and reads back either everything right or stops with
// ErrCorruption; never a wrong value, a panic or a dead process.
func TestAdvDiskTierAnyFileDamage(t *testing.T) {
	base := vfs.NewMem()
	db, err := engine.Open("db", &engine.Options{FS: base})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel()
	for i := range 300 {
		k, v := fmt.Appendf(nil, "k%03d", i), fmt.Appendf(nil, "value-%03d", i)
		if err := db.Put(k, v); err != nil {
			t.Fatal(err)
		}
		m.put(k, v)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	names, err := base.List("db/disk")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	for _, name := range names {
		p := base.PathJoin("db/disk", name)
		st, err := base.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.IsDir() || st.Size() == 0 {
			continue
		}
		for _, frac := range []int64{2, 8} {
			t.Run(fmt.Sprintf("%s/offset=1|%d", name, frac), func(t *testing.T) {
				fs := vfs.NewMem()
				if _, err := vfs.Clone(base, fs, "db", "db"); err != nil {
					t.Fatal(err)
				}
				advFlip(t, fs, p, st.Size()/frac)
				db, err := engine.Open("db", &engine.Options{FS: fs})
				if err != nil {
					if !errors.Is(err, engine.ErrCorruption) {
						t.Fatalf("Open: %v, want success or ErrCorruption", err)
					}
					return
				}
				defer db.Close()
				got, err := dump(db)
				if err != nil {
					if !errors.Is(err, engine.ErrCorruption) {
						t.Fatalf("scan: %v, want success or ErrCorruption", err)
					}
					for k, v := range got {
						if w, ok := m.get([]byte(k)); !ok || !bytes.Equal(v, w) {
							t.Fatalf("scan before the corruption returned %q=%q", k, v)
						}
					}
					return
				}
				if err := m.diff(got); err != nil {
					t.Fatalf("opened and scanned without error, but: %v", err)
				}
			})
		}
	}
}

// TestAdvWALAnyByteDamage flips bytes at offsets spread over every record
// of a SyncAlways WAL: a flip in any record but the last (which later,
// synced records vouch for) must be ErrCorruption at Open; a flip in the
// last record may instead drop that record as a lost tail. Never a wrong
// value, never a record silently skipped.
func TestAdvWALAnyByteDamage(t *testing.T) {
	base := vfs.NewMem()
	opts := engine.Options{FS: base, CheckpointWALBytes: 1 << 30}
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	var ends []int64 // WAL size after each record
	states := []string{advFingerprint(map[string][]byte{})}
	m := newModel()
	for i := range n {
		k, v := fmt.Appendf(nil, "k%02d", i%15), bytes.Repeat([]byte{byte('a' + i%26)}, 20+i)
		if err := db.Put(k, v); err != nil {
			t.Fatal(err)
		}
		m.put(k, v)
		states = append(states, advFingerprint(m.kv))
		ends = append(ends, db.Stats().WALBytes)
	}
	img := vfs.NewMem()
	if _, err := vfs.Clone(base, img, "db", "db"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	segs := advFiles(t, img, "db/wal", ".log")
	if len(segs) != 1 {
		t.Fatalf("want one WAL segment, have %v", segs)
	}
	st, err := img.Stat(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != ends[n-1] {
		t.Fatalf("segment of %d bytes, Stats said %d", st.Size(), ends[n-1])
	}
	for off := int64(0); off < st.Size(); off += 1 + off%13 {
		fs := vfs.NewMem()
		if _, err := vfs.Clone(img, fs, "db", "db"); err != nil {
			t.Fatal(err)
		}
		advFlip(t, fs, segs[0], off)
		o := opts
		o.FS = fs
		db, err := engine.Open("db", &o)
		inLast := off >= ends[n-2]
		if err != nil {
			if !errors.Is(err, engine.ErrCorruption) {
				t.Fatalf("flip at %d: Open: %v, want ErrCorruption", off, err)
			}
			continue
		}
		got, err := dump(db)
		db.Close()
		if err != nil {
			t.Fatalf("flip at %d: %v", off, err)
		}
		at := advPrefixIndex(states, advFingerprint(got))
		if !inLast || at < n-1 {
			t.Fatalf("flip at %d (record ends %v): Open succeeded with prefix %d of %d", off, ends[len(ends)-3:], at, n)
		}
	}
}

// TestAdvMissingFilesAreCorruption: files a crash cannot remove — a WAL
// segment other than the last (segments are synced, and the directory
// after each creation, before the next one starts), or the whole disk tier
// while the WAL still holds only what came after a checkpoint — make Open
// fail with ErrCorruption. They used to open silently with a hole in the
// data (the records of the missing segment, or everything checkpointed).
func TestAdvMissingFilesAreCorruption(t *testing.T) {
	setup := func(t *testing.T, checkpointFirst bool) (vfs.FS, []string) {
		t.Helper()
		fs := vfs.NewMem()
		db, err := engine.Open("db", &engine.Options{FS: fs, WALSegmentBytes: 4 << 10, CheckpointWALBytes: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 600 {
			if err := db.Put(fmt.Appendf(nil, "k%03d", i%300), make([]byte, 50)); err != nil {
				t.Fatal(err)
			}
			if checkpointFirst && i == 299 {
				if err := db.Checkpoint(); err != nil {
					t.Fatal(err)
				}
			}
		}
		img := vfs.NewMem()
		if _, err := vfs.Clone(fs, img, "db", "db"); err != nil {
			t.Fatal(err)
		}
		_ = db.Close()
		segs := advFiles(t, img, "db/wal", ".log")
		if len(segs) < 4 {
			t.Fatalf("want several WAL segments, have %v", segs)
		}
		return img, segs
	}
	cases := []struct {
		name       string
		checkpoint bool
		remove     func(segs []string) []string
	}{
		{"first-segment", false, func(s []string) []string { return s[:1] }},
		{"middle-segment", false, func(s []string) []string { return s[2:3] }},
		{"two-middle-segments", true, func(s []string) []string { return s[1:3] }},
		{"disk-tier", true, func([]string) []string { return []string{"db/disk"} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, segs := setup(t, c.checkpoint)
			for _, p := range c.remove(segs) {
				if err := fs.RemoveAll(p); err != nil {
					t.Fatal(err)
				}
			}
			for _, ro := range []bool{true, false} {
				db, err := engine.Open("db", &engine.Options{FS: fs, ReadOnly: ro})
				if err == nil {
					got, _ := dump(db)
					db.Close()
					t.Fatalf("ReadOnly=%v: Open succeeded with %d of 300 keys", ro, len(got))
				}
				if !errors.Is(err, engine.ErrCorruption) && !(ro && errors.Is(err, engine.ErrNotExist)) {
					t.Fatalf("ReadOnly=%v: Open: %v, want ErrCorruption", ro, err)
				}
			}
		})
	}
	// The last segment alone may vanish in a crash (SyncNever: nothing in
	// it was synced): that is a lost tail, not damage.
	t.Run("last-segment", func(t *testing.T) {
		fs, segs := setup(t, false)
		if err := fs.Remove(segs[len(segs)-1]); err != nil {
			t.Fatal(err)
		}
		db, err := engine.Open("db", &engine.Options{FS: fs})
		if err != nil {
			t.Fatalf("Open without the last segment: %v", err)
		}
		defer db.Close()
		got, err := dump(db)
		if err != nil || len(got) == 0 {
			t.Fatalf("%d keys, %v", len(got), err)
		}
	})
}
