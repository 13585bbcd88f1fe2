package disktier

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// hangLimit is how long a call may take before the test declares it hung.
// Calls normally return in milliseconds; the limit only turns a hang into
// a failure instead of a test timeout.
const hangLimit = 60 * time.Second

// within runs f and fails the test if it does not return within hangLimit.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(hangLimit):
		t.Fatalf("%s did not return within %v (hang)", what, hangLimit)
		return nil
	}
}

// faultCase says which operations fail once injection is on.
type faultCase struct {
	name string
	hit  func(op errorfs.Op) bool
}

func isSync(k errorfs.OpKind) bool {
	return k == errorfs.OpFileSync || k == errorfs.OpFileSyncData || k == errorfs.OpFileSyncTo
}

func faultCases() []faultCase {
	var n atomic.Uint64
	return []faultCase{
		{"all-writes", func(op errorfs.Op) bool { return op.Kind.ReadOrWrite() == errorfs.OpIsWrite }},
		{"syncs", func(op errorfs.Op) bool { return isSync(op.Kind) }},
		{"sstable-creates", func(op errorfs.Op) bool {
			return op.Kind == errorfs.OpCreate && strings.HasSuffix(op.Path, ".sst")
		}},
		{"manifest-writes", func(op errorfs.Op) bool {
			return strings.Contains(op.Path, "MANIFEST") && op.Kind.ReadOrWrite() == errorfs.OpIsWrite
		}},
		{"every-third-write", func(op errorfs.Op) bool {
			return op.Kind.ReadOrWrite() == errorfs.OpIsWrite && n.Add(1)%3 == 0
		}},
	}
}

func TestFlushFailsInsteadOfHanging(t *testing.T) {
	for _, fc := range faultCases() {
		t.Run("fault="+fc.name, func(t *testing.T) { runFaultCase(t, fc) })
	}
}

func writeBatch(t *testing.T, s *Store, prefix string, seq uint64) error {
	t.Helper()
	b := s.NewBatch()
	for i := range 50 {
		b.Set([]byte(fmt.Sprintf("%s%03d", prefix, i)), []byte(prefix), seq)
	}
	b.SetWatermark(seq)
	return s.Commit(b)
}

func runFaultCase(t *testing.T, fc faultCase) {
	mem := vfs.NewCrashableMem()
	var on atomic.Bool
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if on.Load() && fc.hit(op) {
			return errorfs.ErrInjected
		}
		return nil
	})
	s := openMem(t, errorfs.Wrap(mem, inj), nil)
	if err := writeBatch(t, s, "a", 1); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := s.Flush(); err != nil {
		t.Fatalf("healthy Flush: %v", err)
	}
	on.Store(true)
	if err := writeBatch(t, s, "b", 2); err != nil {
		t.Fatalf("Commit to the memtable failed: %v", err)
	}
	err := within(t, "Flush on a failing disk", s.Flush)
	if err == nil || !errors.Is(err, ErrBackground) {
		t.Fatalf("Flush on a failing disk = %v, want an ErrBackground error", err)
	}
	// A crash now (only synced data survives) loses nothing flushed.
	t.Run("crash-after-failure", func(t *testing.T) { checkAfterFault(t, mem.CrashClone(vfs.CrashCloneCfg{})) })
	// Sticky: every later write fails with the same error, reads work.
	if err2 := within(t, "second Flush", s.Flush); err2 != err {
		t.Fatalf("second Flush = %v, want the sticky %v", err2, err)
	}
	if err2 := writeBatch(t, s, "c", 3); err2 != err {
		t.Fatalf("Commit after failure = %v, want the sticky %v", err2, err)
	}
	if err2 := within(t, "Compact", func() error { return s.Compact(nil, nil) }); err2 != err {
		t.Fatalf("Compact after failure = %v, want the sticky %v", err2, err)
	}
	if s.Err() != err {
		t.Fatalf("Err = %v, want %v", s.Err(), err)
	}
	checkGet(t, s, []byte("a000"), &version{value: []byte("a"), seq: 1})
	checkGet(t, s, []byte("b049"), &version{value: []byte("b"), seq: 2})
	_ = within(t, "Close", s.Close) // may report the failure; must not hang
	on.Store(false)

	t.Run("reopen-healthy", func(t *testing.T) { checkAfterFault(t, mem) })
}

// checkAfterFault checks that fs holds everything flushed before the
// failure (batch a) and the failed batch b all or none.
func checkAfterFault(t *testing.T, fs vfs.FS) {
	r := openMem(t, fs, nil)
	defer r.Close()
	checkGet(t, r, []byte("a049"), &version{value: []byte("a"), seq: 1})
	want := map[uint64]*version{1: nil, 2: {value: []byte("b"), seq: 2}}
	w, ok := want[r.Watermark()]
	if !ok {
		t.Fatalf("reopened watermark = %d, want 1 or 2", r.Watermark())
	}
	for i := range 50 {
		checkGet(t, r, []byte(fmt.Sprintf("b%03d", i)), w)
	}
}

// TestCommitsAfterFailureDoNotHang keeps committing after the disk failed,
// with a tiny memtable, so that Pebble would stall writes behind flushes
// that never finish: every Commit must return (nil or the sticky error).
func TestCommitsAfterFailureDoNotHang(t *testing.T) {
	var on atomic.Bool
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if on.Load() && op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
			return errorfs.ErrInjected
		}
		return nil
	})
	s := openMem(t, errorfs.Wrap(vfs.NewMem(), inj), &Options{MemTableBytes: 64 << 10})
	on.Store(true)
	failed := 0
	for i := range 200 {
		err := within(t, "Commit", func() error { return writeBatch(t, s, fmt.Sprintf("k%03d-", i), uint64(i)) })
		if err != nil {
			if !errors.Is(err, ErrBackground) {
				t.Fatalf("Commit %d = %v, want nil or ErrBackground", i, err)
			}
			failed++
		}
	}
	if failed == 0 {
		t.Fatalf("200 commits over 64 KiB memtables on a failing disk all succeeded")
	}
	if err := within(t, "Flush", s.Flush); !errors.Is(err, ErrBackground) {
		t.Fatalf("Flush = %v, want ErrBackground", err)
	}
	_ = within(t, "Close", s.Close)
}

// TestOpenOnFailingDisk: creating a store on a disk that fails writes
// returns an error (no hang, no process exit).
func TestOpenOnFailingDisk(t *testing.T) {
	cases := []struct {
		name string
		hit  func(op errorfs.Op) bool
	}{
		{"all-writes", func(op errorfs.Op) bool { return op.Kind.ReadOrWrite() == errorfs.OpIsWrite }},
		{"manifest-syncs", func(op errorfs.Op) bool { return isSync(op.Kind) && strings.Contains(op.Path, "MANIFEST") }},
		{"mkdir", func(op errorfs.Op) bool { return op.Kind == errorfs.OpMkdirAll }},
	}
	for _, c := range cases {
		t.Run("fault="+c.name, func(t *testing.T) {
			fs := errorfs.Wrap(vfs.NewMem(), errorfs.InjectorFunc(func(op errorfs.Op) error {
				if c.hit(op) {
					return errorfs.ErrInjected
				}
				return nil
			}))
			err := within(t, "Open", func() error {
				s, err := Open("disk", &Options{FS: fs})
				if err == nil {
					_ = s.Close()
				}
				return err
			})
			if !errors.Is(err, errorfs.ErrInjected) && !errors.Is(err, ErrBackground) {
				t.Fatalf("Open on a failing disk = %v, want the injected error", err)
			}
		})
	}
}

// TestReadErrors: an I/O error reading an sstable fails the Get or the
// iteration with an error (not ErrCorruption: the data is not known to be
// damaged), and the store keeps working once reads succeed again.
func TestReadErrors(t *testing.T) {
	var on atomic.Bool
	fs := errorfs.Wrap(vfs.NewMem(), errorfs.InjectorFunc(func(op errorfs.Op) error {
		if on.Load() && op.Kind.ReadOrWrite() == errorfs.OpIsRead && strings.HasSuffix(op.Path, ".sst") {
			return errorfs.ErrInjected
		}
		return nil
	}))
	s := openMem(t, fs, &Options{BlockCacheBytes: 1}) // no cache: every Get reads
	defer s.Close()
	if err := writeBatch(t, s, "k", 1); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := s.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	on.Store(true)
	_, _, _, ok, err := s.Get([]byte("k007"), nil)
	if err == nil || ok || errors.Is(err, ErrCorruption) {
		t.Fatalf("Get on a failing read = ok %v, %v; want a non-corruption error", ok, err)
	}
	it, err := s.NewIter(nil, nil)
	if err != nil {
		t.Fatalf("NewIter: %v", err)
	}
	if it.First() {
		t.Fatalf("iterator positioned despite read errors")
	}
	if err := it.Error(); err == nil || errors.Is(err, ErrCorruption) {
		t.Fatalf("iterator error = %v, want a non-corruption error", err)
	}
	_ = it.Close()
	on.Store(false)
	checkGet(t, s, []byte("k007"), &version{value: []byte("k"), seq: 1})
}
