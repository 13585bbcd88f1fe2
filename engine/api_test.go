package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

func openMem(t *testing.T, opts *engine.Options) *engine.DB {
	t.Helper()
	if opts == nil {
		opts = &engine.Options{}
	}
	if opts.FS == nil {
		opts.FS = vfs.NewMem()
	}
	db, err := engine.Open("db", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestBadInput(t *testing.T) {
	db := openMem(t, &engine.Options{MaxKeyBytes: 8, MaxValueBytes: 16})
	long := bytes.Repeat([]byte{'x'}, 17)
	cases := []struct {
		name string
		call func() error
		want error
	}{
		{"get/empty-key", func() error { _, err := db.Get(nil); return err }, engine.ErrEmptyKey},
		{"get/long-key", func() error { _, err := db.Get(long[:9]); return err }, engine.ErrKeyTooLarge},
		{"put/empty-key", func() error { return db.Put([]byte{}, []byte("v")) }, engine.ErrEmptyKey},
		{"put/long-key", func() error { return db.Put(long[:9], nil) }, engine.ErrKeyTooLarge},
		{"put/long-value", func() error { return db.Put([]byte("k"), long) }, engine.ErrValueTooLarge},
		{"delete/empty-key", func() error { return db.Delete(nil) }, engine.ErrEmptyKey},
		{"batch/one-bad-op", func() error {
			b := db.NewBatch()
			b.Put([]byte("good"), []byte("v"))
			b.Put([]byte("bad"), long)
			return db.Apply(b)
		}, engine.ErrValueTooLarge},
		{"get/absent", func() error { _, err := db.Get([]byte("nope")); return err }, engine.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	// Nothing of the rejected batch was written.
	if _, err := db.Get([]byte("good")); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("a rejected batch wrote part of itself: %v", err)
	}
	if s := db.Stats(); s.Writes != 0 {
		t.Fatalf("rejected writes counted: %d", s.Writes)
	}
}

func TestInvalidOptions(t *testing.T) {
	cases := []engine.Options{
		{MemTierBytes: -1},
		{Policy: "fifo"},
		{Sync: engine.SyncMode(9)},
		{MaxValueBytes: -5},
	}
	for i, o := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			o.FS = vfs.NewMem()
			db, err := engine.Open("db", &o)
			if !errors.Is(err, engine.ErrInvalidOptions) {
				if db != nil {
					db.Close()
				}
				t.Fatalf("got %v, want ErrInvalidOptions", err)
			}
		})
	}
}

func TestEmptyValueIsAValue(t *testing.T) {
	db := openMem(t, nil)
	if err := db.Put([]byte("k"), nil); err != nil {
		t.Fatal(err)
	}
	v, err := db.Get([]byte("k"))
	if err != nil || v == nil || len(v) != 0 {
		t.Fatalf("got (%v, %v), want an empty non-nil value", v, err)
	}
}

func TestUseAfterClose(t *testing.T) {
	fs := vfs.NewMem()
	db, err := engine.Open("db", &engine.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Put([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	it, err := db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Get":        func() error { _, err := db.Get([]byte("k")); return err },
		"Put":        func() error { return db.Put([]byte("k"), nil) },
		"Delete":     func() error { return db.Delete([]byte("k")) },
		"Apply":      func() error { b := db.NewBatch(); b.Put([]byte("k"), nil); return db.Apply(b) },
		"NewIter":    func() error { _, err := db.NewIter(nil); return err },
		"Checkpoint": db.Checkpoint,
		"Compact":    func() error { return db.Compact(nil, nil) },
		"Close":      db.Close,
		"Iterator":   it.Error,
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, engine.ErrClosed) {
			t.Errorf("%s after Close: got %v, want ErrClosed", name, err)
		}
	}
	if it.First() || it.Valid() || it.Key() != nil || it.Next() || it.Prev() || it.SeekGE([]byte("a")) {
		t.Errorf("closed iterator still positions")
	}
	if err := it.Close(); err != nil {
		t.Errorf("closing a closed iterator: %v", err)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	fs := vfs.NewMem()
	db, err := engine.Open("db", &engine.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Open("db", &engine.Options{FS: fs}); !errors.Is(err, engine.ErrLocked) {
		t.Fatalf("second open: got %v, want ErrLocked", err)
	}
	if _, err := engine.Open("db", &engine.Options{FS: fs, ReadOnly: true}); !errors.Is(err, engine.ErrLocked) {
		t.Fatalf("second read-only open: got %v, want ErrLocked", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = engine.Open("db", &engine.Options{FS: fs})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	db.Close()
}

func TestSecondOpenOnDiskIsLocked(t *testing.T) {
	dir := t.TempDir()
	db, err := engine.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := engine.Open(dir, nil); !errors.Is(err, engine.ErrLocked) {
		t.Fatalf("second open: got %v, want ErrLocked", err)
	}
	if _, err := engine.Open(dir+"/./", nil); !errors.Is(err, engine.ErrLocked) {
		t.Fatalf("second open under another spelling: got %v, want ErrLocked", err)
	}
}

func TestStatsAfterClose(t *testing.T) {
	db, err := engine.Open("db", &engine.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Put([]byte("k"), []byte("v"))
	_, _ = db.Get([]byte("k"))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if s := db.Stats(); s.Gets != 1 || s.MemTierHits != 1 {
		t.Fatalf("stats after close: %+v", s)
	}
}

// fsState lists every file with its contents.
func fsState(t *testing.T, fs vfs.FS, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(string)
	walk = func(d string) {
		names, err := fs.List(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			p := fs.PathJoin(d, n)
			st, err := fs.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.IsDir() {
				walk(p)
				continue
			}
			f, err := fs.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			out[p] = string(data)
		}
	}
	walk(dir)
	return out
}

func TestReadOnlyChangesNothing(t *testing.T) {
	fs := vfs.NewMem()
	db, err := engine.Open("db", &engine.Options{FS: fs, MemTierBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := db.Put(fmt.Appendf(nil, "k%03d", i), fmt.Appendf(nil, "v%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	for i := range 50 { // some writes only in the WAL
		if err := db.Put(fmt.Appendf(nil, "k%03d", i), []byte("new")); err != nil {
			t.Fatal(err)
		}
	}
	// Simulate a crash: the WAL tail is not checkpointed.
	crashed := vfs.NewMem()
	if _, err := vfs.Clone(fs, crashed, "db", "db"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := fsState(t, crashed, "db")
	ro, err := engine.Open("db", &engine.Options{FS: crashed, ReadOnly: true, MemTierBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := ro.Get([]byte("k010")); err != nil || string(v) != "new" {
		t.Fatalf("read-only get: (%q, %v), want the WAL's value", v, err)
	}
	if v, err := ro.Get([]byte("k150")); err != nil || string(v) != "v150" {
		t.Fatalf("read-only get: (%q, %v), want the disk tier's value", v, err)
	}
	if err := ro.Put([]byte("x"), []byte("y")); !errors.Is(err, engine.ErrReadOnly) {
		t.Fatalf("put on read-only: %v", err)
	}
	if err := ro.Checkpoint(); !errors.Is(err, engine.ErrReadOnly) {
		t.Fatalf("checkpoint on read-only: %v", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	after := fsState(t, crashed, "db")
	delete(before, "db/LOCK")
	delete(after, "db/LOCK")
	if !mapsEqual(before, after) {
		t.Fatalf("read-only open changed files:\nbefore %v\nafter  %v", keysOf(before), keysOf(after))
	}
	if _, err := engine.Open("missing", &engine.Options{FS: crashed, ReadOnly: true}); !errors.Is(err, engine.ErrNotExist) {
		t.Fatalf("read-only open of a missing dir: %v", err)
	}
	if _, err := crashed.Stat("missing"); err == nil {
		t.Fatalf("read-only open created a directory")
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keysOf(m map[string]string) []string {
	var ks []string
	for k, v := range m {
		ks = append(ks, fmt.Sprintf("%s(%d)", k, len(v)))
	}
	slices.Sort(ks)
	return ks
}

func TestStatsAddUp(t *testing.T) {
	db := openMem(t, &engine.Options{MemTierBytes: 2 << 10})
	for i := range 300 {
		if err := db.Put(fmt.Appendf(nil, "k%03d", i), make([]byte, 50)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 600 {
		_, _ = db.Get(fmt.Appendf(nil, "k%03d", i%400))
	}
	_, _ = db.Get(nil) // bad input is not a Get outcome
	s := db.Stats()
	if s.Gets != s.MemTierHits+s.DiskTierHits+s.NotFound {
		t.Fatalf("Gets %d != MemTierHits %d + DiskTierHits %d + NotFound %d", s.Gets, s.MemTierHits, s.DiskTierHits, s.NotFound)
	}
	if s.Gets != 600 || s.NotFound != 100 || s.DiskTierHits == 0 || s.WriteBacks == 0 || s.Evictions == 0 {
		t.Fatalf("unexpected stats: %+v", s)
	}
	if s.MemTierBytes > 4<<10 {
		t.Fatalf("memory tier holds %d bytes, budget %d", s.MemTierBytes, 2<<10)
	}
	if s.UserBytesWritten != 300*(4+50) || s.WALBytesWritten < s.UserBytesWritten {
		t.Fatalf("user bytes %d, WAL bytes %d: want 16200 and at least as many", s.UserBytesWritten, s.WALBytesWritten)
	}
	if s.GetLatency.Count == 0 || s.GetLatency.P99 < s.GetLatency.P50 {
		t.Fatalf("get latency: %+v", s.GetLatency)
	}
}

// TestNoGoroutineLeak opens, works and closes many DBs and checks that the
// goroutine count returns to where it was.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, s := range []engine.SyncMode{engine.SyncAlways, engine.SyncInterval, engine.SyncNever} {
		db, err := engine.Open("db", &engine.Options{FS: vfs.NewMem(), Sync: s, MemTierBytes: 1 << 10, CheckpointWALBytes: 4 << 10})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 200 {
			if err := db.Put(fmt.Appendf(nil, "k%d", i), make([]byte, 100)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var after int
	// Pebble's last flush goroutine may still be on its way out when Close
	// returns: give exiting goroutines a few seconds to be scheduled.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if after = runtime.NumGoroutine(); after <= before {
			return
		}
		runtime.Gosched()
	}
	buf := make([]byte, 1<<16)
	n := runtime.Stack(buf, true)
	t.Fatalf("goroutines: %d before, %d after close:\n%s", before, after, firstLines(string(buf[:n]), 60))
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// TestLargeValues writes values larger than the memory tier may admit (and
// one compressible): they go straight to write-back and read back intact,
// also after a reopen.
func TestLargeValues(t *testing.T) {
	fs := vfs.NewMem()
	opts := &engine.Options{FS: fs, MemTierBytes: 1 << 20}
	db, err := engine.Open("db", opts)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 4<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(rng.Uint32()) // incompressible
	}
	vals := map[string][]byte{
		"big":          big,
		"compressible": bytes.Repeat([]byte("tierkv "), 20000),
		"small":        []byte("s"),
	}
	for k, v := range vals {
		if err := db.Put([]byte(k), v); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		for k, v := range vals {
			got, err := db.Get([]byte(k))
			if err != nil || !bytes.Equal(got, v) {
				t.Fatalf("%s: %s: got %d bytes (%v), want %d", when, k, len(got), err, len(v))
			}
		}
		if s := db.Stats(); s.MemTierBytes > 2<<20 {
			t.Fatalf("%s: memory tier holds %d bytes with a 1 MiB budget", when, s.MemTierBytes)
		}
	}
	check("before reopen")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = engine.Open("db", opts); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check("after reopen")
}

// TestCheckpointDropsWAL: a checkpoint that covers every write leaves no
// WAL bytes behind, and the DB reopens with everything.
func TestCheckpointDropsWAL(t *testing.T) {
	fs := vfs.NewMem()
	opts := &engine.Options{FS: fs, WALSegmentBytes: 1 << 20}
	db, err := engine.Open("db", opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		if err := db.Put(fmt.Appendf(nil, "k%03d", i), make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
	}
	if s := db.Stats(); s.WALBytes == 0 {
		t.Fatalf("WAL holds %d bytes before the checkpoint", s.WALBytes)
	}
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if s := db.Stats(); s.WALBytes != 0 {
		t.Fatalf("WAL holds %d bytes after a checkpoint covering every write", s.WALBytes)
	}
	if err := db.Put([]byte("after"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = engine.Open("db", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := dump(db)
	if err != nil || len(got) != 501 {
		t.Fatalf("after reopen: %d keys (%v), want 501", len(got), err)
	}
}

// TestLifetimeWriteCounters checks that the disk tier's write counters
// outlive the process that wrote: a reopen (read-only too) starts from
// what the last one recorded, and the per-Open counters start from zero.
func TestLifetimeWriteCounters(t *testing.T) {
	fs := vfs.NewMem()
	var prev engine.DiskStats
	for round := range 3 {
		db, err := engine.Open("db", &engine.Options{FS: fs})
		if err != nil {
			t.Fatal(err)
		}
		d := db.Stats().Disk
		if d.BytesWritten != 0 || d.LifetimeBytesWritten != prev.LifetimeBytesWritten ||
			d.LifetimePebbleBytesWritten < prev.LifetimePebbleBytesWritten {
			t.Fatalf("round %d: at open %+v, want per-Open zero and lifetime %+v", round, d, prev)
		}
		for i := range 300 {
			if err := db.Put(fmt.Appendf(nil, "r%d-k%03d", round, i), make([]byte, 100)); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Checkpoint(); err != nil {
			t.Fatal(err)
		}
		d = db.Stats().Disk
		if d.BytesWritten < 300*100 || d.LifetimeBytesWritten != prev.LifetimeBytesWritten+d.BytesWritten ||
			d.LifetimePebbleBytesWritten < prev.LifetimePebbleBytesWritten+d.PebbleBytesWritten || d.LifetimeWriteAmp <= 0 {
			t.Fatalf("round %d: after a checkpoint %+v, earlier lifetime %+v", round, d, prev)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		ro, err := engine.Open("db", &engine.Options{FS: fs, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		prev = ro.Stats().Disk
		if err := ro.Close(); err != nil {
			t.Fatal(err)
		}
		// User bytes are final at the last flush; a compaction may still
		// finish during Close, after the counters were recorded.
		if prev.LifetimeBytesWritten != d.LifetimeBytesWritten || prev.LifetimePebbleBytesWritten == 0 {
			t.Fatalf("round %d: a read-only reopen reports %+v, the writer had reached %+v", round, prev, d)
		}
	}
}
