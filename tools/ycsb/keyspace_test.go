package ycsb

import (
	"strconv"
	"sync"
	"testing"
)

// TestKeyspaceAck checks that reads see an inserted record only once it
// and every record below it are acknowledged.
func TestKeyspaceAck(t *testing.T) {
	ks := NewKeyspace(10)
	a, b, c := ks.claim(), ks.claim(), ks.claim()
	if a != 10 || b != 11 || c != 12 || ks.Count() != 10 {
		t.Fatalf("claims %d %d %d, count %d", a, b, c, ks.Count())
	}
	for _, tc := range []struct{ ack, want uint64 }{{11, 10}, {12, 10}, {10, 13}} {
		t.Run("ack="+strconv.FormatUint(tc.ack, 10), func(t *testing.T) {
			ks.Ack(tc.ack)
			if got := ks.Count(); got != tc.want {
				t.Fatalf("after Ack(%d): count %d, want %d", tc.ack, got, tc.want)
			}
		})
	}
}

// TestKeyspaceConcurrent has goroutines claim and acknowledge records in
// any order; in the end every record is readable.
func TestKeyspaceConcurrent(t *testing.T) {
	ks := NewKeyspace(5)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 500 {
				ks.Ack(ks.claim())
			}
		})
	}
	wg.Wait()
	if got := ks.Count(); got != 2005 {
		t.Fatalf("count %d after 2000 acknowledged inserts on 5, want 2005", got)
	}
}

func TestKeyName(t *testing.T) {
	for _, n := range []uint64{0, 1, 1 << 40} {
		t.Run("n="+strconv.FormatUint(n, 10), func(t *testing.T) {
			got := string(KeyName([]byte("x"), n))
			if want := "xuser" + strconv.FormatUint(FNVHash64(n), 10); got != want {
				t.Fatalf("KeyName(%d) = %q, want %q", n, got, want)
			}
		})
	}
}
