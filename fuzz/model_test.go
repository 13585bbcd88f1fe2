package fuzz_test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// mop is one write as the model sees it.
type mop struct {
	del        bool
	key, value []byte
}

// model is the reference every target checks the engine against: a plain
// map, sorted on demand.
type model struct{ kv map[string][]byte }

func newModel() *model { return &model{kv: map[string][]byte{}} }

func (m *model) clone() *model { return &model{kv: maps.Clone(m.kv)} }

func (m *model) apply(ops []mop) {
	for _, op := range ops {
		if op.del {
			delete(m.kv, string(op.key))
		} else {
			m.kv[string(op.key)] = bytes.Clone(nonNil(op.value))
		}
	}
}

func (m *model) get(k []byte) ([]byte, bool) {
	v, ok := m.kv[string(k)]
	return v, ok
}

// keys returns the keys in [lower, upper), sorted; nil bounds are open.
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

// diff describes the first difference between m and a dump of the DB, or
// returns "" if they are equal.
func (m *model) diff(got map[string][]byte) string {
	for _, k := range m.keys(nil, nil) {
		g, ok := got[string(k)]
		want := m.kv[string(k)]
		if !ok {
			return fmt.Sprintf("key %q missing (want %s)", k, short(want))
		}
		if !bytes.Equal(g, want) {
			return fmt.Sprintf("key %q = %s, want %s", k, short(g), short(want))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := m.kv[k]; !ok {
			return fmt.Sprintf("unexpected key %q = %s", k, short(got[k]))
		}
	}
	return ""
}

// short renders a value for a failure message: its length and a prefix.
func short(v []byte) string {
	if len(v) > 16 {
		return fmt.Sprintf("%d bytes %q...", len(v), v[:16])
	}
	return fmt.Sprintf("%q", v)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// modelIter mirrors engine.Iterator over a sorted copy of the model's keys
// within the bounds: seeks clamp to the bounds, Next and Prev on an
// exhausted iterator return false.
type modelIter struct {
	m     *model
	keys  [][]byte
	pos   int
	valid bool
}

func (m *model) iter(lower, upper []byte) *modelIter {
	if lower != nil && upper != nil && bytes.Compare(lower, upper) > 0 {
		upper = lower
	}
	return &modelIter{m: m, keys: m.keys(lower, upper)}
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

func (it *modelIter) Next() bool { return it.valid && it.set(it.pos+1) }
func (it *modelIter) Prev() bool { return it.valid && it.set(it.pos-1) }

func (it *modelIter) Key() []byte { return it.keys[it.pos] }

func (it *modelIter) Value() []byte {
	v, _ := it.m.get(it.keys[it.pos])
	return v
}

// listing renders numbered lines, marking line mark (-1: none) and keeping
// at most max lines around it.
func listing(lines []string, mark int) string {
	var b strings.Builder
	for i, l := range lines {
		prefix := "   "
		if i == mark {
			prefix = "=> "
		}
		fmt.Fprintf(&b, "%s%3d %s\n", prefix, i, l)
	}
	return b.String()
}
