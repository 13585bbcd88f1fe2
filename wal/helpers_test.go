package wal

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// openT opens a log or fails the test.
func openT(t testing.TB, fs vfs.FS, opts *Options) *Log {
	t.Helper()
	o := Options{}
	if opts != nil {
		o = *opts
	}
	o.FS = fs
	l, err := Open("wal", &o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

// replayAll returns deep copies of every record with Seq >= from.
func replayAll(t testing.TB, l *Log, from uint64) []Batch {
	t.Helper()
	var out []Batch
	err := l.Replay(from, func(b *Batch) error {
		out = append(out, cloneBatch(b))
		return nil
	})
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	return out
}

func cloneBatch(b *Batch) Batch {
	c := Batch{Seq: b.Seq}
	for _, op := range b.Ops {
		c.Ops = append(c.Ops, Op{Kind: op.Kind, Key: bytes.Clone(op.Key), Value: bytes.Clone(op.Value)})
	}
	return c
}

// genOps returns a deterministic batch for index i: 1-3 ops, mixed kinds,
// some compressible values, some binary keys.
func genOps(i int) []Op {
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	n := 1 + rng.IntN(3)
	ops := make([]Op, n)
	for j := range ops {
		key := fmt.Appendf(nil, "k%06d-%d", i, j)
		if rng.IntN(4) == 0 {
			key = append(key, 0, 0xff, byte(rng.Uint32()))
		}
		if rng.IntN(5) == 0 {
			ops[j] = Op{Kind: OpDelete, Key: key}
			continue
		}
		val := make([]byte, rng.IntN(300))
		if rng.IntN(2) == 0 {
			for k := range val {
				val[k] = byte(rng.Uint32())
			}
		} else {
			copy(val, bytes.Repeat([]byte("abcd"), len(val)/4))
		}
		ops[j] = Op{Kind: OpPut, Key: key, Value: val}
	}
	return ops
}

// equalOps reports whether two op lists are equal, treating nil and empty
// values alike.
func equalOps(a, b []Op) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || !bytes.Equal(a[i].Key, b[i].Key) || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

// appendN appends genOps(start..start+n-1) and returns their seqs.
func appendN(t testing.TB, l *Log, start, n int) []uint64 {
	t.Helper()
	seqs := make([]uint64, 0, n)
	for i := start; i < start+n; i++ {
		seq, err := l.Append(genOps(i))
		if err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

// checkPrefix checks that got holds genOps(0..len(got)-1) with seqs
// 1..len(got): a prefix of what was appended, without a hole.
func checkPrefix(t testing.TB, got []Batch, appended int) {
	t.Helper()
	if len(got) > appended {
		t.Fatalf("replayed %d records, only %d appended", len(got), appended)
	}
	for i, b := range got {
		if b.Seq != uint64(i+1) {
			t.Fatalf("record %d has seq %d, want %d (hole)", i, b.Seq, i+1)
		}
		if !equalOps(b.Ops, genOps(i)) {
			t.Fatalf("record %d (seq %d) has wrong contents", i, b.Seq)
		}
	}
}
