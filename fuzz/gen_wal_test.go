package fuzz_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/wal"
)

// walSegmentFrom writes batches with a real wal.Log and returns the bytes
// of its single segment.
func walSegmentFrom(t *testing.T, sync wal.SyncMode, batches [][]wal.Op) []byte {
	fs := vfs.NewMem()
	l, err := wal.Open("wal", &wal.Options{FS: fs, Sync: sync})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if _, err := l.Append(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs, err := fs.List("wal")
	if err != nil || len(segs) != 1 {
		t.Fatalf("want one segment, got %v (%v)", segs, err)
	}
	return readFile(t, fs, fs.PathJoin("wal", segs[0]))
}

// walBatches returns n batches of varied shapes: binary keys, empty values,
// deletes, and large compressible values (snappy records).
func walBatches(n int) [][]wal.Op {
	var out [][]wal.Op
	for i := range n {
		var b []wal.Op
		for j := range 1 + i%4 {
			k := fmt.Appendf(nil, "key-%d-%d", i, j)
			switch (i + j) % 5 {
			case 0:
				b = append(b, wal.Op{Kind: wal.OpDelete, Key: k})
			case 1:
				b = append(b, wal.Op{Kind: wal.OpPut, Key: []byte{0, byte(i), 0xff}, Value: []byte{}})
			case 2:
				b = append(b, wal.Op{Kind: wal.OpPut, Key: k, Value: bytes.Repeat([]byte("abc"), 100+i*40)})
			default:
				b = append(b, wal.Op{Kind: wal.OpPut, Key: k, Value: fmt.Appendf(nil, "value %d", i*j)})
			}
		}
		out = append(out, b)
	}
	return out
}

// walSeeds returns FuzzWALReplay's seeds: segments written by wal.Log and
// the damage a crash or a disk can do to them.
func walSeeds(t *testing.T) map[string][]byte {
	seeds := map[string][]byte{}
	synced := walSegmentFrom(t, wal.SyncAlways, walBatches(90))
	unsynced := walSegmentFrom(t, wal.SyncNever, walBatches(12))
	seeds["seed-valid-synced"] = synced
	seeds["seed-valid-unsynced"] = unsynced
	seeds["seed-one-record"] = walSegmentFrom(t, wal.SyncAlways, walBatches(1))
	seeds["seed-empty"] = []byte{}
	for i, cut := range []int{10, 30, len(synced) / 2, len(synced) - 1} {
		seeds[seedName("torn", i)] = synced[:cut]
	}
	// A lost block: zeros with surviving data after them.
	if len(synced) > 3*4096 {
		z := bytes.Clone(synced)
		clear(z[4096:8192])
		seeds["seed-zeroed-block"] = z
	}
	// A flipped bit that later records vouch for (damage) and one that none
	// does (indistinguishable from a lost tail).
	for i, s := range [][]byte{synced, unsynced} {
		d := bytes.Clone(s)
		d[len(d)/3] ^= 0x10
		seeds[seedName("flipped", i)] = d
	}
	// The first byte is the mode: 0 replays the bytes as they are, 1 fixes
	// up the checksums first (a no-op on a valid segment, and the start of
	// every mutation of the payloads that keeps them checksummed).
	for name, seg := range seeds {
		seeds[name] = append([]byte{0}, seg...)
	}
	seeds["seed-fixed-valid-synced"] = append([]byte{1}, synced...)
	seeds["seed-fixed-one-record"] = append([]byte{1}, walSegmentFrom(t, wal.SyncAlways, walBatches(3))...)
	return seeds
}
