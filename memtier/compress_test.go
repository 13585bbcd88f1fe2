package memtier

import (
	"bytes"
	"fmt"
	"testing"
)

// TestCompressorAdaptiveSkip drives one compressor stripe through runs of
// incompressible and compressible values and checks when it tries.
func TestCompressorAdaptiveSkip(t *testing.T) {
	random := benchValues(64, 1000, false)
	text := benchValues(64, 1000, true)
	c := &compressor{minBytes: 512, adaptive: true, stripes: make([]compressStripe, 1)}
	tries := func(vals [][]byte, n int) (tried, compressed int) {
		for i := range n {
			v := vals[i%len(vals)]
			e := makeEntry([]byte("k"), v, 1, 0, c)
			if e.flags()&flagCompressed != 0 {
				compressed++
			}
			if !bytes.Equal(e.appendValue(nil), v) {
				t.Fatalf("value %d does not round-trip", i)
			}
		}
		return int(c.stripes[0].ticks.Load()), compressed
	}
	// Incompressible: after compressFailLimit failures, 1 in compressProbeEvery.
	n := compressFailLimit + 10*compressProbeEvery
	if _, compressed := tries(random, n); compressed != 0 {
		t.Fatalf("%d random values compressed", compressed)
	}
	if got := c.stripes[0].fails.Load(); got != compressFailLimit {
		t.Fatalf("%d failures counted, want the cap %d", got, compressFailLimit)
	}
	if got := c.stripes[0].ticks.Load(); got != 10*compressProbeEvery {
		t.Fatalf("%d values skipped or probed, want %d", got, 10*compressProbeEvery)
	}
	// Compressible again: within one probe period a value is tried, then
	// every later one is.
	ticks0 := c.stripes[0].ticks.Load()
	_, compressed := tries(text, 2*compressProbeEvery)
	skipped := int(c.stripes[0].ticks.Load() - ticks0)
	if skipped > compressProbeEvery || compressed != 2*compressProbeEvery-skipped+1 {
		t.Fatalf("after the switch: %d values passed the skip counter, %d of %d compressed", skipped, compressed, 2*compressProbeEvery)
	}
	if got := c.stripes[0].fails.Load(); got != 0 {
		t.Fatalf("%d failures counted after a success", got)
	}
}

// TestCompressorThresholds checks the fixed rules: short values, disabled
// compression, too little saving.
func TestCompressorThresholds(t *testing.T) {
	text := benchValues(1, 2000, true)[0]
	tests := []struct {
		minBytes int
		size     int
		want     bool
	}{
		{512, 511, false},
		{512, 512, true},
		{-1, 2000, false},
		{0, 2000, true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("min=%d/size=%d", tc.minBytes, tc.size), func(t *testing.T) {
			c := newCompressor(tc.minBytes)
			e := makeEntry([]byte("k"), text[:tc.size], 1, 0, c)
			if got := e.flags()&flagCompressed != 0; got != tc.want {
				t.Fatalf("compressed=%v, want %v", got, tc.want)
			}
		})
	}
	if e := makeEntry([]byte("k"), text, 1, flagTombstone, newCompressor(0)); e.stored() != "" || !e.tombstone() {
		t.Fatal("a tombstone stored a value")
	}
}
