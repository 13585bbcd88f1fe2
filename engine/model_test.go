package engine_test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// model is the reference the engine is checked against: a plain ordered map.
type model struct {
	kv map[string][]byte
}

func newModel() *model { return &model{kv: map[string][]byte{}} }

func (m *model) clone() *model { return &model{kv: maps.Clone(m.kv)} }

func (m *model) put(k, v []byte) { m.kv[string(k)] = append([]byte{}, v...) }
func (m *model) del(k []byte)    { delete(m.kv, string(k)) }

// writeBoth puts k=v (or deletes k when v is nil) in db and, once db has
// acknowledged it, in m.
func (m *model) writeBoth(t testing.TB, db *engine.DB, k, v []byte) {
	t.Helper()
	if v == nil {
		if err := db.Delete(k); err != nil {
			t.Fatal(err)
		}
		m.del(k)
		return
	}
	if err := db.Put(k, v); err != nil {
		t.Fatal(err)
	}
	m.put(k, v)
}

func (m *model) get(k []byte) ([]byte, bool) {
	v, ok := m.kv[string(k)]
	return v, ok
}

// keys returns the keys within [lower, upper), sorted.
func (m *model) keys(lower, upper []byte) [][]byte {
	var ks [][]byte
	for k := range m.kv {
		kb := []byte(k)
		if lower != nil && bytes.Compare(kb, lower) < 0 {
			continue
		}
		if upper != nil && bytes.Compare(kb, upper) >= 0 {
			continue
		}
		ks = append(ks, kb)
	}
	slices.SortFunc(ks, bytes.Compare)
	return ks
}

// equal reports the first difference between m and a dump of the DB.
func (m *model) diff(got map[string][]byte) error {
	for k, v := range m.kv {
		g, ok := got[k]
		if !ok {
			return fmt.Errorf("key %q missing (want %d-byte value)", k, len(v))
		}
		if !bytes.Equal(g, v) {
			return fmt.Errorf("key %q: got %q, want %q", k, trunc(g), trunc(v))
		}
	}
	for k, v := range got {
		if _, ok := m.kv[k]; !ok {
			return fmt.Errorf("unexpected key %q (value %q)", k, trunc(v))
		}
	}
	return nil
}

func trunc(b []byte) []byte {
	if len(b) > 24 {
		return append(b[:24:24], "..."...)
	}
	return b
}

// modelIter mirrors Iterator's semantics over a sorted key list.
type modelIter struct {
	m            *model
	keys         [][]byte
	lower, upper []byte
	pos          int // index into keys; -1 or len(keys) when invalid
	valid        bool
}

func (m *model) iter(lower, upper []byte) *modelIter {
	return &modelIter{m: m, keys: m.keys(lower, upper), lower: lower, upper: upper}
}

func (it *modelIter) set(pos int) bool {
	it.pos = pos
	it.valid = pos >= 0 && pos < len(it.keys)
	return it.valid
}

func (it *modelIter) First() bool { return it.set(0) }
func (it *modelIter) Last() bool  { return it.set(len(it.keys) - 1) }
func (it *modelIter) SeekGE(k []byte) bool {
	i, _ := slices.BinarySearchFunc(it.keys, k, bytes.Compare)
	return it.set(i)
}
func (it *modelIter) SeekLT(k []byte) bool {
	i, _ := slices.BinarySearchFunc(it.keys, k, bytes.Compare)
	return it.set(i - 1)
}
func (it *modelIter) Next() bool {
	if !it.valid {
		return false
	}
	return it.set(it.pos + 1)
}
func (it *modelIter) Prev() bool {
	if !it.valid {
		return false
	}
	return it.set(it.pos - 1)
}
func (it *modelIter) Key() []byte { return it.keys[it.pos] }
func (it *modelIter) Value() []byte {
	v, _ := it.m.get(it.keys[it.pos])
	return v
}
