package memtier

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
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

// TestGetFindsResidentKeysThroughChurn has Gets run against a point index
// that rehashes all the time (one shard; clean keys promoted and evicted by
// the thousand, leaving deleted slots behind) while a writer overwrites a
// set of pinned keys. Pinned keys are dirty and never written back, so they
// stay resident: every Get of one must find it, with a value that belongs to
// its seq, and one reader must never see a key's seq go back.
func TestGetFindsResidentKeysThroughChurn(t *testing.T) {
	const pinned, overwrites, promotes = 64, 2000, 8000
	tr := newTier(t, &Options{Policy: "lru", Shards: 1, BudgetBytes: 600 * (EntryOverhead + 32)})
	pinKey := func(i int) []byte { return fmt.Appendf(nil, "pin%04d", i) }
	var seq atomic.Uint64
	for i := range pinned {
		s := seq.Add(1)
		tr.Put(pinKey(i), valueFor(pinKey(i), s), s, false)
	}
	var stop atomic.Bool
	errc := make(chan error, 4)
	var wg sync.WaitGroup
	for r := range 2 {
		wg.Go(func() { errc <- readPinned(tr, pinned, pinKey, &stop, r) })
	}
	wg.Go(func() { // overwrites the pinned keys (a new version each time)
		for i := range overwrites {
			k, s := pinKey(i%pinned), seq.Add(1)
			tr.Put(k, valueFor(k, s), s, false)
		}
	})
	for i := range promotes { // clean keys in and out: slots freed and reused
		k := fmt.Appendf(nil, "churn%06d", i)
		tr.Promote(k, valueFor(k, 1), 1, tr.Generation(k))
	}
	for seq.Load() < pinned+overwrites {
		runtime.Gosched()
	}
	stop.Store(true)
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := tr.Stats(); st.Evictions < promotes/2 {
		t.Fatalf("%d evictions: the point index did not churn", st.Evictions)
	}
	checkInvariants(t, tr)
}

// readPinned Gets the pinned keys until stop, checking each answer.
func readPinned(tr *Tier, pinned int, pinKey func(int) []byte, stop *atomic.Bool, r int) error {
	last := make([]uint64, pinned)
	buf := make([]byte, 0, 64)
	for n := 0; !stop.Load(); n++ {
		i := (n*7 + r) % pinned
		k := pinKey(i)
		v, s, tomb, ok := tr.Get(k, buf[:0])
		switch {
		case !ok || tomb:
			return fmt.Errorf("resident key %s not found (ok %v, tombstone %v)", k, ok, tomb)
		case s < last[i]:
			return fmt.Errorf("key %s: seq %d after %d", k, s, last[i])
		}
		if err := checkValue(k, v, s); err != nil {
			return err
		}
		last[i] = s
	}
	return nil
}
