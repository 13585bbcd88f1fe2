package disktier

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// modelEntry is one stored version in the iterator model.
type modelEntry struct {
	key string
	version
}

// inBounds returns the model's entries in [lower, upper), sorted.
func inBounds(model map[string]version, lower, upper []byte) []modelEntry {
	var out []modelEntry
	for k, v := range model {
		if lower != nil && k < string(lower) || upper != nil && k >= string(upper) {
			continue
		}
		out = append(out, modelEntry{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

func checkAt(t *testing.T, it *Iter, ok bool, want []modelEntry, i int, op string) {
	t.Helper()
	if i < 0 || i >= len(want) {
		if ok || it.Valid() {
			t.Fatalf("%s: at %q, want exhausted", op, it.Key())
		}
		return
	}
	w := want[i]
	if !ok || !it.Valid() || string(it.Key()) != w.key || it.Seq() != w.seq || it.Tombstone() != w.tomb || !bytes.Equal(it.Value(), w.value) {
		t.Fatalf("%s: ok=%v key=%q seq=%d tomb=%v value=%q, want %q seq=%d tomb=%v value=%q",
			op, ok, it.Key(), it.Seq(), it.Tombstone(), it.Value(), w.key, w.seq, w.tomb, w.value)
	}
}

func randKey(rng *rand.Rand) []byte {
	return []byte(fmt.Sprintf("k%03d", rng.IntN(200)))
}

func TestIterBothDirectionsWithBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := openMem(t, vfs.NewMem(), nil)
	model := map[string]version{}
	b := s.NewBatch()
	for i := range 300 {
		k := randKey(rng)
		switch rng.IntN(3) {
		case 0:
			b.SetTombstone(k, uint64(i))
			model[string(k)] = version{seq: uint64(i), tomb: true}
		default:
			v := []byte(fmt.Sprintf("v%d", i))
			b.Set(k, v, uint64(i))
			model[string(k)] = version{value: v, seq: uint64(i)}
		}
		if i%50 == 49 {
			mustCommit(t, s, b)
			if i%100 == 99 {
				if err := s.Flush(); err != nil {
					t.Fatalf("Flush: %v", err)
				}
			}
		}
	}
	for round := range 60 {
		var lower, upper []byte
		if rng.IntN(3) > 0 {
			lower = randKey(rng)
		}
		if rng.IntN(3) > 0 {
			upper = randKey(rng)
		}
		if lower != nil && upper != nil && bytes.Compare(lower, upper) > 0 {
			lower, upper = upper, lower
		}
		t.Run(fmt.Sprintf("round=%d/lower=%s/upper=%s", round, lower, upper), func(t *testing.T) {
			checkIterRound(t, rng, s, model, lower, upper)
		})
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func checkIterRound(t *testing.T, rng *rand.Rand, s *Store, model map[string]version, lower, upper []byte) {
	want := inBounds(model, lower, upper)
	it, err := s.NewIter(lower, upper)
	if err != nil {
		t.Fatalf("NewIter: %v", err)
	}
	defer it.Close()
	if it.Valid() {
		t.Fatalf("new iterator is positioned")
	}
	i := 0
	for ok := it.First(); ok; ok = it.Next() {
		checkAt(t, it, ok, want, i, "forward")
		i++
	}
	checkAt(t, it, false, want, len(want), "forward end")
	if it.Next() {
		t.Fatalf("Next on exhausted iterator returned true")
	}
	i = len(want) - 1
	for ok := it.Last(); ok; ok = it.Prev() {
		checkAt(t, it, ok, want, i, "backward")
		i--
	}
	checkAt(t, it, false, want, -1, "backward end")
	for range 20 {
		k := randKey(rng)
		ge := sort.Search(len(want), func(j int) bool { return want[j].key >= string(k) })
		checkAt(t, it, it.SeekGE(k), want, ge, fmt.Sprintf("SeekGE(%s)", k))
		lt := ge - 1
		checkAt(t, it, it.SeekLT(k), want, lt, fmt.Sprintf("SeekLT(%s)", k))
		// Change direction after a seek.
		if lt >= 0 {
			checkAt(t, it, it.Next(), want, lt+1, fmt.Sprintf("SeekLT(%s).Next", k))
			checkAt(t, it, it.Prev(), want, lt, fmt.Sprintf("SeekLT(%s).Next.Prev", k))
		}
	}
	if err := it.Error(); err != nil {
		t.Fatalf("Error: %v", err)
	}
}

func TestIterPointInTime(t *testing.T) {
	s := openMem(t, vfs.NewMem(), nil)
	b := s.NewBatch()
	b.Set([]byte("a"), []byte("1"), 1)
	b.Set([]byte("b"), []byte("1"), 1)
	mustCommit(t, s, b)
	it, err := s.NewIter(nil, nil)
	if err != nil {
		t.Fatalf("NewIter: %v", err)
	}
	b.Set([]byte("a"), []byte("2"), 2)
	b.Delete([]byte("b"))
	b.Set([]byte("c"), []byte("2"), 2)
	mustCommit(t, s, b)
	if err := s.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	want := []modelEntry{{"a", version{value: []byte("1"), seq: 1}}, {"b", version{value: []byte("1"), seq: 1}}}
	i := 0
	for ok := it.First(); ok; ok = it.Next() {
		checkAt(t, it, ok, want, i, "snapshot")
		i++
	}
	checkAt(t, it, false, want, i, "snapshot end")
	if err := it.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for name, ok := range map[string]bool{"First": it.First(), "SeekGE": it.SeekGE([]byte("a")), "Valid": it.Valid()} {
		if ok {
			t.Errorf("%s on closed iterator returned true", name)
		}
	}
	if err := it.Error(); !errors.Is(err, ErrClosed) {
		t.Errorf("Error on closed iterator = %v, want ErrClosed", err)
	}
	if err := it.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestCloseClosesOpenIterators(t *testing.T) {
	s := openMem(t, vfs.NewMem(), nil)
	b := s.NewBatch()
	b.Set([]byte("a"), []byte("1"), 1)
	mustCommit(t, s, b)
	if err := s.Flush(); err != nil { // so the iterator reads an sstable
		t.Fatalf("Flush: %v", err)
	}
	it, err := s.NewIter(nil, nil)
	if err != nil {
		t.Fatalf("NewIter: %v", err)
	}
	if !it.First() {
		t.Fatalf("First: %v", it.Error())
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close with an open iterator: %v", err)
	}
	if it.Valid() || it.First() || it.SeekLT([]byte("z")) || it.Next() || it.Key() != nil {
		t.Fatalf("iterator usable after Store.Close")
	}
	if err := it.Error(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Error after Store.Close = %v, want ErrClosed", err)
	}
	if err := it.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Close after Store.Close = %v, want ErrClosed", err)
	}
}
