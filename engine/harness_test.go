package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// harness drives one DB and the model with the same operations and fails
// the test at the first observable difference, printing the operation log.
type harness struct {
	t    testing.TB
	rng  *rand.Rand
	fs   vfs.FS
	dir  string
	opts engine.Options
	db   *engine.DB
	m    *model
	log  []string
	keys int // key space size
}

func newHarness(t testing.TB, seed uint64, opts engine.Options, keys int) *harness {
	h := &harness{
		t:    t,
		rng:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		fs:   opts.FS,
		dir:  "db",
		opts: opts,
		m:    newModel(),
		keys: keys,
	}
	h.open()
	return h
}

func (h *harness) open() {
	db, err := engine.Open(h.dir, &h.opts)
	if err != nil {
		h.fatalf("open: %v", err)
	}
	h.db = db
}

func (h *harness) fatalf(format string, args ...any) {
	h.t.Helper()
	tail := h.log
	if len(tail) > 60 {
		tail = tail[len(tail)-60:]
	}
	h.t.Fatalf("%s\nlast operations (%d in all):\n  %s", fmt.Sprintf(format, args...), len(h.log), strings.Join(tail, "\n  "))
}

func (h *harness) logf(format string, args ...any) {
	h.log = append(h.log, fmt.Sprintf(format, args...))
}

// key returns a key from the key space; a few are binary.
func (h *harness) key() []byte {
	i := h.rng.IntN(h.keys)
	if i%17 == 0 {
		return []byte{0x00, byte(i), 0xff, byte(i >> 8)}
	}
	return fmt.Appendf(nil, "k%05d", i)
}

// value returns a value: often small, sometimes empty, sometimes large and
// compressible (exercises in-memory compression and oversize entries).
func (h *harness) value() []byte {
	switch r := h.rng.IntN(20); {
	case r == 0:
		return []byte{}
	case r == 1:
		return bytes.Repeat([]byte{'z'}, 2000+h.rng.IntN(6000))
	default:
		v := make([]byte, h.rng.IntN(120))
		for i := range v {
			v[i] = byte('a' + h.rng.IntN(26))
		}
		return v
	}
}

func (h *harness) step() {
	switch r := h.rng.IntN(100); {
	case r < 35:
		h.put()
	case r < 45:
		h.del()
	case r < 55:
		h.batch()
	case r < 85:
		h.get()
	case r < 95:
		h.iterate()
	case r < 98:
		h.checkpoint()
	default:
		h.reopen()
	}
}

func (h *harness) put() {
	k, v := h.key(), h.value()
	h.logf("put %q (%d bytes)", k, len(v))
	if err := h.db.Put(k, v); err != nil {
		h.fatalf("put: %v", err)
	}
	h.m.put(k, v)
}

func (h *harness) del() {
	k := h.key()
	h.logf("delete %q", k)
	if err := h.db.Delete(k); err != nil {
		h.fatalf("delete: %v", err)
	}
	h.m.del(k)
}

func (h *harness) batch() {
	b := h.db.NewBatch()
	next := h.m.clone()
	n := 1 + h.rng.IntN(8)
	var desc []string
	for range n {
		k := h.key()
		if h.rng.IntN(4) == 0 {
			b.Delete(k)
			next.del(k)
			desc = append(desc, fmt.Sprintf("del %q", k))
		} else {
			v := h.value()
			b.Put(k, v)
			next.put(k, v)
			desc = append(desc, fmt.Sprintf("put %q", k))
		}
	}
	h.logf("batch [%s]", strings.Join(desc, ", "))
	if err := h.db.Apply(b); err != nil {
		h.fatalf("apply: %v", err)
	}
	h.m = next
}

func (h *harness) get() {
	k := h.key()
	h.logf("get %q", k)
	got, err := h.db.Get(k)
	want, ok := h.m.get(k)
	switch {
	case !ok && !errors.Is(err, engine.ErrNotFound):
		h.fatalf("get %q: got (%q, %v), want ErrNotFound", k, trunc(got), err)
	case ok && err != nil:
		h.fatalf("get %q: got error %v, want %q", k, err, trunc(want))
	case ok && !bytes.Equal(got, want):
		h.fatalf("get %q: got %q, want %q", k, trunc(got), trunc(want))
	}
}

func (h *harness) checkpoint() {
	h.logf("checkpoint")
	if err := h.db.Checkpoint(); err != nil {
		h.fatalf("checkpoint: %v", err)
	}
}

func (h *harness) reopen() {
	h.logf("close+reopen")
	if err := h.db.Close(); err != nil {
		h.fatalf("close: %v", err)
	}
	h.open()
	h.checkAll()
}

// checkAll compares a full scan and a Get of every model key.
func (h *harness) checkAll() {
	got, err := dump(h.db)
	if err != nil {
		h.fatalf("dump: %v", err)
	}
	if err := h.m.diff(got); err != nil {
		h.fatalf("full scan differs from the model: %v", err)
	}
}

// bounds returns random iterator bounds (often none).
func (h *harness) bounds() (lower, upper []byte) {
	if h.rng.IntN(3) == 0 {
		lower = h.key()
	}
	if h.rng.IntN(3) == 0 {
		upper = h.key()
	}
	return lower, upper
}

func (h *harness) iterate() {
	lower, upper := h.bounds()
	h.logf("iter [%q, %q)", lower, upper)
	it, err := h.db.NewIter(&engine.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		h.fatalf("new iter: %v", err)
	}
	defer it.Close()
	mit := h.m.clone().iter(lower, upper)
	for range 5 + h.rng.IntN(30) {
		h.iterStep("", it, mit)
	}
	if err := it.Error(); err != nil {
		h.fatalf("iterator error: %v", err)
	}
}

// iterStep makes one random positioning call on it and on its model mit
// and compares them, or (one time in ten) writes a random key, which must
// not show through the iterator; name labels it in the log.
func (h *harness) iterStep(name string, it *engine.Iterator, mit *modelIter) {
	h.t.Helper()
	var got, want bool
	var what string
	switch r := h.rng.IntN(10); {
	case r == 0:
		what, got, want = "First", it.First(), mit.First()
	case r == 1:
		what, got, want = "Last", it.Last(), mit.Last()
	case r == 2:
		k := h.key()
		what, got, want = fmt.Sprintf("SeekGE(%q)", k), it.SeekGE(k), mit.SeekGE(k)
	case r == 3:
		k := h.key()
		what, got, want = fmt.Sprintf("SeekLT(%q)", k), it.SeekLT(k), mit.SeekLT(k)
	case r < 7:
		what, got, want = "Next", it.Next(), mit.Next()
	case r < 9:
		what, got, want = "Prev", it.Prev(), mit.Prev()
	default:
		// A write while the iterator is open must not show through it.
		h.put()
		return
	}
	what = strings.TrimSpace(name + " " + what)
	h.logf("  %s -> %v", what, got)
	if got != want || it.Valid() != want {
		h.fatalf("iterator %s: got %v, want %v", what, got, want)
	}
	if !want && (it.Key() != nil || it.Value() != nil) {
		h.fatalf("iterator %s: an invalid iterator exposes %q", what, it.Key())
	}
	if want && (!bytes.Equal(it.Key(), mit.Key()) || !bytes.Equal(it.Value(), mit.Value())) {
		h.fatalf("iterator %s: at %q=%q, want %q=%q", what, it.Key(), trunc(it.Value()), mit.Key(), trunc(mit.Value()))
	}
}

// dump reads the whole DB with an iterator.
func dump(db *engine.DB) (map[string][]byte, error) {
	it, err := db.NewIter(nil)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	got := map[string][]byte{}
	var prev []byte
	for ok := it.First(); ok; ok = it.Next() {
		if prev != nil && bytes.Compare(prev, it.Key()) >= 0 {
			return nil, fmt.Errorf("keys out of order: %q then %q", prev, it.Key())
		}
		prev = append(prev[:0], it.Key()...)
		got[string(it.Key())] = append([]byte{}, it.Value()...)
	}
	return got, it.Error()
}
