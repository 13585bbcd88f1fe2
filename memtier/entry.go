package memtier

import (
	"slices"
	"unsafe"

	"github.com/golang/snappy"
	"github.com/tierkv/tierkv/memtier/policy"
)

// EntryOverhead is the fixed number of bytes charged per resident entry on
// top of its key and stored value. It is measured, not guessed
// (TestEntryOverhead checks it against runtime.MemStats with the default
// policy): the 32-byte record, the size-class rounding of its key+value
// allocation, its point-index map slot, its B-tree slot, its slot-table
// entry and the policy's per-id state, each at the average fill of its
// growable structure.
const EntryOverhead = 96

// Entry is one version of a key handed to or from the engine.
type Entry struct {
	Key       []byte
	Value     []byte // decompressed; nil for a tombstone
	Seq       uint64
	Tombstone bool
	Dirty     bool
}

// Record flags, in the low bits of entry.meta.
const (
	flagDirty = 1 << iota
	flagTombstone
	flagCompressed

	flagBits  = 3
	flagMask  = 1<<flagBits - 1
	longKey   = 1<<(32-flagBits) - 1 // key length field value meaning "length in an 8-byte prefix"
	longKeyHd = 8
)

// entry is one immutable resident version. Nothing in it changes after it
// is published (id and meta are set before), so readers holding a pointer
// need no lock; a new state is a new entry.
type entry struct {
	kv   string    // key then stored value (behind an 8-byte length for keys >= longKey bytes)
	seq  uint64    // sequence number of the version
	id   policy.ID // the policy id of the key while it stays resident
	meta uint32    // key length << flagBits | flags
}

// makeEntry builds a record, compressing the value when that pays.
func makeEntry(key, value []byte, seq uint64, flags uint32, compressMin int) *entry {
	stored := value
	if flags&flagTombstone != 0 {
		stored = nil
	} else if compressMin >= 0 && len(value) >= compressMin {
		if c := snappy.Encode(nil, value); len(c) <= len(value)-len(value)/8 {
			stored, flags = c, flags|flagCompressed
		}
	}
	hd, klen := 0, uint32(len(key))
	if len(key) >= longKey {
		hd, klen = longKeyHd, longKey
	}
	buf := make([]byte, hd+len(key)+len(stored))
	if hd > 0 {
		putUint64(buf, uint64(len(key)))
	}
	copy(buf[hd:], key)
	copy(buf[hd+len(key):], stored)
	return &entry{
		kv:   unsafe.String(unsafe.SliceData(buf), len(buf)),
		seq:  seq,
		meta: klen<<flagBits | flags,
	}
}

// with returns a copy of e carrying new flags (the bytes are shared: they
// are immutable).
func (e *entry) with(flags uint32) *entry {
	c := *e
	c.meta = e.meta&^flagMask | flags&flagMask
	return &c
}

func (e *entry) flags() uint32   { return e.meta & flagMask }
func (e *entry) dirty() bool     { return e.meta&flagDirty != 0 }
func (e *entry) tombstone() bool { return e.meta&flagTombstone != 0 }

// charge is the number of bytes e counts against the budget.
func (e *entry) charge() int64 { return int64(len(e.kv)) + EntryOverhead }

// keyBounds returns where the key starts and ends in e.kv.
func (e *entry) keyBounds() (int, int) {
	n := int(e.meta >> flagBits)
	if n != longKey {
		return 0, n
	}
	return longKeyHd, longKeyHd + int(getUint64(e.kv))
}

// key returns the key (shares e's immutable bytes).
func (e *entry) key() string {
	lo, hi := e.keyBounds()
	return e.kv[lo:hi]
}

// stored returns the stored (maybe compressed) value.
func (e *entry) stored() string {
	_, hi := e.keyBounds()
	return e.kv[hi:]
}

// appendValue appends e's decompressed value to dst.
func (e *entry) appendValue(dst []byte) []byte {
	s := e.stored()
	if e.meta&flagCompressed == 0 {
		return append(dst, s...)
	}
	src := bytesOf(s)
	n, err := snappy.DecodedLen(src)
	if err != nil {
		panic("memtier: corrupt compressed value in memory: " + err.Error())
	}
	dst = slices.Grow(dst, n)
	if _, err := snappy.Decode(dst[len(dst):len(dst)+n], src); err != nil {
		panic("memtier: corrupt compressed value in memory: " + err.Error())
	}
	return dst[:len(dst)+n]
}

// toEntry returns e as an Entry whose Key (and Value, unless it had to be
// decompressed) share e's immutable bytes: read-only, valid indefinitely.
func (e *entry) toEntry() Entry {
	out := Entry{Key: bytesOf(e.key()), Seq: e.seq, Tombstone: e.tombstone(), Dirty: e.dirty()}
	if out.Tombstone {
		return out
	}
	if e.meta&flagCompressed != 0 {
		out.Value = e.appendValue(nil)
	} else {
		out.Value = bytesOf(e.stored())
	}
	if out.Value == nil {
		out.Value = []byte{} // a zero-length value is a value, not a tombstone
	}
	return out
}

// bytesOf views an immutable string as a read-only byte slice (capacity
// clipped so that an append can never write into it).
func bytesOf(s string) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))[:len(s):len(s)]
}

// stringOf views b as a string for the duration of a call that does not
// retain it.
func stringOf(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func putUint64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}

func getUint64(s string) uint64 {
	var v uint64
	for i := range 8 {
		v |= uint64(s[i]) << (8 * i)
	}
	return v
}
