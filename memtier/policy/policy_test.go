package policy

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func mustNew(t testing.TB, kind Kind, opts Options) Policy {
	t.Helper()
	p, err := New(kind, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// harness plays a tiny cache over a policy: keys map to ids, victims leave.
type harness struct {
	p        Policy
	ids      map[uint64]ID
	keys     map[ID]uint64
	next     ID
	free     []ID
	hits     int
	requests int
}

func newHarness(p Policy) *harness {
	return &harness{p: p, ids: map[uint64]ID{}, keys: map[ID]uint64{}}
}

func hashOf(k uint64) uint64 { return spread(k + 0x9e3779b97f4a7c15) }

func (h *harness) alloc(k uint64) ID {
	var id ID
	if n := len(h.free); n > 0 {
		id, h.free = h.free[n-1], h.free[:n-1]
	} else {
		id, h.next = h.next, h.next+1
	}
	h.ids[k], h.keys[id] = id, k
	return id
}

func (h *harness) drop(victims []ID) {
	for _, v := range victims {
		delete(h.ids, h.keys[v])
		delete(h.keys, v)
		h.free = append(h.free, v)
	}
}

// get reads k: a hit touches it, a miss records the miss and inserts it.
// It returns the victims of the insert (keys).
func (h *harness) get(k uint64) []uint64 {
	h.requests++
	if id, ok := h.ids[k]; ok {
		h.hits++
		h.p.Touch(id, hashOf(k))
		return nil
	}
	h.p.Miss(hashOf(k))
	id := h.alloc(k)
	victims := h.p.Insert(id, hashOf(k), 1, nil)
	out := make([]uint64, 0, len(victims))
	for _, v := range victims {
		out = append(out, h.keys[v])
	}
	h.drop(victims)
	return out
}

func (h *harness) resident(k uint64) bool { _, ok := h.ids[k]; return ok }

func TestNewRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind Kind
		opts Options
	}{
		{"capacity=0", KindLRU, Options{}},
		{"capacity=-1", KindWTinyLFU, Options{Capacity: -1}},
		{"kind=unknown", Kind("arc"), Options{Capacity: 10}},
		{"window=100", KindWTinyLFU, Options{Capacity: 10, WindowPercent: 100}},
		{"window=-5", KindWTinyLFU, Options{Capacity: 10, WindowPercent: -5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.kind, tc.opts); !errors.Is(err, ErrBadOptions) {
				t.Fatalf("New = %v, want ErrBadOptions", err)
			}
		})
	}
	t.Run("default-kind", func(t *testing.T) {
		if _, ok := mustNew(t, "", Options{Capacity: 10}).(*wtinylfu); !ok {
			t.Fatal("the empty kind is not W-TinyLFU")
		}
	})
}

func TestLRUEvictsLeastRecent(t *testing.T) {
	h := newHarness(mustNew(t, KindLRU, Options{Capacity: 3}))
	for _, k := range []uint64{1, 2, 3, 1} {
		h.get(k)
	}
	if got := h.get(4); !slices.Equal(got, []uint64{2}) {
		t.Fatalf("victims %v, want [2] (1 was touched after 2)", got)
	}
	if got := h.get(5); !slices.Equal(got, []uint64{3}) {
		t.Fatalf("victims %v, want [3]", got)
	}
}

func TestLFUEvictsLeastFrequent(t *testing.T) {
	h := newHarness(mustNew(t, KindLFU, Options{Capacity: 3, ExpectedEntries: 1000}))
	for _, k := range []uint64{1, 1, 1, 2, 2, 3, 3, 3} {
		h.get(k)
	}
	if got := h.get(4); !slices.Equal(got, []uint64{2}) {
		t.Fatalf("victims %v, want [2] (the least frequent)", got)
	}
}

// TestLFUAging: a key that was popular long ago loses to a key that is
// modestly popular now, because counts halve every sketch period.
func TestLFUAging(t *testing.T) {
	for _, tc := range []struct {
		name        string
		periods     int
		wantVictim  uint64
		description string
	}{
		{"periods=0", 0, 2, "without aging the old favourite stays"},
		{"periods=8", 8, 1, "after aging the old favourite goes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, KindLFU, Options{Capacity: 2, ExpectedEntries: 4})
			h := newHarness(p)
			for range 60 {
				h.get(1) // yesterday's favourite
			}
			h.get(2)
			period := p.(*lfu).sketch.sampleSize
			for i := range tc.periods * period {
				h.p.Miss(uint64(1000 + i)) // traffic elsewhere: time passes
			}
			for range 3 {
				h.get(2) // today's modest favourite
			}
			if got := h.get(3); !slices.Equal(got, []uint64{tc.wantVictim}) && !slices.Contains(got, tc.wantVictim) {
				t.Fatalf("%s: victims %v, want %d", tc.description, got, tc.wantVictim)
			}
		})
	}
}

func TestRandomEvictsOldestSampled(t *testing.T) {
	h := newHarness(mustNew(t, KindRandom, Options{Capacity: 10, Samples: 1000}))
	for k := range uint64(10) {
		h.get(k)
	}
	for k := range uint64(10) {
		if k != 3 {
			h.get(k)
		}
	}
	if got := h.get(99); !slices.Equal(got, []uint64{3}) {
		t.Fatalf("victims %v, want [3] (the least recent, sampled with 1000 draws)", got)
	}
	t.Run("samples=1", func(t *testing.T) {
		h := newHarness(mustNew(t, KindRandom, Options{Capacity: 10, Samples: 1}))
		for k := range uint64(1000) {
			for _, v := range h.get(k) {
				if v == k {
					t.Fatalf("key %d evicted on its own insert", k)
				}
			}
		}
	})
}

func TestTinyLFURejectsOneHitWonders(t *testing.T) {
	const capacity, hot = 100, 99
	for _, kind := range []Kind{KindWTinyLFU, KindLRU} {
		t.Run(fmt.Sprintf("kind=%s", kind), func(t *testing.T) {
			h := newHarness(mustNew(t, kind, Options{Capacity: capacity, ExpectedEntries: capacity, WindowPercent: 1, FixedWindow: true}))
			for range 5 {
				for k := range uint64(hot) {
					h.get(k)
				}
			}
			for k := uint64(1000); k < 1200; k++ {
				h.get(k) // one-hit wonders
			}
			lost := 0
			for k := range uint64(hot) {
				if !h.resident(k) {
					lost++
				}
			}
			if kind == KindWTinyLFU && lost > 1 {
				t.Fatalf("W-TinyLFU lost %d hot keys to one-hit wonders, want <= 1", lost)
			}
			if kind == KindLRU && lost < hot-1 {
				t.Fatalf("LRU lost only %d hot keys; the scan should flush it", lost)
			}
		})
	}
	t.Run("promote", func(t *testing.T) {
		p := mustNew(t, KindWTinyLFU, Options{Capacity: capacity, ExpectedEntries: capacity})
		h := newHarness(p)
		for range 3 {
			for k := range uint64(capacity) {
				h.get(k)
			}
		}
		before, cost := p.Len(), p.Cost()
		p.Miss(hashOf(5000))
		ok, victims := p.Promote(h.alloc(5000), hashOf(5000), 1, nil)
		if ok || len(victims) != 0 || p.Len() != before || p.Cost() != cost {
			t.Fatalf("Promote of a one-hit wonder = %v %v (len %d->%d), want rejected, unchanged", ok, victims, before, p.Len())
		}
		for range 6 {
			p.Miss(hashOf(6000))
		}
		if ok, victims := p.Promote(h.alloc(6000), hashOf(6000), 1, nil); !ok || len(victims) != 1 {
			t.Fatalf("Promote of a popular key = %v %v, want admitted with one victim", ok, victims)
		}
	})
}
