//go:build unix

package wal_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
	"github.com/tierkv/tierkv/wal"
)

const (
	benchKeyBytes   = 16
	benchValueBytes = 128
)

// fsyncCounter counts fsyncs of *.log files (the WAL segments of both
// tierkv and Pebble) through errorfs; both implementations pay the same
// wrapper.
type fsyncCounter struct{ n atomic.Int64 }

func (c *fsyncCounter) String() string { return "fsyncCounter" }

func (c *fsyncCounter) MaybeError(op errorfs.Op) error {
	if (op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData) && strings.HasSuffix(op.Path, ".log") {
		c.n.Add(1)
	}
	return nil
}

// processCPU returns the user+system CPU time of the process: steadier
// than wall time on a shared machine, and it includes Pebble's background
// goroutines.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// quietLogger keeps Pebble's informational lines out of benchmark output.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)         {}
func (quietLogger) Errorf(f string, args ...any) { fmt.Printf(f+"\n", args...) }
func (quietLogger) Fatalf(f string, args ...any) { panic(fmt.Sprintf(f, args...)) }

// appender is one implementation under test.
type appender interface {
	append(key, value []byte) error
	close() error
}

type tierkvWAL struct{ l *wal.Log }

func (w tierkvWAL) append(key, value []byte) error {
	_, err := w.l.Append([]wal.Op{{Kind: wal.OpPut, Key: key, Value: value}})
	return err
}
func (w tierkvWAL) close() error { return w.l.Close() }

type pebbleWAL struct {
	db   *pebble.DB
	sync *pebble.WriteOptions
}

func (p pebbleWAL) append(key, value []byte) error { return p.db.Set(key, value, p.sync) }
func (p pebbleWAL) close() error                   { return p.db.Close() }

func openImpl(b *testing.B, impl string, sync bool, fs vfs.FS) appender {
	dir := b.TempDir()
	switch impl {
	case "tierkv", "tierkv-async":
		mode := wal.SyncNever
		if sync {
			mode = wal.SyncAlways
		}
		l, err := wal.Open(dir, &wal.Options{FS: fs, Sync: mode, AsyncWrites: impl == "tierkv-async"})
		if err != nil {
			b.Fatal(err)
		}
		return tierkvWAL{l}
	case "pebble":
		// A memtable large enough that the run measures the WAL, not flushes.
		db, err := pebble.Open(dir, &pebble.Options{FS: fs, MemTableSize: 256 << 20, Logger: quietLogger{}})
		if err != nil {
			b.Fatal(err)
		}
		wo := pebble.NoSync
		if sync {
			wo = pebble.Sync
		}
		return pebbleWAL{db, wo}
	}
	b.Fatalf("unknown impl %s", impl)
	return nil
}

// BenchmarkAppend appends single-put records (16-byte keys, 128-byte
// incompressible values) from 1, 16 and 64 goroutines on the real disk,
// against tierkv's WAL and, in the same run, Pebble's (db.Set), synced or
// not. It reports records/s, MB/s of user data and records per fsync.
func BenchmarkAppend(b *testing.B) {
	for _, sync := range []bool{true, false} {
		for _, writers := range []int{1, 16, 64} {
			impls := []string{"tierkv", "pebble"}
			if !sync { // AsyncWrites returns before write(2), as Pebble's NoSync does
				impls = []string{"tierkv", "tierkv-async", "pebble"}
			}
			for _, impl := range impls {
				mode := map[bool]string{true: "always", false: "never"}[sync]
				b.Run(fmt.Sprintf("sync=%s/writers=%d/impl=%s", mode, writers, impl), func(b *testing.B) {
					benchAppend(b, impl, sync, writers)
				})
			}
		}
	}
}

func benchAppend(b *testing.B, impl string, sync bool, writers int) {
	counter := &fsyncCounter{}
	a := openImpl(b, impl, sync, errorfs.Wrap(vfs.Default, counter))
	defer a.close()
	rng := rand.New(rand.NewPCG(1, 2))
	value := make([]byte, benchValueBytes)
	for i := range value {
		value[i] = byte(rng.Uint32())
	}
	var next atomic.Uint64
	put := func(key []byte) {
		n := next.Add(1)
		key = fmt.Appendf(key[:0], "key%013d", n)
		if err := a.append(key[:benchKeyBytes], value); err != nil {
			b.Fatal(err)
		}
	}
	// Warm up (file creation, first extents, journal) outside the timing:
	// whichever implementation ran first was otherwise measurably slower.
	for range 50 {
		put(make([]byte, 0, 32))
	}
	next.Store(0)
	b.SetBytes(benchKeyBytes + benchValueBytes)
	b.ReportAllocs()
	syncsBefore := counter.n.Load()
	cpuBefore := processCPU(b)
	if writers == 1 {
		key := make([]byte, 0, 32)
		for b.Loop() {
			put(key)
		}
	} else {
		// b.Loop has no parallel form: RunParallel runs
		// parallelism*GOMAXPROCS goroutines.
		b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			key := make([]byte, 0, 32)
			for pb.Next() {
				put(key)
			}
		})
	}
	cpu := processCPU(b) - cpuBefore
	records := float64(next.Load())
	b.ReportMetric(records/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/records, "cpu-ns/op")
	if syncs := counter.n.Load() - syncsBefore; syncs > 0 {
		b.ReportMetric(records/float64(syncs), "records/fsync")
	}
}
