package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// advAwkwardKeys are keys that sort in ways a careless comparison gets
// wrong: 0x00 and 0xff bytes, and keys that are prefixes of each other.
var advAwkwardKeys = []string{
	"\x00", "\x00\x00", "\x00\xff", "\x01",
	"a", "a\x00", "a\x00\x00", "a\x01", "a\xff", "a\xff\xff", "aa", "ab",
	"b", "\x7f", "\x80", "\xfe\xff", "\xff", "\xff\x00", "\xff\xff", "\xff\xff\xff",
}

// advIterFixture writes the awkward keys so that every merge case occurs:
// some only in the memory tier, some only on disk, some on disk shadowed
// by a newer in-memory version, and some deleted in memory over a disk
// version. It returns the DB and the model of what it holds.
func advIterFixture(t *testing.T) (*engine.DB, *model) {
	t.Helper()
	opts := engine.Options{MemTierBytes: 2 << 10}
	db, fs := advOpen(t, opts)
	m := newModel()
	for i, k := range advAwkwardKeys {
		v := fmt.Appendf(nil, "disk-%d", i)
		if err := db.Put([]byte(k), v); err != nil {
			t.Fatal(err)
		}
		m.put([]byte(k), v)
	}
	// Reopen: everything is on disk only, and no filler keys exist.
	db = advMove(t, db, fs, opts, "reopen")
	for i, k := range advAwkwardKeys {
		switch i % 4 {
		case 1: // shadowed by a newer in-memory version
			v := fmt.Appendf(nil, "mem-%d", i)
			if err := db.Put([]byte(k), v); err != nil {
				t.Fatal(err)
			}
			m.put([]byte(k), v)
		case 2: // deleted in memory over a disk version
			if err := db.Delete([]byte(k)); err != nil {
				t.Fatal(err)
			}
			m.del([]byte(k))
		}
	}
	// Memory-only keys, between the others.
	for _, k := range []string{"\x00\x01", "a\x00\x01", "ac", "\xff\xfe"} {
		if err := db.Put([]byte(k), []byte("memonly")); err != nil {
			t.Fatal(err)
		}
		m.put([]byte(k), []byte("memonly"))
	}
	return db, m
}

// advBounds are the bound pairs probed: none, ordinary, equal, inverted,
// empty (non-nil) slices, and bounds beyond every key.
var advBounds = []struct {
	name         string
	lower, upper []byte
}{
	{"none", nil, nil},
	{"lower=a", []byte("a"), nil},
	{"upper=a", nil, []byte("a")},
	{"a..b", []byte("a"), []byte("b")},
	{"a00..a01", []byte("a\x00"), []byte("a\x01")},
	{"equal", []byte("a"), []byte("a")},
	{"inverted", []byte("b"), []byte("a")},
	{"lower=empty", []byte{}, nil},
	{"upper=empty", nil, []byte{}},
	{"both-empty", []byte{}, []byte{}},
	{"lower=ffffffff", []byte("\xff\xff\xff\xff"), nil},
	{"upper=00", nil, []byte("\x00")},
	{"upper=0000", nil, []byte("\x00\x00")},
}

// advSeekKeys are the seek targets probed: before, inside and after every
// bound, and the empty key.
var advSeekKeys = [][]byte{
	nil, {}, []byte("\x00"), []byte("\x00\x00\x00"), []byte("a"), []byte("a\x00"), []byte("a\x00\x00\x00"),
	[]byte("ab"), []byte("b"), []byte("b\x00"), []byte("\xff"), []byte("\xff\xff\xff\xff"),
}

// advCheckPos compares one positioning result with the model's.
func advCheckPos(t *testing.T, what string, it *engine.Iterator, got bool, mit *modelIter, want bool) {
	t.Helper()
	if got != want || it.Valid() != want {
		t.Fatalf("%s: got %v (Valid %v), want %v", what, got, it.Valid(), want)
	}
	if !want {
		if it.Key() != nil || it.Value() != nil {
			t.Fatalf("%s: invalid iterator exposes %q=%q", what, it.Key(), it.Value())
		}
		return
	}
	if !bytes.Equal(it.Key(), mit.Key()) || !bytes.Equal(it.Value(), mit.Value()) {
		t.Fatalf("%s: at %q=%q, want %q=%q", what, it.Key(), it.Value(), mit.Key(), mit.Value())
	}
}

// TestAdvIterBoundsAndSeeks checks every positioning call under every
// bound pair against the model: clamping of seeks outside the bounds,
// full scans both ways, and a step both ways after every seek.
func TestAdvIterBoundsAndSeeks(t *testing.T) {
	db, m := advIterFixture(t)
	for _, bc := range advBounds {
		t.Run(bc.name, func(t *testing.T) {
			it, err := db.NewIter(&engine.IterOptions{LowerBound: bc.lower, UpperBound: bc.upper})
			if err != nil {
				t.Fatal(err)
			}
			defer it.Close()
			lower, upper := bc.lower, bc.upper
			if lower != nil && upper != nil && bytes.Compare(lower, upper) > 0 {
				upper = lower // inverted: empty
			}
			mit := m.iter(lower, upper)
			// Full scans.
			var fwd, back []string
			for ok := it.First(); ok; ok = it.Next() {
				fwd = append(fwd, string(it.Key()))
			}
			for ok := it.Last(); ok; ok = it.Prev() {
				back = append(back, string(it.Key()))
			}
			var want []string
			for _, k := range mit.keys {
				want = append(want, string(k))
			}
			if fmt.Sprintf("%q", fwd) != fmt.Sprintf("%q", want) {
				t.Fatalf("forward scan %q, want %q", fwd, want)
			}
			for i, j := 0, len(back)-1; i < j; i, j = i+1, j-1 {
				back[i], back[j] = back[j], back[i]
			}
			if fmt.Sprintf("%q", back) != fmt.Sprintf("%q", want) {
				t.Fatalf("backward scan (reversed) %q, want %q", back, want)
			}
			for _, k := range advSeekKeys {
				for _, step := range []string{"Next", "Prev", "Next,Prev", "Prev,Next"} {
					for _, seek := range []string{"SeekGE", "SeekLT"} {
						what := fmt.Sprintf("%s(%q)", seek, k)
						var got, wantOK bool
						if seek == "SeekGE" {
							got, wantOK = it.SeekGE(k), mit.SeekGE(k)
						} else {
							got, wantOK = it.SeekLT(k), mit.SeekLT(k)
						}
						advCheckPos(t, what, it, got, mit, wantOK)
						for _, s := range bytes.Split([]byte(step), []byte(",")) {
							what += "." + string(s)
							if string(s) == "Next" {
								got, wantOK = it.Next(), mit.Next()
							} else {
								got, wantOK = it.Prev(), mit.Prev()
							}
							advCheckPos(t, what, it, got, mit, wantOK)
						}
					}
				}
			}
			if err := it.Error(); err != nil {
				t.Fatalf("Error() = %v on a healthy iterator", err)
			}
		})
	}
}

// TestAdvIterExhausted: once Next or Prev ran off an end, both return
// false until the iterator is positioned again; and turning around at the
// ends from a valid position works.
func TestAdvIterExhausted(t *testing.T) {
	db, m := advIterFixture(t)
	it, err := db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	keys := m.keys(nil, nil)
	first, last := keys[0], keys[len(keys)-1]
	steps := []struct {
		name string
		do   func() bool
		want []byte // nil: false
	}{
		{"Last", it.Last, last},
		{"Next past the end", it.Next, nil},
		{"Next again", it.Next, nil},
		{"Prev after exhausted", it.Prev, nil},
		{"First", it.First, first},
		{"Prev before the start", it.Prev, nil},
		{"Prev again", it.Prev, nil},
		{"Next after exhausted", it.Next, nil},
		{"Last again", it.Last, last},
		{"Prev from last", it.Prev, keys[len(keys)-2]},
		{"Next back to last", it.Next, last},
		{"First again", it.First, first},
		{"Next from first", it.Next, keys[1]},
		{"Prev back to first", it.Prev, first},
		{"SeekGE past everything", func() bool { return it.SeekGE([]byte("\xff\xff\xff\xff")) }, nil},
		{"Prev after a failed SeekGE", it.Prev, nil},
		{"SeekLT before everything", func() bool { return it.SeekLT([]byte("\x00")) }, nil},
		{"Next after a failed SeekLT", it.Next, nil},
	}
	for _, s := range steps {
		got := s.do()
		if got != (s.want != nil) || (got && !bytes.Equal(it.Key(), s.want)) {
			t.Fatalf("%s: got %v at %q, want %q", s.name, got, it.Key(), s.want)
		}
	}
}

// TestAdvClosedIteratorEveryMethod: every method of a closed iterator is
// safe, positions nowhere, and Error reports ErrClosed.
func TestAdvClosedIteratorEveryMethod(t *testing.T) {
	for _, how := range []string{"it.Close", "db.Close", "both"} {
		t.Run(how, func(t *testing.T) {
			db, _ := advIterFixture(t)
			it, err := db.NewIter(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !it.First() {
				t.Fatal("empty fixture")
			}
			if how != "db.Close" {
				if err := it.Close(); err != nil {
					t.Fatalf("first Close: %v", err)
				}
			}
			if how != "it.Close" {
				if err := db.Close(); err != nil {
					t.Fatalf("db.Close with an open iterator: %v", err)
				}
			}
			moves := map[string]func() bool{
				"First": it.First, "Last": it.Last, "Next": it.Next, "Prev": it.Prev, "Valid": it.Valid,
				"SeekGE": func() bool { return it.SeekGE([]byte("a")) },
				"SeekLT": func() bool { return it.SeekLT([]byte("b")) },
			}
			for name, mv := range moves {
				if mv() {
					t.Errorf("%s on a closed iterator returned true", name)
				}
			}
			if it.Key() != nil || it.Value() != nil {
				t.Errorf("closed iterator exposes %q=%q", it.Key(), it.Value())
			}
			if err := it.Error(); !errors.Is(err, engine.ErrClosed) {
				t.Errorf("Error() = %v, want ErrClosed", err)
			}
			if err := it.Close(); err != nil {
				t.Errorf("Close of a closed iterator: %v", err)
			}
		})
	}
}

// TestAdvIterKeyValueStableUnderChurn: an iterator's current Key and Value
// stay valid until its next positioning call, and it keeps showing its
// snapshot, while other goroutines overwrite, delete, evict, checkpoint
// and compact every key it covers.
func TestAdvIterKeyValueStableUnderChurn(t *testing.T) {
	db, _ := advOpen(t, engine.Options{MemTierBytes: 4 << 10, Sync: engine.SyncNever})
	const n = 200
	val := func(i, gen int) []byte { return bytes.Repeat(fmt.Appendf(nil, "%03d-%04d|", i, gen), 5+i%7) }
	for i := range n {
		if err := db.Put(fmt.Appendf(nil, "k%03d", i), val(i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	it, err := db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	churn := func(w int) {
		for gen := 1; ; gen++ {
			select {
			case <-stop:
				return
			default:
			}
			i := (gen*7 + w*13) % n
			k := fmt.Appendf(nil, "k%03d", i)
			var err error
			switch gen % 5 {
			case 0:
				err = db.Delete(k)
			case 1:
				err = db.Checkpoint()
			default:
				err = db.Put(k, val(i, gen))
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	}
	for w := range 2 {
		wg.Go(func() { churn(w) })
	}
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := db.Compact(nil, nil); err != nil {
				t.Error(err)
				return
			}
		}
	})
	seen := 0
	for round := range 3 {
		for ok := it.First(); ok; ok = it.Next() {
			k, v := it.Key(), it.Value()
			kc, vc := append([]byte{}, k...), append([]byte{}, v...)
			var i int
			if _, err := fmt.Sscanf(string(kc), "k%03d", &i); err != nil || !bytes.Equal(vc, val(i, 0)) {
				t.Errorf("round %d: %q=%q, not the snapshot's value", round, kc, trunc(vc))
				break
			}
			// Let the writers run a little while we hold the position.
			for range 3 {
				_, _ = db.Get(fmt.Appendf(nil, "k%03d", (i+1)%n))
			}
			if !bytes.Equal(it.Key(), kc) || !bytes.Equal(it.Value(), vc) || !bytes.Equal(k, kc) || !bytes.Equal(v, vc) {
				t.Errorf("round %d: the current entry changed under a held position: %q=%q", round, k, trunc(v))
				break
			}
			seen++
		}
	}
	close(stop)
	wg.Wait()
	if seen != 3*n {
		t.Fatalf("iterated %d entries over 3 rounds, want %d", seen, 3*n)
	}
	if err := it.Error(); err != nil {
		t.Fatal(err)
	}
}

// TestAdvManyIteratorsLeftOpenAtClose: Close with many open iterators
// (some positioned, some exhausted, some on the disk tier) returns nil,
// does not hang, and leaves every iterator closed.
func TestAdvManyIteratorsLeftOpenAtClose(t *testing.T) {
	db, _ := advIterFixture(t)
	var its []*engine.Iterator
	for i := range 50 {
		it, err := db.NewIter(&engine.IterOptions{LowerBound: []byte{byte(i)}})
		if err != nil {
			t.Fatal(err)
		}
		switch i % 3 {
		case 0:
			it.First()
		case 1:
			for it.Next() {
			}
		}
		its = append(its, it)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close with open iterators: %v", err)
	}
	for i, it := range its {
		if it.Valid() || it.Next() || !errors.Is(it.Error(), engine.ErrClosed) {
			t.Fatalf("iterator %d still usable after DB.Close: valid %v err %v", i, it.Valid(), it.Error())
		}
		if err := it.Close(); err != nil {
			t.Fatalf("iterator %d Close after DB.Close: %v", i, err)
		}
	}
}

// TestAdvIterValueNotAliased: writing into the slice Iterator.Value
// returned (it is valid until the next positioning call, and nothing says
// read-only) must not change what the DB stores. It used to: for a
// memory-tier entry the slice was the tier's own bytes (and the change was
// written back to disk and survived a reopen), for a disk-tier entry it was
// Pebble's memtable or cached block.
func TestAdvIterValueNotAliased(t *testing.T) {
	for _, tier := range advTiers {
		t.Run("tier="+tier, func(t *testing.T) {
			db, fs := advOpen(t, advSmall)
			for _, k := range []string{"k1", "k2"} {
				if err := db.Put([]byte(k), []byte("original-value")); err != nil {
					t.Fatal(err)
				}
			}
			db = advMove(t, db, fs, advSmall, tier)
			it, err := db.NewIter(&engine.IterOptions{UpperBound: []byte("l")})
			if err != nil {
				t.Fatal(err)
			}
			for ok := it.First(); ok; ok = it.Next() {
				copy(it.Value(), "XXXXXXXX")
				if v := it.Value(); string(v) != "original-value" {
					t.Fatalf("a second Value() at %s returns %q", it.Key(), v)
				}
				copy(it.Value(), "YYYYYYYY")
			}
			if err := it.Close(); err != nil {
				t.Fatal(err)
			}
			for _, when := range []string{"mem", "reopen"} {
				db = advMove(t, db, fs, advSmall, when)
				got, err := dump(db)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range []string{"k1", "k2"} {
					v, err := db.Get([]byte(k))
					if err != nil || string(v) != "original-value" || string(got[k]) != "original-value" {
						t.Fatalf("%s: %s = %q (Get %q, %v) after a caller wrote into an iterator's value", when, k, got[k], v, err)
					}
				}
			}
		})
	}
}

// TestAdvIteratorCloseRacesDBClose: iterators closed by their owners while
// DB.Close runs: every Iterator.Close returns nil (closing an iterator
// twice is safe and returns nil, whoever closed it first), nothing panics.
func TestAdvIteratorCloseRacesDBClose(t *testing.T) {
	for round := range 10 {
		db, _ := advIterFixture(t)
		its := make([]*engine.Iterator, 8)
		for i := range its {
			it, err := db.NewIter(nil)
			if err != nil {
				t.Fatal(err)
			}
			it.First()
			its[i] = it
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, len(its))
		for i, it := range its {
			wg.Go(func() {
				<-start
				if i%2 == 0 {
					for it.Next() {
					}
				}
				errs[i] = it.Close()
			})
		}
		wg.Go(func() {
			<-start
			if err := db.Close(); err != nil {
				t.Errorf("round %d: DB.Close: %v", round, err)
			}
		})
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: iterator %d: Close racing DB.Close: %v", round, i, err)
			}
		}
	}
}

// TestAdvIterKeepsNoReferenceToArguments: the caller may reuse the bound
// and seek-key buffers it passed as soon as the call returns.
func TestAdvIterKeepsNoReferenceToArguments(t *testing.T) {
	db, m := advIterFixture(t)
	lower, upper := []byte("a"), []byte("b")
	it, err := db.NewIter(&engine.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	copy(lower, "\x00")
	copy(upper, "\xff")
	seek := []byte("a\x01")
	if !it.SeekGE(seek) {
		t.Fatal("SeekGE found nothing")
	}
	copy(seek, "zz")
	mit := m.iter([]byte("a"), []byte("b"))
	mit.SeekGE([]byte("a\x01"))
	for {
		if !bytes.Equal(it.Key(), mit.Key()) {
			t.Fatalf("at %q, want %q", it.Key(), mit.Key())
		}
		got, want := it.Next(), mit.Next()
		if got != want {
			t.Fatalf("Next: %v, want %v (the bounds changed with the caller's buffers?)", got, want)
		}
		if !got {
			break
		}
	}
	if !it.Last() || !bytes.Equal(it.Key(), m.keys([]byte("a"), []byte("b"))[len(m.keys([]byte("a"), []byte("b")))-1]) {
		t.Fatalf("Last at %q: the upper bound moved with the caller's buffer", it.Key())
	}
}
