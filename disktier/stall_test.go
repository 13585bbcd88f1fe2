package disktier

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// gatedFS blocks the creation of sstables until the test opens the gate,
// and then fails it if failErr is set, so flushes stop at the test's will.
type gatedFS struct {
	gate    chan struct{}
	failErr error
}

func (g *gatedFS) injector() errorfs.Injector {
	return errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind != errorfs.OpCreate || !strings.HasSuffix(op.Path, ".sst") {
			return nil
		}
		<-g.gate
		return g.failErr
	})
}

func TestCommitStallsForFlushes(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("flush-fails=%v", fail), func(t *testing.T) {
			g := &gatedFS{gate: make(chan struct{})}
			if fail {
				g.failErr = errorfs.ErrInjected
			}
			s := openMem(t, errorfs.Wrap(vfs.NewMem(), g.injector()), &Options{MemTableBytes: 64 << 10, MemTableStopWrites: 2})
			stalled := make(chan struct{}, 1)
			s.stallHook = func() {
				select {
				case stalled <- struct{}{}:
				default:
				}
			}
			done := make(chan error, 1)
			go func() {
				for i := range 400 {
					if err := writeBatch(t, s, fmt.Sprintf("k%03d-", i), uint64(i+1)); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			// The first flush blocks on the gate: commits must stall
			// (in the Store, not in Pebble).
			err := within(t, "waiting for a stall", func() error {
				select {
				case <-stalled:
					return nil
				case err := <-done:
					return fmt.Errorf("commits finished without a stall (err %v)", err)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			close(g.gate)
			err = within(t, "stalled commits", func() error { return <-done })
			if fail {
				if !errors.Is(err, ErrBackground) {
					t.Fatalf("stalled commits on a failing flush = %v, want ErrBackground", err)
				}
			} else {
				if err != nil {
					t.Fatalf("commits: %v", err)
				}
				checkGet(t, s, []byte("k399-049"), &version{value: []byte("k399-"), seq: 400})
				if m := s.Metrics(); m.WriteStalls == 0 {
					t.Fatalf("no write stall counted:\n%s", m)
				}
			}
			_ = within(t, "Close", s.Close)
		})
	}
}
