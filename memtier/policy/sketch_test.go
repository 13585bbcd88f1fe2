package policy

import (
	"fmt"
	"testing"
)

func TestSketch(t *testing.T) {
	for _, door := range []bool{true, false} {
		t.Run(fmt.Sprintf("doorkeeper=%v", door), func(t *testing.T) {
			s := newSketch(1024, door)
			h := uint64(12345)
			if got := s.estimate(h); got != 0 {
				t.Fatalf("fresh estimate %d, want 0", got)
			}
			s.increment(h)
			if got := s.estimate(h); got != 1 {
				t.Fatalf("after one increment %d, want 1", got)
			}
			for range 40 {
				s.increment(h)
			}
			want := sketchMaxCount
			if door {
				want++ // 15 in the counters plus the doorkeeper's bit
			}
			if got := s.estimate(h); got != want {
				t.Fatalf("saturated estimate %d, want %d", got, want)
			}
			s.reset()
			if got := s.estimate(h); got != sketchMaxCount/2 {
				t.Fatalf("after halving %d, want %d", got, sketchMaxCount/2)
			}
		})
	}
	t.Run("doorkeeper-absorbs-first-sight", func(t *testing.T) {
		s := newSketch(1024, true)
		for k := range uint64(500) {
			s.increment(k)
		}
		// Only the doorkeeper's false positives (about 1% here) reach the
		// counters.
		counted := 0
		for k := range uint64(500) {
			if s.estimate(k) > 1 {
				counted++
			}
		}
		if counted > 25 {
			t.Fatalf("%d of 500 keys seen once have counts beyond the doorkeeper", counted)
		}
	})
	t.Run("period-halves", func(t *testing.T) {
		s := newSketch(64, false)
		h := uint64(7)
		for range 8 {
			s.increment(h)
		}
		for k := range uint64(s.sampleSize) {
			s.increment(1000 + k) // other traffic until a reset happens
		}
		if got := s.estimate(h); got >= 8 {
			t.Fatalf("estimate %d after a period, want halved below 8", got)
		}
	})
}

func TestSketchDistinguishesFrequencies(t *testing.T) {
	s := newSketch(4096, true)
	for k := range uint64(4096) {
		for range int(k%8) + 1 {
			s.increment(k)
		}
	}
	wrong := 0
	for k := range uint64(4096) {
		if s.estimate(k) != int(k%8)+1 {
			wrong++
		}
	}
	// Count-min only overestimates; with 4 counters per key and this load a
	// few percent of keys may collide.
	if wrong > 4096/10 {
		t.Fatalf("%d of 4096 estimates wrong", wrong)
	}
}
