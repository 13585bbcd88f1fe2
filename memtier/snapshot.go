package memtier

import (
	"sync/atomic"
	"unsafe"

	"github.com/google/btree"
)

// cursorBatch is how many entries a cursor collects per B-tree descent:
// the B-tree has callbacks, not cursors, so stepping re-descends once per
// batch instead of once per entry.
const cursorBatch = 32

// Snapshot is an immutable, ordered view of the versions resident when it
// was taken: their keys, values, sequence numbers and tombstones never
// change (only Entry.Dirty may turn false once a checkpoint wrote one). It
// is safe for concurrent use (each Cursor is not); Close it when done.
type Snapshot struct {
	tree atomic.Pointer[btree.BTreeG[*entry]]
}

// Snapshot returns a snapshot of the resident entries: a copy-on-write
// clone of the ordered index, in O(1) once the index has caught up with
// the overwrites since the previous Snapshot (at most treeLagMax keys).
// If the tier has dropped the index since (many changes and no Snapshot:
// see ordered.go), the snapshot is built by sorting the resident versions.
// Writers go on meanwhile; the clone shares nodes until either side changes
// them. Safe for concurrent use. Snapshot is BeginSnapshot().Finish().
func (t *Tier) Snapshot() *Snapshot { return t.BeginSnapshot().Finish() }

// PendingSnapshot is a Snapshot whose contents are fixed but which may
// still have to be sorted: BeginSnapshot fixes them under the writers'
// lock, in O(1) or a copy of the resident versions' pointers, and Finish
// does the rest without any lock. Finish it exactly once (a pending
// snapshot never finished only keeps the tier from adopting a later sorted
// snapshot's tree until its index is rebuilt).
type PendingSnapshot struct {
	tree     *btree.BTreeG[*entry] // a clone, when the index was maintained
	resident []*entry              // the resident versions otherwise, unsorted
	tier     *Tier                 // to offer the sorted tree back as its index
	catchUp  *catchUpLog           // the tier's changes since BeginSnapshot
}

// BeginSnapshot fixes the contents of a snapshot: the resident versions
// now. The caller may release whatever lock makes "now" meaningful to it
// and then call Finish. Safe for concurrent use.
func (t *Tier) BeginSnapshot() *PendingSnapshot {
	t.pmu.Lock()
	defer t.pmu.Unlock()
	return t.beginSnapshotLocked()
}

// beginSnapshotLocked is BeginSnapshot with pmu held.
func (t *Tier) beginSnapshotLocked() *PendingSnapshot {
	defer func() { t.treeWork = 0 }()
	switch {
	case !t.treeOff:
		if t.lagLen() > 0 {
			t.syncTreeLocked()
		}
	case !t.treeWorkPastBound():
		// Snapshots come often enough for the index to pay: rebuild and
		// maintain it again (a stall of one sorted pass, once).
		t.rebuildTreeLocked()
	default:
		// A Snapshot after many changes: sorted by its caller, outside
		// the lock. The tier records its changes meanwhile, so that the
		// sorted tree can become its index (see Finish).
		t.sortedSnapshots++
		p := &PendingSnapshot{resident: t.residentLocked()}
		if t.catchUp == nil {
			t.catchUp = &catchUpLog{}
			p.tier, p.catchUp = t, t.catchUp
		}
		return p
	}
	t.treeMu.Lock()
	defer t.treeMu.Unlock()
	return &PendingSnapshot{tree: t.tree.Clone()}
}

// Finish returns the snapshot, sorting it first if BeginSnapshot could not
// clone the ordered index.
func (p *PendingSnapshot) Finish() *Snapshot {
	tree := p.tree
	if tree == nil {
		tree = buildTree(sortByKey(p.resident))
		if p.tier != nil {
			p.tier.adoptTree(tree, p.catchUp)
		}
	}
	s := &Snapshot{}
	s.tree.Store(tree)
	return s
}

// Len returns the number of entries in the snapshot (0 once closed).
func (s *Snapshot) Len() int {
	if tr := s.tree.Load(); tr != nil {
		return tr.Len()
	}
	return 0
}

// Close releases the snapshot. Cursors opened before keep working; cursors
// opened after see nothing. Idempotent.
func (s *Snapshot) Close() { s.tree.Store(nil) }

// Cursor walks a Snapshot in key order within [lower, upper). A Cursor is
// not safe for concurrent use. Once it is exhausted or unpositioned, Next
// and Prev return false until a First, Last or Seek positions it again.
type Cursor struct {
	tree         *btree.BTreeG[*entry]
	lower, upper []byte // nil = unbounded
	buf          []*entry
	pos          int
	back         bool // buf runs backwards (descending keys)
	end          bool // buf holds the last entries in its direction
	valid        bool
	probe        []byte // a record header and a seek key (see probeFor)
	val          []byte // decompressed value of the current entry

	// Fill state, read by the collect callbacks (method values bound once
	// so that filling allocates nothing).
	from               string
	inclusive          bool
	ascFn, descFn      func(*entry) bool
	lowerStr, upperStr string
}

// NewCursor returns an unpositioned cursor over [lower, upper); nil bounds
// are unbounded. The cursor copies the bounds.
func (s *Snapshot) NewCursor(lower, upper []byte) *Cursor {
	c := &Cursor{tree: s.tree.Load()}
	if lower != nil {
		c.lower = append([]byte{}, lower...)
		c.lowerStr = string(lower)
	}
	if upper != nil {
		c.upper = append([]byte{}, upper...)
		c.upperStr = string(upper)
	}
	c.ascFn, c.descFn = c.collectAsc, c.collectDesc
	return c
}

// First moves to the first entry at or above lower.
func (c *Cursor) First() bool {
	if c.lower == nil {
		return c.fillFwd("", true)
	}
	return c.fillFwd(c.lowerStr, true)
}

// Last moves to the last entry below upper.
func (c *Cursor) Last() bool {
	if c.upper == nil {
		return c.fillBack("", true, true)
	}
	return c.fillBack(c.upperStr, false, false)
}

// SeekGE moves to the first entry with key >= k (clamped to lower).
func (c *Cursor) SeekGE(k []byte) bool {
	if c.lower != nil && string(k) < c.lowerStr {
		return c.First()
	}
	return c.fillFwd(stringOf(k), true)
}

// SeekLT moves to the last entry with key < k (clamped to upper).
func (c *Cursor) SeekLT(k []byte) bool {
	if c.upper != nil && string(k) > c.upperStr {
		return c.Last()
	}
	return c.fillBack(stringOf(k), false, false)
}

// Next moves to the next entry.
func (c *Cursor) Next() bool {
	if !c.valid {
		return false
	}
	if !c.back {
		if c.pos+1 < len(c.buf) {
			c.pos++
			return true
		}
		if c.end {
			c.valid = false
			return false
		}
	}
	return c.fillFwd(c.buf[c.pos].key(), false)
}

// Prev moves to the previous entry.
func (c *Cursor) Prev() bool {
	if !c.valid {
		return false
	}
	if c.back {
		if c.pos+1 < len(c.buf) {
			c.pos++
			return true
		}
		if c.end {
			c.valid = false
			return false
		}
	}
	return c.fillBack(c.buf[c.pos].key(), false, false)
}

// Valid reports whether the cursor is at an entry.
func (c *Cursor) Valid() bool { return c.valid }

// Key returns the current entry's key (nil if the cursor is invalid), the
// snapshot's own read-only bytes. Cheaper than Entry when only the key is
// wanted: a merge compares keys far more often than it reads values.
func (c *Cursor) Key() []byte {
	if !c.valid {
		return nil
	}
	return bytesOf(c.buf[c.pos].key())
}

// Tombstone reports whether the current entry is a tombstone.
func (c *Cursor) Tombstone() bool { return c.valid && c.buf[c.pos].tombstone() }

// Entry returns the current entry. Key and an uncompressed Value share the
// snapshot's immutable bytes; a decompressed Value is valid until the next
// positioning call. Both are read-only. Entry of an invalid cursor is zero.
func (c *Cursor) Entry() Entry {
	if !c.valid {
		return Entry{}
	}
	e := c.buf[c.pos]
	out := Entry{Key: bytesOf(e.key()), Seq: e.seq, Tombstone: e.tombstone(), Dirty: e.dirty()}
	switch {
	case out.Tombstone:
	case e.flags()&flagCompressed != 0:
		c.val = e.appendValue(c.val[:0])
		out.Value = c.val
	default:
		out.Value = bytesOf(e.stored())
		if out.Value == nil {
			out.Value = []byte{} // a zero-length value is a value, not a tombstone
		}
	}
	return out
}

// fillFwd collects entries ascending from from (inclusive or not).
func (c *Cursor) fillFwd(from string, inclusive bool) bool {
	c.reset(false, from, inclusive)
	if c.tree != nil && (c.upper == nil || from < c.upperStr) {
		c.tree.AscendGreaterOrEqual(c.probeFor(from), c.ascFn)
	}
	return c.settle()
}

// fillBack collects entries descending from from (inclusive or not);
// top means from the very last entry.
func (c *Cursor) fillBack(from string, inclusive, top bool) bool {
	c.reset(true, from, inclusive)
	switch {
	case c.tree == nil:
	case top:
		c.tree.Descend(c.descFn)
	case c.lower == nil || from >= c.lowerStr:
		c.tree.DescendLessOrEqual(c.probeFor(from), c.descFn)
	}
	return c.settle()
}

func (c *Cursor) reset(back bool, from string, inclusive bool) {
	clear(c.buf)
	c.buf, c.pos, c.back, c.end = c.buf[:0], 0, back, false
	c.from, c.inclusive = from, inclusive
}

func (c *Cursor) settle() bool {
	if len(c.buf) < cursorBatch {
		c.end = true
	}
	c.from = "" // it may view the caller's seek key
	c.valid = len(c.buf) > 0
	return c.valid
}

func (c *Cursor) collectAsc(e *entry) bool {
	k := e.key()
	if !c.inclusive && k == c.from {
		return true
	}
	if c.upper != nil && k >= c.upperStr {
		c.end = true
		return false
	}
	c.buf = append(c.buf, e)
	return len(c.buf) < cursorBatch
}

func (c *Cursor) collectDesc(e *entry) bool {
	k := e.key()
	if !c.inclusive && k == c.from {
		return true
	}
	if c.lower != nil && k < c.lowerStr {
		c.end = true
		return false
	}
	c.buf = append(c.buf, e)
	return len(c.buf) < cursorBatch
}

// probeFor returns a record whose key is a copy of k, to search the B-tree
// with; it reuses the cursor's buffer, so seeking allocates only to grow it.
func (c *Cursor) probeFor(k string) *entry {
	if len(k) > maxKlen {
		return makeEntry([]byte(k), nil, 0, 0, nil)
	}
	n := hdrSize + len(k)
	if cap(c.probe) < n {
		c.probe = make([]byte, n, max(n, 64))
	}
	c.probe = c.probe[:n]
	copy(c.probe[hdrSize:], k)
	e := (*entry)(unsafe.Pointer(&c.probe[0]))
	*e = entry{meta: uint32(len(k)) << flagBits}
	return e
}
