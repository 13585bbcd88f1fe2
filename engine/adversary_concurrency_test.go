package engine_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// advPairs is how many key pairs the monotonic-read test writes; pair p's
// two keys always receive the same version in one batch.
const advPairs = 6

func advPairKey(p int, side byte) []byte { return fmt.Appendf(nil, "pair%02d%c", p, side) }

func advVersionValue(v int64) []byte {
	// Padded so that a few pairs fill the tiny memory tier.
	return fmt.Appendf(nil, "%08d|%s", v, make([]byte, 40+v%60))
}

func advParseVersion(t *testing.T, b []byte) int64 {
	t.Helper()
	if len(b) < 8 {
		t.Fatalf("value %q is no version", b)
	}
	v, err := strconv.ParseInt(string(b[:8]), 10, 64)
	if err != nil {
		t.Fatalf("value %q: %v", trunc(b), err)
	}
	return v
}

// TestAdvMonotonicReads: with a tiny memory tier (keys constantly written
// back, evicted and promoted), background and explicit checkpoints and
// compactions, a Get never returns a version older than one acknowledged
// before it started, nor older than one the same reader saw before, nor
// one not yet written; an iterator shows both keys of a pair at the same
// version, at least the version acknowledged before NewIter.
func TestAdvMonotonicReads(t *testing.T) {
	for _, policy := range []engine.Policy{engine.PolicyWTinyLFU, engine.PolicyRandom} {
		t.Run("policy="+string(policy), func(t *testing.T) {
			db, _ := advOpen(t, engine.Options{MemTierBytes: 1 << 10, Policy: policy, Sync: engine.SyncNever, CheckpointWALBytes: 8 << 10})
			var acked, started [advPairs]atomic.Int64
			var writers, others sync.WaitGroup
			stop := make(chan struct{})
			const versions = 150
			for w := range 2 {
				writers.Go(func() {
					for v := int64(1); v <= versions; v++ {
						for p := w; p < advPairs; p += 2 {
							started[p].Store(v)
							b := db.NewBatch()
							b.Put(advPairKey(p, 'a'), advVersionValue(v))
							b.Put(advPairKey(p, 'b'), advVersionValue(v))
							if err := db.Apply(b); err != nil {
								t.Error(err)
								return
							}
							acked[p].Store(v)
						}
					}
				})
			}
			others.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					var err error
					if i%3 == 0 {
						err = db.Compact(nil, nil)
					} else {
						err = db.Checkpoint()
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
			for r := range 2 {
				others.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(r), 1))
					var seen [advPairs][2]int64
					for {
						select {
						case <-stop:
							return
						default:
						}
						p, side := rng.IntN(advPairs), rng.IntN(2)
						floor := acked[p].Load()
						val, err := db.Get(advPairKey(p, "ab"[side]))
						ceil := started[p].Load()
						if errors.Is(err, engine.ErrNotFound) {
							if floor > 0 {
								t.Errorf("pair %d%c: not found after version %d was acknowledged", p, "ab"[side], floor)
								return
							}
							continue
						}
						if err != nil {
							t.Error(err)
							return
						}
						v := advParseVersion(t, val)
						if v < floor || v < seen[p][side] || v > ceil {
							t.Errorf("pair %d%c: read version %d; acknowledged before %d, seen before %d, started %d", p, "ab"[side], v, floor, seen[p][side], ceil)
							return
						}
						seen[p][side] = v
					}
				})
			}
			others.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					var floor [advPairs]int64
					for p := range floor {
						floor[p] = acked[p].Load()
					}
					it, err := db.NewIter(&engine.IterOptions{LowerBound: []byte("pair"), UpperBound: []byte("pais")})
					if err != nil {
						t.Error(err)
						return
					}
					var got [advPairs][2]int64
					for ok := it.First(); ok; ok = it.Next() {
						var p int
						var side byte
						if _, err := fmt.Sscanf(string(it.Key()), "pair%02d%c", &p, &side); err != nil {
							t.Errorf("iterator key %q: %v", it.Key(), err)
							break
						}
						got[p][side-'a'] = advParseVersion(t, it.Value())
					}
					_ = it.Close()
					for p := range got {
						if got[p][0] != got[p][1] || got[p][0] < floor[p] {
							t.Errorf("iterator: pair %d at versions %v, acknowledged before NewIter %d", p, got[p], floor[p])
							return
						}
					}
				}
			})
			writers.Wait()
			close(stop)
			others.Wait()
		})
	}
}

// TestAdvStatsExactUnderConcurrency: Gets from many goroutines (memory
// hits, disk hits with promotions and evictions, tombstones, absent keys)
// are each counted exactly once, in the right bucket; and the counters in
// every Stats snapshot taken meanwhile only grow, with the identity
// MemTierHits + DiskTierHits + NotFound == Gets holding in each.
func TestAdvStatsExactUnderConcurrency(t *testing.T) {
	db, _ := advOpen(t, engine.Options{MemTierBytes: 4 << 10, Sync: engine.SyncNever})
	for i := range 400 {
		if err := db.Put(fmt.Appendf(nil, "k%03d", i), make([]byte, 60)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 400; i += 4 {
		if err := db.Delete(fmt.Appendf(nil, "k%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Hot tombstones in the memory tier too.
	for i := range 20 {
		if err := db.Delete(fmt.Appendf(nil, "hot%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	base := db.Stats()
	const readers, perReader = 4, 3000
	var found, notFound atomic.Uint64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		prev := db.Stats()
		for {
			select {
			case <-stop:
				return
			default:
			}
			s := db.Stats()
			if s.MemTierHits+s.DiskTierHits+s.NotFound != s.Gets {
				t.Errorf("identity broken: %d + %d + %d != %d", s.MemTierHits, s.DiskTierHits, s.NotFound, s.Gets)
				return
			}
			// Every counter only grows (the memory tier counts tombstone
			// hits apart from live ones, so no Get moves between them).
			if s.Gets < prev.Gets || s.MemTierHits < prev.MemTierHits || s.DiskTierHits < prev.DiskTierHits ||
				s.NotFound < prev.NotFound || s.Promotions < prev.Promotions || s.Evictions < prev.Evictions {
				t.Errorf("a counter went backwards:\nbefore %+v\nafter  %+v", advCounters(prev), advCounters(s))
				return
			}
			if s.DirtyEntries > s.MemTierEntries || s.DirtyEntries < 0 || s.MemTierBytes < 0 ||
				s.Promotions > s.DiskTierHits || s.DurableSeq > s.LastSeq || s.WALBytes < 0 {
				t.Errorf("inconsistent snapshot: dirty %d of %d entries, %d bytes, %d promotions of %d disk hits, durable seq %d > last %d?",
					s.DirtyEntries, s.MemTierEntries, s.MemTierBytes, s.Promotions, s.DiskTierHits, s.DurableSeq, s.LastSeq)
				return
			}
			prev = s
		}
	})
	wg.Go(func() { // writes and checkpoints on keys no reader reads
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var err error
			switch {
			case i%50 == 0:
				err = db.Checkpoint()
			case i%3 == 0:
				err = db.Delete(fmt.Appendf(nil, "w%04d", i%500))
			default:
				err = db.Put(fmt.Appendf(nil, "w%04d", i%500), make([]byte, 80))
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	})
	var rwg sync.WaitGroup
	for r := range readers {
		rwg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 2))
			for range perReader {
				var k []byte
				switch rng.IntN(4) {
				case 0:
					k = fmt.Appendf(nil, "hot%02d", rng.IntN(20))
				case 1:
					k = fmt.Appendf(nil, "absent%d", rng.IntN(100))
				default:
					k = fmt.Appendf(nil, "k%03d", rng.IntN(400))
				}
				_, err := db.Get(k)
				switch {
				case err == nil:
					found.Add(1)
				case errors.Is(err, engine.ErrNotFound):
					notFound.Add(1)
				default:
					t.Error(err)
					return
				}
			}
		})
	}
	rwg.Wait()
	close(stop)
	wg.Wait()
	s := db.Stats()
	gets := s.Gets - base.Gets
	hits := s.MemTierHits + s.DiskTierHits - base.MemTierHits - base.DiskTierHits
	nf := s.NotFound - base.NotFound
	if gets != readers*perReader || hits != found.Load() || nf != notFound.Load() {
		t.Fatalf("Gets %d (want %d), hits %d (want %d), NotFound %d (want %d)", gets, readers*perReader, hits, found.Load(), nf, notFound.Load())
	}
	if s.DiskTierHits == base.DiskTierHits || s.Promotions == base.Promotions {
		t.Fatalf("no disk hits or promotions: the test exercised only the memory tier: %+v", advCounters(s))
	}
}

func advCounters(s engine.Stats) string {
	return fmt.Sprintf("Gets %d Mem %d Disk %d NotFound %d Promotions %d Evictions %d",
		s.Gets, s.MemTierHits, s.DiskTierHits, s.NotFound, s.Promotions, s.Evictions)
}

// TestAdvReadOnlyChangesNoFileUnderUse: a read-only DB over a directory
// whose WAL holds writes beyond the disk tier, used hard (Gets that would
// promote and evict under a tiny budget, iterators, every refused write,
// Stats), changes no byte of any file, and a second read-only open at the
// same time is refused with ErrLocked.
func TestAdvReadOnlyChangesNoFileUnderUse(t *testing.T) {
	fs := vfs.NewMem()
	opts := engine.Options{FS: fs, MemTierBytes: 2 << 10, CheckpointWALBytes: 1 << 30}
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel()
	for i := range 600 {
		k, v := fmt.Appendf(nil, "k%03d", i%250), fmt.Appendf(nil, "v%d", i)
		if err := db.Put(k, v); err != nil {
			t.Fatal(err)
		}
		m.put(k, v)
		if i == 500 { // keys k100..k249 then live only in the disk tier
			if err := db.Checkpoint(); err != nil {
				t.Fatal(err)
			}
		}
	}
	crashed := vfs.NewMem()
	if _, err := vfs.Clone(fs, crashed, "db", "db"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	before := fsState(t, crashed, "db")
	ro := opts
	ro.FS, ro.ReadOnly = crashed, true
	rdb, err := engine.Open("db", &ro)
	if err != nil {
		t.Fatal(err)
	}
	if db2, err := engine.Open("db", &ro); !errors.Is(err, engine.ErrLocked) {
		if db2 != nil {
			db2.Close()
		}
		t.Fatalf("second read-only open: %v, want ErrLocked", err)
	}
	for round := range 3 {
		for i := range 250 {
			k := fmt.Appendf(nil, "k%03d", (i*7+round)%250)
			want, _ := m.get(k)
			if v, err := rdb.Get(k); err != nil || string(v) != string(want) {
				t.Fatalf("read-only Get(%s) = (%q, %v), want %q", k, v, err, want)
			}
		}
		got, err := dump(rdb)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.diff(got); err != nil {
			t.Fatal(err)
		}
	}
	refused := map[string]func() error{
		"Put":        func() error { return rdb.Put([]byte("x"), []byte("y")) },
		"Delete":     func() error { return rdb.Delete([]byte("k001")) },
		"Apply":      func() error { b := rdb.NewBatch(); b.Put([]byte("x"), nil); return rdb.Apply(b) },
		"Checkpoint": rdb.Checkpoint,
		"Compact":    func() error { return rdb.Compact(nil, nil) },
	}
	for name, call := range refused {
		if err := call(); !errors.Is(err, engine.ErrReadOnly) {
			t.Errorf("%s on a read-only DB: %v, want ErrReadOnly", name, err)
		}
	}
	if s := rdb.Stats(); s.Gets == 0 || s.DiskTierHits == 0 {
		t.Fatalf("the read-only DB never read its disk tier: %s", advCounters(s))
	}
	if err := rdb.Close(); err != nil {
		t.Fatal(err)
	}
	after := fsState(t, crashed, "db")
	delete(before, "db/LOCK")
	delete(after, "db/LOCK")
	if !mapsEqual(before, after) {
		t.Fatalf("read-only use changed files:\nbefore %v\nafter  %v", keysOf(before), keysOf(after))
	}
}

// TestAdvBatchAtomicForGets: a batch is all or nothing for point reads too.
// A reader that Gets one key of a batch and sees the batch's version must,
// on its next Get of another key of the same batch, see that batch's
// version or a later one; never the older version, never absent. (Before
// the fix about one read pair in ten saw half a batch: Get looked at the
// memory tier while Apply was still publishing the batch's operations one
// by one.) Both tiers: a tiny budget writes back and evicts constantly.
func TestAdvBatchAtomicForGets(t *testing.T) {
	for _, mem := range []int64{64 << 20, 1 << 10} {
		t.Run(fmt.Sprintf("mem=%d", mem), func(t *testing.T) {
			db, _ := advOpen(t, engine.Options{MemTierBytes: mem, Sync: engine.SyncNever})
			keys := [][]byte{[]byte("a"), []byte("b"), []byte("c")}
			var done, stop atomic.Bool
			var wg sync.WaitGroup
			// One writer versions a, b and c together (versions grow in log
			// order); another applies batches of other keys meanwhile, so
			// publications interleave and the tiny tier evicts.
			wg.Go(func() {
				defer done.Store(true)
				for v := int64(1); v <= 3000 && !stop.Load(); v++ {
					b := db.NewBatch()
					for _, k := range keys {
						b.Put(k, advVersionValue(v))
					}
					if err := db.Apply(b); err != nil {
						t.Error(err)
						return
					}
				}
			})
			wg.Go(func() {
				for v := 0; !done.Load(); v++ {
					b := db.NewBatch()
					b.Put(fmt.Appendf(nil, "filler%03d", v%200), make([]byte, 64))
					b.Put(fmt.Appendf(nil, "filler%03d", (v+100)%200), make([]byte, 64))
					if err := db.Apply(b); err != nil {
						t.Error(err)
						return
					}
				}
			})
			pairs := 0
			var failure string
			for r := 0; !done.Load() && failure == ""; r++ {
				first, second := keys[r%3], keys[(r+1+r/3%2)%3]
				v1, err := db.Get(first)
				if errors.Is(err, engine.ErrNotFound) {
					continue
				}
				if err != nil {
					failure = err.Error()
					break
				}
				v2, err := db.Get(second)
				if err != nil {
					failure = fmt.Sprintf("read %s at version %s, then %s: %v", first, v1[:8], second, err)
					break
				}
				if a, b := advParseVersion(t, v1), advParseVersion(t, v2); b < a {
					failure = fmt.Sprintf("read %s at version %d, then %s at the older version %d: half a batch", first, a, second, b)
					break
				}
				pairs++
			}
			advEndReadPairs(t, &stop, &wg, failure, pairs)
		})
	}
}

// TestAdvBatchDeletesAtomicForGets: the same for batches that delete. The
// writer alternates a batch putting a, b and c at version v (v odd) with a
// batch deleting all three (v even). A reader that Gets a at version v must
// then Get b at v or later, or find it deleted only once the delete batch
// v+1 has started; with a tiny memory tier the deletes are written back and
// evicted too, so a Get meets them as plain misses on disk.
func TestAdvBatchDeletesAtomicForGets(t *testing.T) {
	db, _ := advOpen(t, engine.Options{MemTierBytes: 1 << 10, Sync: engine.SyncNever})
	keys := [][]byte{[]byte("a"), []byte("b"), []byte("c")}
	var started atomic.Int64
	var done, stop atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		defer done.Store(true)
		for v := int64(1); v <= 4000 && !stop.Load(); v++ {
			started.Store(v)
			b := db.NewBatch()
			for _, k := range keys {
				if v%2 == 1 {
					b.Put(k, advVersionValue(v))
				} else {
					b.Delete(k)
				}
			}
			b.Put(fmt.Appendf(nil, "filler%03d", v%100), make([]byte, 64)) // keeps the tier evicting
			if err := db.Apply(b); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var failure string
	pairs := 0
	for r := 0; !done.Load() && failure == ""; r++ {
		first, second := keys[r%3], keys[(r+1)%3]
		v1, err := db.Get(first)
		if errors.Is(err, engine.ErrNotFound) {
			continue
		}
		if err != nil {
			failure = err.Error()
			break
		}
		a := advParseVersion(t, v1)
		v2, err := db.Get(second)
		switch {
		case errors.Is(err, engine.ErrNotFound):
			if s := started.Load(); s < a+1 {
				failure = fmt.Sprintf("read %s at version %d, then %s deleted, but delete batch %d has not started (at %d)", first, a, second, a+1, s)
			}
		case err != nil:
			failure = err.Error()
		default:
			if b := advParseVersion(t, v2); b < a {
				failure = fmt.Sprintf("read %s at version %d, then %s at the older version %d", first, a, second, b)
			}
		}
		pairs++
	}
	advEndReadPairs(t, &stop, &wg, failure, pairs)
}

// advEndReadPairs stops the writers of a batch-atomicity test and fails it
// on the failure its reader recorded, or if too few read pairs overlapped
// the writes for the test to have tested anything.
func advEndReadPairs(t *testing.T, stop *atomic.Bool, wg *sync.WaitGroup, failure string, pairs int) {
	t.Helper()
	stop.Store(true)
	wg.Wait()
	if failure != "" {
		t.Fatal(failure)
	}
	if pairs < 100 {
		t.Fatalf("only %d read pairs overlapped the writes", pairs)
	}
}
