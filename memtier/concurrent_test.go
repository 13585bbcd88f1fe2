package memtier

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// valueFor encodes key and seq in the value so that readers can check that
// what they see is a version that was really written.
func valueFor(key []byte, seq uint64) []byte {
	v := binary.BigEndian.AppendUint64(nil, seq)
	return append(v, key...)
}

func checkValue(key, v []byte, seq uint64) error {
	if len(v) < 8 || binary.BigEndian.Uint64(v) != seq || !bytes.Equal(v[8:], key) {
		return fmt.Errorf("key %q seq %d: value %x is not the one written", key, seq, v)
	}
	return nil
}

// TestConcurrentOps runs Put, Get, Promote, Evict, checkpoints and Snapshot
// iteration at once (meant for -race) and checks every answer against what
// was written, then the invariants.
func TestConcurrentOps(t *testing.T) {
	r := &concurrentRun{tr: newTier(t, &Options{BudgetBytes: 40 << 10, Shards: 8}), errc: make(chan error, 16)}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() { r.writer(uint64(w)) })
		wg.Go(func() { r.reader(uint64(w)) })
	}
	wg.Go(r.writeBackLoop)
	wg.Go(func() {
		for !r.stop.Load() {
			r.report(scanSnapshot(r.tr.Snapshot()))
		}
	})
	// Stop the readers once the writers are done.
	for r.seq.Load() < 2*concurrentWriterOps {
		select {
		case err := <-r.errc:
			t.Fatal(err)
		default:
		}
		runtime.Gosched()
	}
	r.stop.Store(true)
	wg.Wait()
	close(r.errc)
	for err := range r.errc {
		t.Fatal(err)
	}
	checkInvariants(t, r.tr)
}

const concurrentKeys, concurrentWriterOps = 400, 4000

// concurrentRun is the shared state of TestConcurrentOps's goroutines.
type concurrentRun struct {
	tr   *Tier
	seq  atomic.Uint64
	stop atomic.Bool
	errc chan error
}

func (r *concurrentRun) report(err error) {
	if err == nil {
		return
	}
	select {
	case r.errc <- err:
	default:
	}
}

func concurrentKey(rng *rand.Rand) []byte {
	return fmt.Appendf(nil, "key%04d", rng.IntN(concurrentKeys))
}

func (r *concurrentRun) writer(w uint64) {
	rng := rand.New(rand.NewPCG(w, 1))
	for range concurrentWriterOps {
		k := concurrentKey(rng)
		s := r.seq.Add(1)
		r.tr.Put(k, valueFor(k, s), s, rng.IntN(10) == 0)
	}
}

// reader does what the engine's Get does: look up, and on a miss read the
// generation, "read the disk" (an older version) and promote.
func (r *concurrentRun) reader(id uint64) {
	rng := rand.New(rand.NewPCG(id, 2))
	buf := make([]byte, 0, 64)
	for !r.stop.Load() {
		k := concurrentKey(rng)
		v, s, tomb, ok := r.tr.Get(k, buf[:0])
		if ok && !tomb {
			r.report(checkValue(k, v, s))
		}
		if !ok && rng.IntN(4) == 0 {
			gen := r.tr.Generation(k)
			s := r.seq.Load() / 2
			r.tr.Promote(k, valueFor(k, s), s, gen)
		}
	}
}

// writeBackLoop is the engine's write-back loop, with occasional checkpoints.
func (r *concurrentRun) writeBackLoop() {
	rng := rand.New(rand.NewPCG(3, 3))
	for !r.stop.Load() {
		r.report(r.tr.Evict(func(b []Entry) error {
			for _, e := range b {
				if !e.Tombstone {
					r.report(checkValue(e.Key, e.Value, e.Seq))
				}
			}
			return nil
		}))
		if rng.IntN(8) == 0 {
			r.tr.MarkClean(r.tr.Dirty(r.seq.Load()))
		}
	}
}

// scanSnapshot walks a snapshot forwards and backwards, checking order and values.
func scanSnapshot(s *Snapshot) error {
	defer s.Close()
	c := s.NewCursor(nil, nil)
	var prev []byte
	n := 0
	for ok := c.First(); ok; ok = c.Next() {
		e := c.Entry()
		if prev != nil && bytes.Compare(prev, e.Key) >= 0 {
			return fmt.Errorf("snapshot out of order: %q then %q", prev, e.Key)
		}
		if !e.Tombstone {
			if err := checkValue(e.Key, e.Value, e.Seq); err != nil {
				return err
			}
		}
		prev = append(prev[:0], e.Key...)
		n++
	}
	for ok := c.Last(); ok; ok = c.Prev() {
		n--
	}
	if n != 0 || s.Len() != countForward(s) {
		return fmt.Errorf("snapshot changed while iterating: forward and backward differ by %d", n)
	}
	return nil
}

func countForward(s *Snapshot) int {
	c := s.NewCursor(nil, nil)
	n := 0
	for ok := c.First(); ok; ok = c.Next() {
		n++
	}
	return n
}

// TestSnapshotUnderConcurrentWriters takes snapshots while writers go on and
// checks that each yields exactly the entries resident at that instant.
func TestSnapshotUnderConcurrentWriters(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dropMin int64
		shift   uint
	}{
		{"index-kept", treeDropMinEntries, treeDropShift},
		{"index-dropped-and-rebuilt", 1, 63}, // dropped at every chance
		{"index-dropped-by-the-rule", 1, treeDropShift},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTier(t, &Options{BudgetBytes: 24 << 10, Policy: "lru", MaxEntryFraction: 1})
			tr.treeDropMin, tr.treeDropShift = tc.dropMin, tc.shift
			snapshotsUnderConcurrentWriters(t, tr)
			if st := tr.Stats(); tc.dropMin == 1 && st.SortedSnapshots == 0 {
				t.Fatal("no snapshot was sorted from the resident versions")
			}
		})
	}
}

func snapshotsUnderConcurrentWriters(t *testing.T, tr *Tier) {
	var stop atomic.Bool
	var seq atomic.Uint64
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 5))
			for !stop.Load() {
				k := fmt.Appendf(nil, "k%03d", rng.IntN(500))
				s := seq.Add(1)
				tr.Put(k, valueFor(k, s), s, rng.IntN(5) == 0)
			}
		})
	}
	wg.Go(func() {
		for !stop.Load() {
			_ = tr.Evict(func([]Entry) error { return nil })
			tr.MarkClean(tr.Dirty(seq.Load()))
		}
	})
	wg.Go(func() { // more snapshots, overlapping the checked ones' begin and finish
		for !stop.Load() {
			tr.Snapshot().Close()
		}
	})
	for round := range 30 {
		// Every writer of the ordered index holds pmu, so the records
		// resident under pmu are exactly what the snapshot must hold.
		tr.pmu.Lock()
		want := residentSorted(tr)
		pending := tr.beginSnapshotLocked()
		tr.pmu.Unlock()
		snap := pending.Finish() // writers run while it is sorted (index dropped)
		for range 200 {          // let the writers change everything meanwhile
			k := []byte("k000")
			s := seq.Add(1)
			tr.Put(k, valueFor(k, s), s, false)
		}
		c := snap.NewCursor(nil, nil)
		i := 0
		for ok := c.First(); ok; ok = c.Next() {
			e := c.Entry()
			if i >= len(want) || want[i] != e.toKey() {
				t.Fatalf("round %d: entry %d is %v, want %v", round, i, e.toKey(), want[min(i, len(want)-1)])
			}
			i++
		}
		if i != len(want) {
			t.Fatalf("round %d: snapshot yields %d entries, %d were resident", round, i, len(want))
		}
		snap.Close()
	}
	stop.Store(true)
	wg.Wait()
	checkInvariants(t, tr)
}

type snapKey struct {
	key  string
	seq  uint64
	tomb bool
}

func (e Entry) toKey() snapKey { return snapKey{string(e.Key), e.Seq, e.Tombstone} }

// residentSorted returns the resident versions in key order, from the slot
// table (the ordered index may lag behind overwrites). pmu is held.
func residentSorted(tr *Tier) []snapKey {
	var out []snapKey
	tr.eachResidentLocked(func(e *entry) { out = append(out, e.toEntry().toKey()) })
	slices.SortFunc(out, func(a, b snapKey) int { return strings.Compare(a.key, b.key) })
	return out
}
