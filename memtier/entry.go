package memtier

import (
	"encoding/binary"
	"slices"
	"sync/atomic"
	"unsafe"

	"github.com/golang/snappy"
)

// EntryOverhead is the fixed number of bytes charged per resident entry on
// top of its key and stored value. It is measured, not guessed: the 16-byte
// record header and the size-class rounding of the record's one allocation,
// the point-index slot (16 bytes at 64% to 80% load), the id's tag and
// state byte, the B-tree slot and the policy's per-entry state (and
// sketch), each at the average fill of its growable structure. With 16-byte
// keys and values inserted in key order it measured 81.6 (LRU), 86.1
// (Random), 91.1 (LFU) and 94.4 (W-TinyLFU) bytes at 1M entries, and
// W-TinyLFU 90.3 to 103.3 from 100K to 5M entries (its sketch is sized to a
// power of two: 103.3 at 150K, where it is 1.75 times the entries) and 93.1
// at 10M. TestEntryOverhead and TestHeapHonesty fail if a measurement
// exceeds it.
const EntryOverhead = 104

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
	flagLong // lengths too big for the header: two uint64 lengths follow it

	flagBits = 4
	flagMask = 1<<flagBits - 1
	maxKlen  = 1<<(32-flagBits) - 1
	maxVlen  = 1<<32 - 1
	hdrSize  = int(unsafe.Sizeof(entry{}))
	longSize = 16
)

// entry is the header of one resident version; the key and the stored
// value follow it in the same pointer-free allocation (so 10M entries are
// 10M objects the GC never scans). Everything but the dirty flag is
// immutable once published, so readers need no lock: a new version is a
// new entry. The dirty flag is cleared atomically when a checkpoint has
// written the version (the bytes a reader may hold never change).
type entry struct {
	seq  uint64
	meta uint32 // key length << flagBits | flags; read and written atomically
	vlen uint32 // stored value length (0 with flagLong)
}

// makeEntry builds a record, compressing the value when c says to try and
// that saves 1/8 (a nil c never compresses).
func makeEntry(key, value []byte, seq uint64, flags uint32, c *compressor) *entry {
	if flags&flagTombstone != 0 {
		return layOut(key, nil, seq, flags|longFlag(len(key), 0))
	}
	if s, ok := c.try(len(value)); ok {
		enc, buf, saved := c.encode(value)
		s.note(saved)
		if saved {
			e := layOut(key, enc, seq, flags|flagCompressed|longFlag(len(key), len(enc)))
			c.release(buf)
			return e
		}
		c.release(buf)
	}
	return layOut(key, value, seq, flags|longFlag(len(key), len(value)))
}

// longFlag returns flagLong if the lengths do not fit the short header.
func longFlag(klen, vlen int) uint32 {
	if klen > maxKlen || vlen > maxVlen {
		return flagLong
	}
	return 0
}

// layOut allocates a record for key and the stored value (already
// compressed if flags say so), in the long format if flags has flagLong.
func layOut(key, stored []byte, seq uint64, flags uint32) *entry {
	off := hdrSize
	if flags&flagLong != 0 {
		off = hdrSize + longSize
	}
	buf := make([]byte, off+len(key)+len(stored))
	copy(buf[off:], key)
	copy(buf[off+len(key):], stored)
	e := (*entry)(unsafe.Pointer(&buf[0]))
	e.seq = seq
	if flags&flagLong != 0 {
		binary.LittleEndian.PutUint64(buf[hdrSize:], uint64(len(key)))
		binary.LittleEndian.PutUint64(buf[hdrSize+8:], uint64(len(stored)))
		e.meta = flags
	} else {
		e.meta = uint32(len(key))<<flagBits | flags
		e.vlen = uint32(len(stored))
	}
	return e
}

func (e *entry) flags() uint32   { return atomic.LoadUint32(&e.meta) & flagMask }
func (e *entry) dirty() bool     { return e.flags()&flagDirty != 0 }
func (e *entry) tombstone() bool { return e.flags()&flagTombstone != 0 }

// markClean clears the dirty flag (the bytes stay as they are).
func (e *entry) markClean() { atomic.AndUint32(&e.meta, ^uint32(flagDirty)) }

// layout returns the offset of the key and the key and stored value lengths.
func (e *entry) layout() (off, klen, vlen int) {
	m := atomic.LoadUint32(&e.meta)
	if m&flagLong == 0 {
		return hdrSize, int(m >> flagBits), int(e.vlen)
	}
	p := (*[longSize]byte)(unsafe.Add(unsafe.Pointer(e), hdrSize))
	return hdrSize + longSize, int(binary.LittleEndian.Uint64(p[:8])), int(binary.LittleEndian.Uint64(p[8:]))
}

// key returns the key (a view of e's immutable bytes).
func (e *entry) key() string {
	off, klen, _ := e.layout()
	if klen == 0 {
		return "" // (see stored)
	}
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(e), off)), klen)
}

// hasKey reports whether e's key is key (the point index's comparison:
// the short header's length is checked before any key byte is read).
func (e *entry) hasKey(key string) bool {
	m := atomic.LoadUint32(&e.meta)
	if m&flagLong != 0 {
		return e.key() == key
	}
	if int(m>>flagBits) != len(key) {
		return false
	}
	return len(key) == 0 || unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(e), hdrSize)), len(key)) == key
}

// stored returns the stored (maybe compressed) value.
func (e *entry) stored() string {
	off, klen, vlen := e.layout()
	if vlen == 0 {
		// An empty value may end exactly at the end of e's allocation: a
		// pointer there is one past it, which checkptr (-race) rejects.
		return ""
	}
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(e), off+klen)), vlen)
}

// size is the number of bytes e's allocation holds (before size-class
// rounding).
func (e *entry) size() int64 {
	off, klen, vlen := e.layout()
	return int64(off + klen + vlen)
}

// charge is the number of bytes e counts against the budget.
func (e *entry) charge() int64 {
	_, klen, vlen := e.layout()
	return int64(klen+vlen) + EntryOverhead
}

// appendValue appends e's decompressed value to dst.
func (e *entry) appendValue(dst []byte) []byte {
	s := e.stored()
	if e.flags()&flagCompressed == 0 {
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
	switch {
	case out.Tombstone:
	case e.flags()&flagCompressed != 0:
		out.Value = e.appendValue(nil)
	default:
		out.Value = bytesOf(e.stored())
	}
	if !out.Tombstone && out.Value == nil {
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
