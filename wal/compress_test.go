package wal

import (
	"math/rand/v2"
	"testing"
)

// TestCompressGate: a run of incompressible payloads makes the log stop
// trying; compressible ones are noticed again within a retry period, and
// a compressible stream is always compressed.
func TestCompressGate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func() []Op {
		v := make([]byte, 200)
		for i := range v {
			v[i] = byte(rng.Uint32())
		}
		return []Op{{Kind: OpPut, Key: []byte("k"), Value: v}}
	}
	zeros := []Op{{Kind: OpPut, Key: []byte("k"), Value: make([]byte, 200)}}
	var g compressGate
	var e encoded
	encode := func(ops []Op) bool {
		size, err := payloadSize(ops)
		if err != nil {
			t.Fatal(err)
		}
		e.encode(ops, size, &g)
		return e.flags&flagSnappy != 0
	}
	for i := range 50 {
		if !encode(zeros) {
			t.Fatalf("compressible record %d stored uncompressed", i)
		}
	}
	for range compressGiveUp + 2*compressRetryEvery {
		if encode(random()) {
			t.Fatal("random record stored compressed")
		}
	}
	if g.misses.Load() != compressGiveUp {
		t.Fatalf("gate did not give up after %d failures: misses %d", compressGiveUp, g.misses.Load())
	}
	// Skipping: most compressible records now go uncompressed, but one
	// within a retry period is tried, and that resets the gate.
	for i := range compressRetryEvery {
		if encode(zeros) {
			for j := range 20 {
				if !encode(zeros) {
					t.Fatalf("record %d after the gate reopened stored uncompressed", j)
				}
			}
			return
		}
		if i == compressRetryEvery-1 {
			t.Fatalf("no compression attempt within %d records of giving up", compressRetryEvery)
		}
	}
}
