package disktier

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestBeforeFlush checks that the hook runs before every flush and that a
// failing hook stops the flush from making anything durable.
func TestBeforeFlush(t *testing.T) {
	fs := vfs.NewMem()
	var calls atomic.Int64
	var fail atomic.Bool
	hookErr := errors.New("wal sync failed")
	opts := &Options{FS: fs, BeforeFlush: func() error {
		calls.Add(1)
		if fail.Load() {
			return hookErr
		}
		return nil
	}}
	s, err := Open("disk", opts)
	if err != nil {
		t.Fatal(err)
	}
	b := s.NewBatch()
	b.Set([]byte("a"), []byte("1"), 1)
	b.SetWatermark(1)
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if calls.Load() == 0 {
		t.Fatalf("BeforeFlush was not called by a flush")
	}
	fail.Store(true)
	b = s.NewBatch()
	b.Set([]byte("b"), []byte("2"), 2)
	b.SetWatermark(2)
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); !errors.Is(err, hookErr) {
		t.Fatalf("flush after a failing BeforeFlush: got %v, want the hook's error", err)
	}
	b = s.NewBatch()
	b.Set([]byte("c"), []byte("3"), 3)
	if err := s.Commit(b); err == nil {
		t.Fatalf("commit after a failing BeforeFlush succeeded")
	}
	if _, _, _, ok, err := s.Get([]byte("a"), nil); err != nil || !ok {
		t.Fatalf("reads must keep working: ok=%v err=%v", ok, err)
	}
	_ = s.Close()

	s, err = Open("disk", &Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if w := s.Watermark(); w != 1 {
		t.Fatalf("watermark after reopen: %d, want 1 (the fenced flush must not be durable)", w)
	}
	if _, _, _, ok, _ := s.Get([]byte("b"), nil); ok {
		t.Fatalf("data of the fenced flush survived")
	}
}
