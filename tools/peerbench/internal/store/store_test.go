package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
)

func key(i int) []byte { return fmt.Appendf(nil, "key%04d", i) }
func val(i int) []byte { return fmt.Appendf(nil, "value-%d", i) }

// TestConformance runs the same script against every engine: load, settle,
// point reads, a scan, an update, and a reopen that must see it all.
func TestConformance(t *testing.T) {
	for _, eng := range Engines() {
		for _, sync := range []bool{false, true} {
			t.Run(fmt.Sprintf("engine=%s/sync=%v", eng, sync), func(t *testing.T) {
				o := Options{Dir: filepath.Join(t.TempDir(), "db"), MemoryBytes: 4 << 20, Sync: sync, ItemBytes: 20}
				s, err := Open(eng, o)
				if err != nil {
					t.Fatal(err)
				}
				var keys, vals [][]byte
				for i := range 200 {
					keys, vals = append(keys, key(i)), append(vals, val(i))
				}
				if err := s.WriteBatch(keys, vals); err != nil {
					t.Fatal(err)
				}
				if err := s.Settle(); err != nil {
					t.Fatal(err)
				}
				check(t, s, 200)
				if err := s.Put(key(500), val(500)); err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				s, err = Open(eng, o)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				check(t, s, 200)
				if ok, err := s.Get(key(500)); !ok || err != nil {
					t.Fatalf("Get(key500) after reopen = %v, %v", ok, err)
				}
			})
		}
	}
}

func check(t *testing.T, s Store, n int) {
	t.Helper()
	for _, i := range []int{0, n / 2, n - 1} {
		// Twice: the second read may come from a cache.
		for range 2 {
			if ok, err := s.Get(key(i)); !ok || err != nil {
				t.Fatalf("Get(%s) = %v, %v", key(i), ok, err)
			}
		}
	}
	if ok, err := s.Get([]byte("absent")); ok || err != nil {
		t.Fatalf("Get(absent) = %v, %v", ok, err)
	}
	got, err := s.Scan(key(n-10), 100)
	if err != nil || got < 10 {
		t.Fatalf("Scan from key%d = %d, %v; want >= 10", n-10, got, err)
	}
	if got, err := s.Scan(key(0), 5); got != 5 || err != nil {
		t.Fatalf("Scan(5) = %d, %v", got, err)
	}
}

func TestOpenRejects(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open("leveldb", Options{Dir: dir, MemoryBytes: 4 << 20}); !errors.Is(err, ErrUnknownEngine) {
		t.Errorf("unknown engine: %v", err)
	}
	if _, err := Open(Pebble, Options{Dir: dir, MemoryBytes: 1}); !errors.Is(err, ErrBadBudget) {
		t.Errorf("tiny budget: %v", err)
	}
}

func TestSplitAddsUp(t *testing.T) {
	for _, eng := range Engines() {
		if s := Split(eng, 48<<20); s == "?" {
			t.Errorf("no split for %s", eng)
		}
	}
	const b = 30 << 20
	if o := objectCacheBytes(b); o != 20<<20 {
		t.Errorf("object cache share of %d = %d, want two thirds", b, o)
	}
}
