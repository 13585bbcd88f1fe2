package disktier

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// TestNoGoroutineLeak opens, uses and closes stores (a healthy one and one
// whose disk failed) and checks that every goroutine they started is gone.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 3 {
		s := openMem(t, vfs.NewMem(), nil)
		if err := writeBatch(t, s, "k", 1); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		it, err := s.NewIter(nil, nil)
		if err != nil {
			t.Fatalf("NewIter: %v", err)
		}
		it.First()
		if err := s.Compact(nil, nil); err != nil {
			t.Fatalf("Compact: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	var failing atomic.Bool
	s := openMem(t, errorfs.Wrap(vfs.NewMem(), errorfs.InjectorFunc(func(op errorfs.Op) error {
		if failing.Load() && op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
			return errorfs.ErrInjected
		}
		return nil
	})), nil)
	failing.Store(true)
	if err := writeBatch(t, s, "k", 1); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := within(t, "Flush", s.Flush); err == nil {
		t.Fatalf("Flush on a failing disk succeeded")
	}
	if err := within(t, "Compact", func() error { return s.Compact(nil, nil) }); err == nil {
		t.Fatalf("Compact on a failing disk succeeded")
	}
	_ = within(t, "Close", s.Close)
	// Goroutines that are exiting may take a few scheduling rounds.
	n := runtime.NumGoroutine()
	for i := 0; i < 100000 && n > before; i++ {
		runtime.Gosched()
		n = runtime.NumGoroutine()
	}
	if n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
