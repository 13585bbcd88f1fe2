package engine_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// TestIteratorsWithoutOrderedIndex writes enough with no iterator open for
// the memory tier (over 16K entries) to drop its ordered index, so that a
// NewIter sorts the tier's entries itself after releasing the commit lock,
// and checks an iterator taken that way while a writer keeps appending
// keys, and the ones after, against a model: each must show the model
// exactly plus a gap-free prefix of the appended keys.
func TestIteratorsWithoutOrderedIndex(t *testing.T) {
	const keys = 20_000
	db := openMem(t, &engine.Options{MemTierBytes: 16 << 20, Sync: engine.SyncNever})
	m := newModel()
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range keys * 3 / 2 {
		k := fmt.Appendf(nil, "k%06d", i) // every key, then random overwrites and deletes
		if i >= keys {
			k = fmt.Appendf(nil, "k%06d", rng.IntN(keys))
		}
		if i >= keys && i%10 == 9 {
			m.writeBoth(t, db, k, nil)
			continue
		}
		m.writeBoth(t, db, k, fmt.Appendf(nil, "v%d", i))
	}
	if st := db.Stats(); st.MemTierEntries < 16<<10 {
		t.Fatalf("%d entries in the memory tier: under the size at which it drops its index", st.MemTierEntries)
	}

	// The first iterator comes after many writes and no iterator: it sorts
	// the tier's entries. A writer appends keys meanwhile.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() { // appends w000000, w000001, ... until stopped
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := db.Put(fmt.Appendf(nil, "w%06d", i), []byte("x")); err != nil {
				t.Error(err)
				return
			}
		}
	})
	checkIterAgainstModel(t, db, m)
	close(stop)
	wg.Wait()
	// Its sorted tree became the tier's index unless the writer changed
	// too much while it was sorted.
	if st := db.Stats(); st.SortedIterSnapshots != 1 || st.OrderedIndexBuilds > 1 {
		t.Fatalf("first iterator: %d sorted snapshots, %d index builds; want 1, at most 1", st.SortedIterSnapshots, st.OrderedIndexBuilds)
	}
	// However many keys were appended meanwhile, after two more iterators
	// with nothing written in between the index has been built once.
	checkIterAgainstModel(t, db, m)
	checkIterAgainstModel(t, db, m)
	if st := db.Stats(); st.OrderedIndexBuilds != 1 {
		t.Fatalf("%d index builds after iterators in a row, want 1 (%d sorted snapshots)", st.OrderedIndexBuilds, st.SortedIterSnapshots)
	}
}

// checkIterAgainstModel iterates the whole DB: the "k" keys must be
// exactly m's, the "w" keys a gap-free prefix w000000, w000001, ...
func checkIterAgainstModel(t *testing.T, db *engine.DB, m *model) {
	t.Helper()
	it, err := db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	got := map[string][]byte{}
	appended := 0
	for ok := it.First(); ok; ok = it.Next() {
		if k := it.Key(); k[0] == 'w' {
			if want := fmt.Appendf(nil, "w%06d", appended); !bytes.Equal(k, want) {
				t.Fatalf("appended keys: got %q, want %q (a gap: the iterator is not one state)", k, want)
			}
			appended++
			continue
		}
		got[string(it.Key())] = append([]byte{}, it.Value()...)
	}
	if err := it.Error(); err != nil {
		t.Fatal(err)
	}
	if err := m.diff(got); err != nil {
		t.Fatal(err)
	}
}
