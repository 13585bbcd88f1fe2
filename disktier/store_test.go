package disktier

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// version is what the tests expect to read back for a key.
type version struct {
	value []byte
	seq   uint64
	tomb  bool
}

func openMem(t testing.TB, fs vfs.FS, opts *Options) *Store {
	t.Helper()
	o := Options{FS: fs, MemTableBytes: 1 << 20, BlockCacheBytes: 1 << 20}
	if opts != nil {
		o = *opts
		o.FS = fs
	}
	s, err := Open("disk", &o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func mustCommit(t testing.TB, s *Store, b *Batch) {
	t.Helper()
	if err := s.Commit(b); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

func checkGet(t testing.TB, s *Store, key []byte, want *version) {
	t.Helper()
	v, seq, tomb, ok, err := s.Get(key, []byte("prefix"))
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if want == nil {
		if ok {
			t.Fatalf("Get(%q) = seq %d tomb %v, want absent", key, seq, tomb)
		}
		return
	}
	if !ok || seq != want.seq || tomb != want.tomb || !bytes.Equal(v, append([]byte("prefix"), want.value...)) {
		t.Fatalf("Get(%q) = %q seq=%d tomb=%v ok=%v, want %q seq=%d tomb=%v", key, v, seq, tomb, ok, want.value, want.seq, want.tomb)
	}
}

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		key  []byte
		want version
	}{
		{"value", []byte("a"), version{value: []byte("hello"), seq: 7}},
		{"empty-value", []byte("empty"), version{value: []byte{}, seq: 8}},
		{"tombstone", []byte("gone"), version{seq: 9, tomb: true}},
		{"binary-key", []byte{0, 0xff, 'm', 0}, version{value: []byte{0, 1, 2}, seq: 1 << 60}},
		{"meta-lookalike-key", watermarkKey, version{value: []byte("x"), seq: 1}},
		{"seq-zero", []byte("z"), version{value: []byte("v"), seq: 0}},
	}
	fs := vfs.NewMem()
	s := openMem(t, fs, nil)
	b := s.NewBatch()
	for _, c := range cases {
		if c.want.tomb {
			b.SetTombstone(c.key, c.want.seq)
		} else {
			b.Set(c.key, c.want.value, c.want.seq)
		}
	}
	if b.Len() != len(cases) {
		t.Fatalf("Len = %d, want %d", b.Len(), len(cases))
	}
	mustCommit(t, s, b)
	if b.Len() != 0 {
		t.Fatalf("Len after Commit = %d, want 0", b.Len())
	}
	for phase := range []string{"memtable", "flushed", "reopened"} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("phase=%d/%s", phase, c.name), func(t *testing.T) {
				checkGet(t, s, c.key, &c.want)
			})
		}
		checkGet(t, s, []byte("never-written"), nil)
		switch phase {
		case 0:
			if err := s.Flush(); err != nil {
				t.Fatalf("Flush: %v", err)
			}
		case 1:
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s = openMem(t, fs, nil)
		}
	}
	// A physical delete removes the key; the later write in a batch wins.
	b.Delete([]byte("a"))
	b.Set([]byte("z"), []byte("first"), 10)
	b.Set([]byte("z"), []byte("second"), 11)
	mustCommit(t, s, b)
	checkGet(t, s, []byte("a"), nil)
	checkGet(t, s, []byte("z"), &version{value: []byte("second"), seq: 11})
	// Metadata never shows up as a user key.
	b.SetWatermark(5)
	mustCommit(t, s, b)
	checkGet(t, s, watermarkKey[1:], nil)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestWatermarkReopen(t *testing.T) {
	fs := vfs.NewMem()
	s := openMem(t, fs, nil)
	if w := s.Watermark(); w != 0 {
		t.Fatalf("fresh Watermark = %d, want 0", w)
	}
	for _, w := range []uint64{3, 17, 1 << 40} {
		t.Run(fmt.Sprintf("w=%d", w), func(t *testing.T) {
			b := s.NewBatch()
			b.Set([]byte("k"), []byte("v"), w)
			b.SetWatermark(w)
			mustCommit(t, s, b)
			if got := s.Watermark(); got != w {
				t.Fatalf("Watermark after Commit = %d, want %d", got, w)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s = openMem(t, fs, nil)
			if got := s.Watermark(); got != w {
				t.Fatalf("Watermark after reopen = %d, want %d", got, w)
			}
		})
	}
	// A batch without SetWatermark leaves it alone.
	b := s.NewBatch()
	b.Set([]byte("k"), []byte("v"), 99)
	mustCommit(t, s, b)
	if got := s.Watermark(); got != 1<<40 {
		t.Fatalf("Watermark = %d, want 1<<40", got)
	}
	// Watermarks never go back; the batch is not applied.
	b.Set([]byte("k"), []byte("regressed"), 100)
	b.SetWatermark(17)
	if err := s.Commit(b); !errors.Is(err, ErrWatermarkRegression) {
		t.Fatalf("Commit of a lower watermark = %v, want ErrWatermarkRegression", err)
	}
	checkGet(t, s, []byte("k"), &version{value: []byte("v"), seq: 99})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestCompactPurgesOldTombstones(t *testing.T) {
	fs := vfs.NewMem()
	s := openMem(t, fs, nil)
	b := s.NewBatch()
	b.SetTombstone([]byte("old-tomb"), 5)
	b.SetTombstone([]byte("at-watermark"), 10)
	b.SetTombstone([]byte("new-tomb"), 11)
	b.Set([]byte("live-old"), []byte("v"), 1)
	b.Set([]byte("live-new"), []byte("w"), 20)
	b.SetTombstone([]byte("zz-outside-range"), 2)
	b.SetWatermark(10)
	mustCommit(t, s, b)
	if err := s.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if err := s.Compact(nil, []byte("z")); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	checkGet(t, s, []byte("old-tomb"), nil)
	checkGet(t, s, []byte("at-watermark"), nil)
	checkGet(t, s, []byte("new-tomb"), &version{seq: 11, tomb: true})
	checkGet(t, s, []byte("live-old"), &version{value: []byte("v"), seq: 1})
	checkGet(t, s, []byte("live-new"), &version{value: []byte("w"), seq: 20})
	checkGet(t, s, []byte("zz-outside-range"), &version{seq: 2, tomb: true})
	if err := s.Compact(nil, nil); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	checkGet(t, s, []byte("zz-outside-range"), nil)
	m := s.Metrics()
	var files int64
	for _, l := range m.Levels[:NumLevels-1] {
		files += l.Files
	}
	if files != 0 || m.Levels[NumLevels-1].Files == 0 {
		t.Fatalf("after full compaction want all files in the last level:\n%s", m)
	}
	if m.UserBytesWritten == 0 || m.FlushBytesWritten == 0 || m.WriteAmp() <= 0 {
		t.Fatalf("write counters not maintained:\n%s", m)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestCompactPurgeManyChunks(t *testing.T) {
	s := openMem(t, vfs.NewMem(), nil)
	b := s.NewBatch()
	const n = 3*purgeChunk + 17
	for i := range n {
		k := []byte(fmt.Sprintf("k%06d", i))
		if i%2 == 0 {
			b.SetTombstone(k, uint64(i))
		} else {
			b.Set(k, k, uint64(i))
		}
	}
	b.SetWatermark(n)
	mustCommit(t, s, b)
	if err := s.Compact(nil, nil); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	it, err := s.NewIter(nil, nil)
	if err != nil {
		t.Fatalf("NewIter: %v", err)
	}
	count := 0
	for ok := it.First(); ok; ok = it.Next() {
		if it.Tombstone() {
			t.Fatalf("tombstone %q survived the purge", it.Key())
		}
		count++
	}
	if count != n/2 {
		t.Fatalf("%d live keys after purge, want %d", count, n/2)
	}
	if err := it.Close(); err != nil {
		t.Fatalf("iter Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestClosedAndReadOnlyErrors(t *testing.T) {
	fs := vfs.NewMem()
	s := openMem(t, fs, nil)
	b := s.NewBatch()
	b.Set([]byte("k"), []byte("v"), 1)
	mustCommit(t, s, b)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	b.Set([]byte("k"), []byte("v"), 2)
	_, _, _, _, getErr := s.Get([]byte("k"), nil)
	_, iterErr := s.NewIter(nil, nil)
	for name, err := range map[string]error{
		"Get": getErr, "NewIter": iterErr, "Commit": s.Commit(b), "Flush": s.Flush(),
		"Compact": s.Compact(nil, nil), "Close": s.Close(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	ro := openMem(t, fs, &Options{ReadOnly: true})
	checkGet(t, ro, []byte("k"), &version{value: []byte("v"), seq: 1})
	for name, err := range map[string]error{
		"Commit": ro.Commit(b), "Flush": ro.Flush(), "Compact": ro.Compact(nil, nil),
	} {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s on read-only = %v, want ErrReadOnly", name, err)
		}
	}
	if err := ro.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := Open("missing", &Options{FS: fs, ReadOnly: true}); err == nil {
		t.Fatalf("read-only Open of a missing store succeeded")
	}
}

// snapshotFS returns every file under dir with its contents.
func snapshotFS(t *testing.T, fs vfs.FS, dir string) map[string]string {
	t.Helper()
	names, err := fs.List(dir)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	sort.Strings(names)
	out := make(map[string]string, len(names))
	for _, n := range names {
		f, err := fs.Open(fs.PathJoin(dir, n))
		if err != nil {
			t.Fatalf("Open %s: %v", n, err)
		}
		st, err := f.Stat()
		if err != nil {
			t.Fatalf("Stat %s: %v", n, err)
		}
		buf := make([]byte, st.Size())
		if _, err := f.ReadAt(buf, 0); err != nil && st.Size() > 0 {
			t.Fatalf("ReadAt %s: %v", n, err)
		}
		_ = f.Close()
		out[n] = string(buf)
	}
	return out
}

func TestReadOnlyWritesNothing(t *testing.T) {
	fs := vfs.NewMem()
	s := openMem(t, fs, nil)
	b := s.NewBatch()
	for i := range 500 {
		b.Set([]byte(fmt.Sprintf("k%04d", i)), []byte("value"), uint64(i))
	}
	b.SetWatermark(499)
	mustCommit(t, s, b)
	if err := s.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	b.SetTombstone([]byte("k0001"), 600)
	mustCommit(t, s, b)
	// Closed with unflushed data: Close flushes it.
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	before := snapshotFS(t, fs, "disk")
	ro := openMem(t, fs, &Options{ReadOnly: true})
	checkGet(t, ro, []byte("k0001"), &version{seq: 600, tomb: true})
	checkGet(t, ro, []byte("k0002"), &version{value: []byte("value"), seq: 2})
	if ro.Watermark() != 499 {
		t.Fatalf("Watermark = %d, want 499", ro.Watermark())
	}
	it, err := ro.NewIter(nil, nil)
	if err != nil {
		t.Fatalf("NewIter: %v", err)
	}
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	if n != 500 {
		t.Fatalf("iterated %d keys, want 500", n)
	}
	_ = it.Close()
	_ = ro.Metrics()
	if err := ro.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	after := snapshotFS(t, fs, "disk")
	if len(before) != len(after) {
		t.Fatalf("file listing changed: %d files before, %d after", len(before), len(after))
	}
	for name, data := range before {
		got, ok := after[name]
		if !ok || got != data {
			t.Fatalf("file %s changed by a read-only open (present=%v)", name, ok)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	bad := &Options{FS: vfs.NewMem(), BlockCacheBytes: -1, BloomBitsPerKey: -2}
	_, err := Open("disk", bad)
	if err == nil {
		t.Fatalf("Open with negative sizes succeeded")
	}
	for _, want := range []string{"BlockCacheBytes", "BloomBitsPerKey"} {
		if !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if bad.BlockCacheBytes != -1 || bad.MemTableBytes != 0 {
		t.Fatalf("Open modified the caller's Options")
	}
	if d := DefaultOptions(); d.BlockCacheBytes != DefaultBlockCacheBytes || d.BloomBitsPerKey != DefaultBloomBitsPerKey {
		t.Fatalf("DefaultOptions = %+v", d)
	}
}

// TestReadOnlyAfterCrashWritesNothing opens read-only a store left by a
// crash (unflushed commits lost, an automatic flush possibly half done):
// Pebble must not clean up or recover anything on disk.
func TestReadOnlyAfterCrashWritesNothing(t *testing.T) {
	fs := vfs.NewCrashableMem()
	s := openMem(t, fs, &Options{MemTableBytes: 64 << 10})
	for i := range 40 {
		if err := writeBatch(t, s, fmt.Sprintf("k%02d-", i), uint64(i+1)); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		if i == 10 {
			if err := s.Flush(); err != nil {
				t.Fatalf("Flush: %v", err)
			}
		}
	}
	crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 50, RNG: rand.New(rand.NewPCG(7, 7))})
	_ = s.Close()
	before := snapshotFS(t, crashed, "disk")
	ro := openMem(t, crashed, &Options{ReadOnly: true})
	if w := ro.Watermark(); w < 11 {
		t.Fatalf("Watermark = %d, want >= 11 (the flushed batches)", w)
	}
	checkGet(t, ro, []byte("k10-049"), &version{value: []byte("k10-"), seq: 11})
	if err := ro.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	after := snapshotFS(t, crashed, "disk")
	if !maps.Equal(before, after) {
		t.Fatalf("read-only open after a crash changed the directory: %d files before, %d after", len(before), len(after))
	}
}
