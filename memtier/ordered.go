package memtier

import (
	"encoding/binary"
	"slices"
	"strings"

	"github.com/google/btree"
	"github.com/tierkv/tierkv/memtier/policy"
)

// The ordered index (the B-tree) has one reader, Snapshot, but costs every
// insert and removal a descent that dereferences an entry per comparison:
// half of a bulk load's CPU. So a tier that keeps changing without anyone
// taking a Snapshot stops maintaining it: once the B-tree operations since
// the last Snapshot pass half the resident entries, the tree is dropped.
// The next Snapshot then depends on how much changed since the one before:
//
//   - more than that bound (a rare Snapshot amid many writes): its caller
//     sorts the resident versions itself, outside the writers' lock (one
//     dereference per entry, a sort of 16-byte abbreviated keys, inserts in
//     key order into a fresh B-tree: several times cheaper than as many
//     random inserts); the tier records what changes meanwhile, and the
//     sorted tree, brought up to date with those changes under the lock,
//     becomes its index again (unless more than catchUpMax changed: then
//     the tier goes on without one);
//   - less (Snapshots have become frequent): the tier rebuilds the index
//     the same way under its lock and maintains it again.
//
// A small tier (below treeDropMinEntries, where the tree is cheap and
// cache-resident) always keeps its tree, and so does a large one (above
// treeDropMaxEntries): a rebuild holds the writers' lock, and at 1M entries
// it took 0.5 s on a loaded 2-vCPU VM (random keys; 0.12 s at 300K), a
// stall a large tier should not pay. A tier that grows past that size with
// its tree dropped rebuilds it then, once.
const (
	treeDropMinEntries = 16 << 10
	treeDropMaxEntries = 512 << 10
	treeDropShift      = 1 // drop once the work passes entries >> treeDropShift
)

// noteTreeWorkLocked counts n B-tree operations and drops the tree once
// they pass the bound (see above). pmu is held, treeMu not.
func (t *Tier) noteTreeWorkLocked(n int) {
	t.treeWork += int64(n)
	if t.treeWorkPastBound() && t.entries >= t.treeDropMin && t.entries <= treeDropMaxEntries {
		t.dropTreeLocked()
	}
}

// treeWorkPastBound reports whether the B-tree work since the last
// Snapshot (done, or that maintaining the tree would have done) passes the
// bound that drops the tree, or leaves it dropped. pmu is held.
func (t *Tier) treeWorkPastBound() bool { return t.treeWork > t.entries>>t.treeDropShift }

// dropTreeLocked stops maintaining the ordered index. Snapshots taken
// before keep their clones (copy-on-write: the nodes they share are never
// written again). pmu is held.
func (t *Tier) dropTreeLocked() {
	for _, l := range t.treeLag[t.treeLagHead:] {
		t.states[l.id] &^= stateTreeStale
	}
	clear(t.treeLag)
	t.treeLag, t.treeLagHead, t.treeLagBytes = t.treeLag[:0], 0, 0
	t.treeMu.Lock()
	t.tree = btree.NewG(btreeDegree, lessEntry)
	t.treeMu.Unlock()
	t.treeOff = true
	t.treeDrops++
	t.abandonCatchUpLocked()
}

// rebuildTreeLocked builds the ordered index from the resident versions
// and maintains it again. pmu is held.
func (t *Tier) rebuildTreeLocked() {
	tree := buildTree(sortByKey(t.residentLocked()))
	t.treeMu.Lock()
	t.tree = tree
	t.treeMu.Unlock()
	t.treeOff = false
	t.treeRebuilds++
	t.abandonCatchUpLocked()
}

// abandonCatchUpLocked gives up adopting the tree of a sorted snapshot in
// flight: the index was rebuilt or dropped since it began, so its log no
// longer holds every change made to what it sorted. pmu is held.
func (t *Tier) abandonCatchUpLocked() {
	if l := t.catchUp; l != nil {
		l.abandoned, l.changes = true, nil
		t.catchUp = nil
	}
}

// residentLocked returns the resident versions. pmu is held.
func (t *Tier) residentLocked() []*entry {
	out := make([]*entry, 0, t.entries)
	t.eachResidentLocked(func(e *entry) { out = append(out, e) })
	return out
}

// buildTree returns a B-tree of sorted, distinct-keyed versions.
func buildTree(sorted []*entry) *btree.BTreeG[*entry] {
	tree := btree.NewG(btreeDegree, lessEntry)
	for _, e := range sorted {
		tree.ReplaceOrInsert(e) // in key order: each descent follows the rightmost path
	}
	return tree
}

// keyedEntry is a resident version and 8 bytes of its key, taken past the
// prefix every key sorted shares, so that sorting rarely dereferences.
type keyedEntry struct {
	abbr uint64
	e    *entry
}

// sortByKey sorts versions (immutable, so no lock is needed) by key, in
// place, and returns them.
func sortByKey(es []*entry) []*entry {
	if len(es) == 0 {
		return es
	}
	first, shared := es[0].key(), len(es[0].key())
	for _, e := range es[1:] {
		shared = min(shared, commonPrefix(first, e.key()))
	}
	ks := make([]keyedEntry, len(es))
	for i, e := range es {
		ks[i] = keyedEntry{abbreviate(e.key(), shared), e}
	}
	slices.SortFunc(ks, func(a, b keyedEntry) int {
		switch {
		case a.abbr < b.abbr:
			return -1
		case a.abbr > b.abbr:
			return 1
		}
		return strings.Compare(a.e.key(), b.e.key())
	})
	for i := range ks {
		es[i] = ks[i].e
	}
	return es
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// abbreviate returns the 8 bytes of k from offset, big-endian and zero
// padded: a key shorter than another with the same 8 bytes there is a
// prefix of it or ties, and ties are settled by the whole keys.
func abbreviate(k string, offset int) uint64 {
	var b [8]byte
	if offset < len(k) {
		copy(b[:], k[offset:])
	}
	return binary.BigEndian.Uint64(b[:])
}

// catchUpMax bounds the changes replayed into a sorted Snapshot's tree
// under the writers' lock before it becomes the index: a few milliseconds.
const catchUpMax = 4096

// catchUpLog records the tier's changes while a sorted Snapshot is built:
// ids whose version was inserted or replaced, and versions removed.
type catchUpLog struct {
	changes   []catchUp
	abandoned bool // over catchUpMax: the tree will not be adopted
}

type catchUp struct {
	id      policy.ID
	removed *entry // a removed version (its key leaves the tree), or nil
}

// note records a change; a nil log records nothing. pmu is held.
func (l *catchUpLog) note(id policy.ID, removed *entry) {
	switch {
	case l == nil || l.abandoned:
	case len(l.changes) >= catchUpMax:
		l.abandoned, l.changes = true, nil
	default:
		l.changes = append(l.changes, catchUp{id, removed})
	}
}

// adoptTree makes tree, sorted from the versions resident when log began,
// the ordered index: a clone of it (the caller's snapshot keeps tree
// itself) brought up to date with the changes logged since, in order. It
// does nothing if the log was abandoned, or if the tier rebuilt its index
// meanwhile.
func (t *Tier) adoptTree(tree *btree.BTreeG[*entry], log *catchUpLog) {
	t.pmu.Lock()
	defer t.pmu.Unlock()
	if t.catchUp == log {
		t.catchUp = nil
	}
	if log.abandoned || !t.treeOff {
		return
	}
	idx := tree.Clone()
	for _, c := range log.changes {
		if c.removed != nil {
			idx.Delete(c.removed) // by key
		} else if e := t.entryOfLocked(c.id); e != nil {
			idx.ReplaceOrInsert(e) // the id's version now (a reused id: another key, logged too)
		}
	}
	t.treeMu.Lock()
	t.tree = idx
	t.treeMu.Unlock()
	t.treeOff = false
	t.treeWork = int64(len(log.changes))
	t.treeRebuilds++
}
