package memtier

import (
	"fmt"
	"runtime"
	"testing"
)

// TestGetTakesNoWriterLock holds every lock a writer takes and checks that
// Gets (hits and misses) still complete, dropping the accesses that find
// their buffer full while the policy is busy.
func TestGetTakesNoWriterLock(t *testing.T) {
	tr := newTier(t, &Options{AccessSampling: 1})
	for i := range 100 {
		tr.Put(fmt.Appendf(nil, "k%d", i), []byte("v"), uint64(i+1), false)
	}
	capacity := len(tr.stripes) * stripeRecords
	n := capacity + 1000 // more accesses than the buffers hold
	tr.pmu.Lock()
	tr.treeMu.Lock()
	done := make(chan error)
	wantHits := 0
	go func() {
		for i := range n {
			k := fmt.Appendf(nil, "k%d", i%200)
			if _, _, _, ok := tr.Get(k, nil); ok != (i%200 < 100) {
				done <- fmt.Errorf("Get(%s) ok=%v", k, ok)
				return
			}
			if i%200 < 100 {
				wantHits++
			}
		}
		done <- nil
	}()
	err := <-done
	tr.treeMu.Unlock()
	tr.pmu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	st := tr.Stats()
	if st.Hits != uint64(wantHits) || st.Misses != uint64(n-wantHits) {
		t.Fatalf("hits %d misses %d, want %d and %d", st.Hits, st.Misses, wantHits, n-wantHits)
	}
	if st.AccessesDropped < 1000 {
		t.Fatalf("%d accesses dropped, want at least 1000", st.AccessesDropped)
	}
}

// TestCloseLeavesNoGoroutines checks that a tier starts no goroutines.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	tr, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr.Put([]byte("a"), []byte("1"), 1, false)
	tr.Get([]byte("a"), nil)
	s := tr.Snapshot()
	s.NewCursor(nil, nil).First()
	s.Close()
	tr.Close()
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines before, %d after Close", before, after)
	}
}

// TestCursorStepAllocs checks that stepping a cursor allocates nothing.
func TestCursorStepAllocs(t *testing.T) {
	tr := newTier(t, nil)
	for i := range 1000 {
		tr.Put(fmt.Appendf(nil, "k%04d", i), []byte("v"), uint64(i+1), false)
	}
	s := tr.Snapshot()
	defer s.Close()
	c := s.NewCursor(nil, nil)
	c.First()
	seek := []byte("k0500")
	allocs := testing.AllocsPerRun(100, func() {
		for ok := c.SeekGE(seek); ok && c.Valid(); ok = c.Next() {
			_ = c.Entry()
		}
		for ok := c.Last(); ok; ok = c.Prev() {
		}
	})
	if allocs != 0 {
		t.Fatalf("cursor stepping allocates %.1f times per pass", allocs)
	}
}
