package disktier

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestConcurrentUse runs writers, readers, iterators, flushes, compactions
// and metrics at once (run it under -race), checks each writer's last
// version, then closes the store while readers are still going: they get
// ErrClosed, never a panic.
func TestConcurrentUse(t *testing.T) {
	s := openMem(t, vfs.NewMem(), &Options{MemTableBytes: 128 << 10})
	const writers, batches = 4, 60
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	for w := range writers {
		wg.Go(func() {
			b := s.NewBatch()
			for i := range batches {
				seq := uint64(w*batches + i + 1)
				for k := range 20 {
					b.Set([]byte(fmt.Sprintf("w%d-k%02d", w, k)), []byte(fmt.Sprintf("v%d", i)), seq)
				}
				b.SetTombstone([]byte(fmt.Sprintf("w%d-tomb", w)), seq)
				if i%10 == 9 && w == writers-1 { // watermarks never go back
					b.SetWatermark(seq)
				}
				if err := s.Commit(b); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			var err error
			switch i % 3 {
			case 0:
				err = s.Flush()
			case 1:
				err = s.Compact([]byte("w1"), []byte("w3"))
			default:
				_ = s.Metrics().String()
			}
			if err != nil {
				errc <- err
				return
			}
		}
	})
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := range 2 {
		readers.Go(func() { readLoop(s, r, stop, errc) })
	}
	wg.Wait()
	for w := range writers {
		last := uint64(w*batches + batches)
		checkGet(t, s, []byte(fmt.Sprintf("w%d-k07", w)), &version{value: []byte(fmt.Sprintf("v%d", batches-1)), seq: last})
		tomb := []byte(fmt.Sprintf("w%d-tomb", w))
		if _, _, _, ok, _ := s.Get(tomb, nil); !ok && (w == 1 || w == 2) {
			continue // purged by Compact(w1, w3): a tombstone at or below the watermark
		}
		checkGet(t, s, tomb, &version{seq: last, tomb: true})
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	close(stop)
	readers.Wait()
	close(errc)
	for err := range errc {
		t.Errorf("concurrent call failed: %v", err)
	}
}

// readLoop reads and iterates until stop, tolerating only ErrClosed.
func readLoop(s *Store, r int, stop <-chan struct{}, errc chan<- error) {
	report := func(err error) bool {
		if err != nil && !errors.Is(err, ErrClosed) {
			errc <- err
			return true
		}
		return err != nil
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		if _, _, _, _, err := s.Get([]byte(fmt.Sprintf("w%d-k%02d", i%4, i%20)), nil); report(err) {
			return
		}
		it, err := s.NewIter([]byte(fmt.Sprintf("w%d", r)), nil)
		if report(err) {
			return
		}
		prev := ""
		for ok := it.First(); ok; ok = it.Next() {
			kb := it.Key()
			if kb == nil {
				break // Store.Close closed the iterator under us
			}
			if k := string(kb); k <= prev {
				errc <- fmt.Errorf("iterator out of order: %q after %q", k, prev)
			} else {
				prev = k
			}
		}
		err = it.Error()
		_ = it.Close()
		if report(err) {
			return
		}
	}
}
