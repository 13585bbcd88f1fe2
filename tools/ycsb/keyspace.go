package ycsb

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// Keyspace counts the records of a run: the loaded ones plus the inserted
// ones. Like YCSB's AcknowledgedCounterGenerator, it hands out record
// numbers for inserts at once (an Insert Op) but lets reads choose only
// among records whose insert has completed (Ack) along with every record
// below them, so that no read looks for a record still being inserted. It
// is safe for concurrent use and shared by the Generators of one run.
type Keyspace struct {
	next  atomic.Uint64 // the next record number to claim
	acked atomic.Uint64 // records [0, acked) exist

	mu      sync.Mutex
	pending map[uint64]struct{} // acknowledged above acked
}

// NewKeyspace returns a Keyspace holding records 0..loaded-1.
func NewKeyspace(loaded uint64) *Keyspace {
	k := &Keyspace{pending: map[uint64]struct{}{}}
	k.next.Store(loaded)
	k.acked.Store(loaded)
	return k
}

// Count returns the number of records that reads may choose from.
func (k *Keyspace) Count() uint64 { return k.acked.Load() }

// claim reserves the next record number for an insert.
func (k *Keyspace) claim() uint64 { return k.next.Add(1) - 1 }

// Ack records that the insert of record n (from an Insert Op) completed.
func (k *Keyspace) Ack(n uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pending[n] = struct{}{}
	a := k.acked.Load()
	for {
		if _, ok := k.pending[a]; !ok {
			break
		}
		delete(k.pending, a)
		a++
	}
	k.acked.Store(a)
}

// Shift is the hot-set-shift switch shared by the Generators of one run:
// once flipped, the scrambled Zipfian of every Workload with HotShift
// draws its popular records from a new, unrelated set of the same shape.
// The zero value is unflipped. It is safe for concurrent use.
type Shift struct{ on atomic.Bool }

// Flip replaces the hot set from now on.
func (s *Shift) Flip() { s.on.Store(true) }

// Flipped reports whether Flip was called.
func (s *Shift) Flipped() bool { return s.on.Load() }

// shiftSalt is added to the Zipfian ranks after the shift: far beyond any
// rank drawn with noticeable probability, so that the new hot set is
// unrelated to the old.
const shiftSalt = 1 << 50

// KeyName appends the key of record n to dst and returns the extended
// slice: "user" followed by the FNV hash of n in decimal, as YCSB names
// keys by hashed insert order, so that consecutive records are not
// adjacent in key order. It allocates only if dst lacks the capacity.
func KeyName(dst []byte, n uint64) []byte {
	dst = append(dst, "user"...)
	return strconv.AppendUint(dst, FNVHash64(n), 10)
}
