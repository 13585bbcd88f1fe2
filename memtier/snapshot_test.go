package memtier

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// modelCursor is the reference: a sorted slice of keys within bounds.
type modelCursor struct {
	keys []string
	pos  int // -1 or len = invalid
}

func (m *modelCursor) valid() bool { return m.pos >= 0 && m.pos < len(m.keys) }

func boundedKeys(keys []string, lower, upper []byte) []string {
	var out []string
	for _, k := range keys {
		if (lower == nil || k >= string(lower)) && (upper == nil || k < string(upper)) {
			out = append(out, k)
		}
	}
	return out
}

func TestCursorMatchesModel(t *testing.T) {
	const n = 300
	tr := newTier(t, nil)
	var keys []string
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("k%04d", i*3)
		keys = append(keys, k)
		tr.Put([]byte(k), []byte("v"+k), uint64(i+1), i%7 == 0)
	}
	snap := tr.Snapshot()
	defer snap.Close()
	bounds := []struct{ lower, upper []byte }{
		{nil, nil}, {[]byte("k0100"), nil}, {nil, []byte("k0500")},
		{[]byte("k0101"), []byte("k0499")}, {[]byte("k9"), nil}, {[]byte("k0300"), []byte("k0300")},
	}
	for _, b := range bounds {
		t.Run(fmt.Sprintf("lower=%s/upper=%s", b.lower, b.upper), func(t *testing.T) {
			c := snap.NewCursor(b.lower, b.upper)
			m := &modelCursor{keys: boundedKeys(keys, b.lower, b.upper), pos: -1}
			rng := rand.New(rand.NewPCG(1, uint64(len(b.lower)+len(b.upper))))
			for step := 0; step < 3000; step++ {
				op, got := cursorStep(c, m, rng)
				if got != m.valid() || c.Valid() != m.valid() {
					t.Fatalf("step %d %s: cursor %v, model %v", step, op, got, m.valid())
				}
				if !got {
					if c.Key() != nil || c.Tombstone() {
						t.Fatalf("step %d %s: invalid cursor has key %q, tombstone %v", step, op, c.Key(), c.Tombstone())
					}
					continue
				}
				e := c.Entry()
				want := m.keys[m.pos]
				if string(e.Key) != want {
					t.Fatalf("step %d %s: at %q, model at %q", step, op, e.Key, want)
				}
				if string(c.Key()) != want || c.Tombstone() != e.Tombstone {
					t.Fatalf("step %d %s: Key %q Tombstone %v, Entry says %q %v", step, op, c.Key(), c.Tombstone(), e.Key, e.Tombstone)
				}
				if !e.Tombstone && string(e.Value) != "v"+want {
					t.Fatalf("step %d: value %q", step, e.Value)
				}
			}
		})
	}
}

// cursorStep applies one random positioning call to c and m.
func cursorStep(c *Cursor, m *modelCursor, rng *rand.Rand) (string, bool) {
	switch rng.IntN(6) {
	case 0:
		m.pos = 0
		return "First", c.First()
	case 1:
		m.pos = len(m.keys) - 1
		return "Last", c.Last()
	case 2:
		k := fmt.Sprintf("k%04d", rng.IntN(1000))
		m.pos, _ = slices.BinarySearch(m.keys, k)
		return "SeekGE " + k, c.SeekGE([]byte(k))
	case 3:
		k := fmt.Sprintf("k%04d", rng.IntN(1000))
		i, _ := slices.BinarySearch(m.keys, k)
		m.pos = i - 1
		return "SeekLT " + k, c.SeekLT([]byte(k))
	case 4:
		if m.valid() {
			m.pos++
		} else {
			m.pos = -1
		}
		return "Next", c.Next()
	default:
		if m.valid() {
			m.pos--
		} else {
			m.pos = -1
		}
		return "Prev", c.Prev()
	}
}

func TestSnapshotIsolation(t *testing.T) {
	tr := newTier(t, nil)
	for i := range 100 {
		tr.Put(fmt.Appendf(nil, "k%03d", i), []byte("old"), uint64(i+1), false)
	}
	snap := tr.Snapshot()
	for i := range 100 {
		switch i % 3 {
		case 0:
			tr.Put(fmt.Appendf(nil, "k%03d", i), []byte("new"), uint64(1000+i), false)
		case 1:
			tr.Put(fmt.Appendf(nil, "k%03d", i), nil, uint64(1000+i), true)
		}
		tr.Put(fmt.Appendf(nil, "n%03d", i), []byte("new"), uint64(2000+i), false)
	}
	tr.MarkClean(tr.Dirty(^uint64(0)))
	c := snap.NewCursor(nil, nil)
	n := 0
	for ok := c.First(); ok; ok = c.Next() {
		e := c.Entry()
		if !bytes.HasPrefix(e.Key, []byte("k")) || string(e.Value) != "old" || e.Tombstone || e.Seq > 100 {
			t.Fatalf("snapshot sees a later change: %q=%q seq %d", e.Key, e.Value, e.Seq)
		}
		n++
	}
	if n != 100 || snap.Len() != 100 {
		t.Fatalf("snapshot yields %d entries (Len %d), want 100", n, snap.Len())
	}
	snap.Close()
	if snap.NewCursor(nil, nil).First() {
		t.Fatal("cursor on a closed snapshot is positioned")
	}
}

func TestCursorCompressedValues(t *testing.T) {
	tr := newTier(t, &Options{CompressMinBytes: 16})
	want := map[string]string{}
	for i := range 20 {
		k := fmt.Sprintf("k%02d", i)
		want[k] = strings.Repeat(k, 20+i)
		tr.Put([]byte(k), []byte(want[k]), uint64(i+1), false)
	}
	if st := tr.Stats(); st.Bytes >= int64(20*EntryOverhead+len(want)*50) {
		t.Fatalf("values were not compressed: %d bytes charged", st.Bytes)
	}
	s := tr.Snapshot()
	defer s.Close()
	c := s.NewCursor(nil, nil)
	n := 0
	for ok := c.Last(); ok; ok = c.Prev() {
		e := c.Entry()
		if string(e.Value) != want[string(e.Key)] {
			t.Fatalf("%s: value of %d bytes differs", e.Key, len(e.Value))
		}
		n++
	}
	if n != 20 {
		t.Fatalf("%d entries", n)
	}
}
