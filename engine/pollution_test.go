package engine_test

import (
	"fmt"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// TestScanDoesNotPollute checks that a one-pass scan over cold data reads
// through: it promotes nothing, so the hot set stays in the memory tier.
func TestScanDoesNotPollute(t *testing.T) {
	db := openMem(t, &engine.Options{MemTierBytes: 64 << 10})
	hot := func(i int) []byte { return fmt.Appendf(nil, "hot%03d", i) }
	for i := range 5000 {
		if err := db.Put(fmt.Appendf(nil, "cold%05d", i), make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		if err := db.Put(hot(i), make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	for range 20 { // make the hot set hot
		for i := range 100 {
			if _, err := db.Get(hot(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := db.Stats()
	it, err := db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	it.Close()
	if n != 5100 {
		t.Fatalf("scan saw %d keys, want 5100", n)
	}
	for i := range 100 {
		if _, err := db.Get(hot(i)); err != nil {
			t.Fatal(err)
		}
	}
	after := db.Stats()
	if after.Promotions != before.Promotions {
		t.Errorf("the scan promoted %d entries", after.Promotions-before.Promotions)
	}
	if hits := after.MemTierHits - before.MemTierHits; hits != 100 {
		t.Errorf("after a cold scan, %d of 100 hot Gets hit the memory tier", hits)
	}
}
