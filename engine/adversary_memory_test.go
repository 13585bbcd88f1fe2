package engine_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// advHeap returns the live heap after a full collection.
func advHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// advOpenFiles returns how many file descriptors the process holds (0 where
// /proc is missing).
func advOpenFiles() int {
	names, _ := os.ReadDir("/proc/self/fd")
	return len(names)
}

// TestAdvHeapBoundedByBudget writes a dataset many times larger than the
// memory tier, block cache and memtables together, on the real filesystem
// (an in-memory one would hold the data in the heap): the live heap stays
// within the configured memory plus a fixed allowance, during the writes,
// after reading everything back, and after scans.
func TestAdvHeapBoundedByBudget(t *testing.T) {
	const (
		mem      = 1 << 20
		cache    = 1 << 20
		memtable = 256 << 10
		valSize  = 8 << 10
		n        = 1500 // 12 MiB of incompressible values, 4x the budgets
		// Allowance for everything not budgeted: Pebble's table readers,
		// indexes and filters, the WAL's buffers, the sketch, the runtime.
		slack = 6 << 20
	)
	base := advHeap()
	db, err := engine.Open(t.TempDir(), &engine.Options{
		MemTierBytes: mem, BlockCacheBytes: cache, MemTableBytes: memtable, Sync: engine.SyncNever,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	limit := base + mem + cache + 2*memtable + slack
	rng := rand.New(rand.NewPCG(1, 1))
	val := make([]byte, valSize)
	check := func(when string) {
		t.Helper()
		h := advHeap()
		t.Logf("%s: live heap %d KiB over the base", when, (h-min(h, base))>>10)
		if h > limit {
			t.Fatalf("%s: live heap %d MiB over a base of %d MiB, limit %d MiB (memory tier %d MiB)",
				when, h>>20, base>>20, limit>>20, db.Stats().MemTierBytes>>20)
		}
	}
	for i := range n {
		for j := range val {
			val[j] = byte(rng.Uint32())
		}
		if err := db.Put(fmt.Appendf(nil, "key%06d", i), val); err != nil {
			t.Fatal(err)
		}
		if i%500 == 499 {
			check(fmt.Sprintf("after %d writes", i+1))
		}
	}
	for range n {
		if _, err := db.Get(fmt.Appendf(nil, "key%06d", rng.IntN(n))); err != nil {
			t.Fatalf("get: %v", err)
		}
	}
	check("after random reads")
	for range 3 {
		it, err := db.NewIter(nil)
		if err != nil {
			t.Fatal(err)
		}
		count := 0
		for ok := it.First(); ok; ok = it.Next() {
			count++
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
		if count != n {
			t.Fatalf("scan saw %d keys, want %d", count, n)
		}
	}
	check("after scans")
}

// TestAdvNoLeakAcrossCycles: many Open/work/Close cycles on one directory,
// and many iterators opened and closed on one DB, leave the live heap and
// the goroutine count where they were after the first few.
func TestAdvNoLeakAcrossCycles(t *testing.T) {
	dir := t.TempDir()
	opts := &engine.Options{MemTierBytes: 64 << 10, BlockCacheBytes: 256 << 10, MemTableBytes: 64 << 10, Sync: engine.SyncNever}
	cycle := func(i int) {
		db, err := engine.Open(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		for j := range 50 {
			if err := db.Put(fmt.Appendf(nil, "k%02d", j), fmt.Appendf(nil, "cycle%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		if v, err := db.Get([]byte("k07")); err != nil || string(v) != fmt.Sprintf("cycle%d", i) {
			t.Fatalf("cycle %d: got (%q, %v)", i, v, err)
		}
		it, err := db.NewIter(nil)
		if err != nil {
			t.Fatal(err)
		}
		it.First()
		// Left open on purpose: Close must release it.
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		cycle(i)
	}
	heap0, gor0, fds0 := advHeap(), runtime.NumGoroutine(), advOpenFiles()
	for i := 5; i < 45; i++ {
		cycle(i)
	}
	heap1 := advHeap()
	if fds1 := advOpenFiles(); fds1 > fds0 {
		t.Fatalf("40 open/close cycles left %d more file descriptors open", fds1-fds0)
	}
	if heap1 > heap0+2<<20 {
		t.Fatalf("40 open/close cycles grew the live heap from %d KiB to %d KiB", heap0>>10, heap1>>10)
	}
	for deadline := 0; runtime.NumGoroutine() > gor0 && deadline < 1000; deadline++ {
		runtime.Gosched()
	}
	if g := runtime.NumGoroutine(); g > gor0 {
		t.Fatalf("goroutines: %d after the first cycles, %d after 40 more", gor0, g)
	}

	db, err := engine.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	iterate := func(rounds int) {
		for i := range rounds {
			it, err := db.NewIter(&engine.IterOptions{LowerBound: []byte("k1")})
			if err != nil {
				t.Fatal(err)
			}
			if !it.First() {
				t.Fatal("empty")
			}
			if i%2 == 0 {
				it.Last()
			}
			if err := it.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	iterate(500)
	heap0 = advHeap()
	iterate(5000)
	if heap1 := advHeap(); heap1 > heap0+1<<20 {
		t.Fatalf("5000 iterators opened and closed grew the live heap from %d KiB to %d KiB", heap0>>10, heap1>>10)
	}
}

// TestAdvNoGoroutineLeakAnyMode: every mode's background goroutines (the
// async WAL writer, the interval syncer, a background checkpoint still
// running at Close, Pebble's) are gone once Close returns, read-only opens
// and failed opens included.
func TestAdvNoGoroutineLeakAnyMode(t *testing.T) {
	before := runtime.NumGoroutine()
	modes := []engine.Options{
		{Sync: engine.SyncInterval, AsyncWAL: true, SyncInterval: time.Millisecond},
		{Sync: engine.SyncNever, AsyncWAL: true},
		{Sync: engine.SyncInterval},
		{Sync: engine.SyncAlways, CheckpointWALBytes: 1}, // a background checkpoint after every write
	}
	for i, o := range modes {
		fs := vfs.NewMem()
		o.FS, o.MemTierBytes = fs, 2<<10
		db, err := engine.Open("db", &o)
		if err != nil {
			t.Fatal(err)
		}
		for j := range 300 {
			if err := db.Put(fmt.Appendf(nil, "k%03d", j), make([]byte, 50)); err != nil {
				t.Fatal(err)
			}
		}
		it, err := db.NewIter(nil)
		if err != nil {
			t.Fatal(err)
		}
		it.First()
		if _, err := engine.Open("db", &o); !errors.Is(err, engine.ErrLocked) {
			t.Fatalf("mode %d: second open: %v", i, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		ro := o
		ro.ReadOnly = true
		rdb, err := engine.Open("db", &ro)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rdb.Get([]byte("k001")); err != nil {
			t.Fatal(err)
		}
		if err := rdb.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var after int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); runtime.Gosched() {
		if after = runtime.NumGoroutine(); after <= before {
			return
		}
	}
	buf := make([]byte, 1<<16)
	n := runtime.Stack(buf, true)
	t.Fatalf("goroutines: %d before, %d after every DB closed:\n%s", before, after, firstLines(string(buf[:n]), 80))
}
