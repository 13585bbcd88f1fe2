package policy

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// recencyTrace: every key is read twice, the second time shortly after the
// first (at most a fifth of the capacity later), then never again. Only a
// large window catches the second reads; frequency is useless.
func recencyTrace(n, capacity int, r *rand.Rand) []uint64 {
	out := make([]uint64, 0, 2*n)
	pending := map[int][]uint64{}
	for i := 0; len(out) < 2*n; i++ {
		out = append(out, pending[i]...)
		delete(pending, i)
		if i < n {
			out = append(out, uint64(i))
			due := i + 1 + r.IntN(capacity/5)
			pending[due] = append(pending[due], uint64(i))
		}
	}
	return out
}

// frequencyTrace: half of the requests read a stable hot set of 80% of
// the capacity, uniformly; the other half read keys never seen again. The
// hot set fits only if the window is small: frequency is what matters, and
// a large window holds one-hit wonders.
func frequencyTrace(n, capacity int, r *rand.Rand) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		if i%2 == 0 {
			out[i] = uint64(r.IntN(capacity * 4 / 5))
		} else {
			out[i] = 1<<40 + uint64(i)
		}
	}
	return out
}

func TestWindowAdapts(t *testing.T) {
	const capacity = 500
	for _, tc := range []struct {
		name      string
		startPct  float64
		trace     func(*rand.Rand) []uint64
		wantAbove float64 // the final window share must be above (percent)...
		wantBelow float64 // ...and below
	}{
		{"recency-heavy/start=1%", 1, func(r *rand.Rand) []uint64 { return recencyTrace(150_000, capacity, r) }, 20, 100},
		{"frequency-heavy/start=50%", 50, func(r *rand.Rand) []uint64 { return frequencyTrace(300_000, capacity, r) }, 0, 20},
	} {
		for _, climb := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/hill-climber=%v", tc.name, climb), func(t *testing.T) {
				testWindowAdapts(t, capacity, tc.startPct, tc.trace, tc.wantAbove, tc.wantBelow, climb)
			})
		}
	}
}

// testWindowAdapts replays trace through an adaptive W-TinyLFU starting at
// startPct and through one fixed there, and checks that the adaptive window
// ended in (above, below) percent and paid off.
func testWindowAdapts(t *testing.T, capacity int64, startPct float64, traceOf func(*rand.Rand) []uint64, above, below float64, climb bool) {
	trace := traceOf(rand.New(rand.NewPCG(1, 2)))
	adaptive := mustNew(t, KindWTinyLFU, Options{Capacity: capacity, ExpectedEntries: int(capacity), WindowPercent: startPct, HillClimber: climb})
	fixed := mustNew(t, KindWTinyLFU, Options{Capacity: capacity, ExpectedEntries: int(capacity), WindowPercent: startPct, FixedWindow: true})
	ha, hf := newHarness(adaptive), newHarness(fixed)
	for _, k := range trace {
		ha.get(k)
		hf.get(k)
	}
	share := 100 * float64(adaptive.(*wtinylfu).windowMax) / float64(capacity)
	if share <= above || share >= below {
		t.Fatalf("window ended at %.1f%% of the capacity, want in (%v, %v)", share, above, below)
	}
	ra, rf := ratio(ha), ratio(hf)
	t.Logf("window %.1f%%; hit ratio adaptive %.2f%%, fixed at %v%% %.2f%%", share, ra, startPct, rf)
	if ra <= rf {
		t.Fatalf("adapting did not pay: %.2f%% <= %.2f%% with the fixed window", ra, rf)
	}
}

func ratio(h *harness) float64 { return 100 * float64(h.hits) / float64(h.requests) }

func TestWTinyLFUScanResistance(t *testing.T) {
	// A hot set that fits, interleaved with a long scan of new keys: LRU
	// loses the hot set to the scan, W-TinyLFU and LFU keep it.
	const capacity = 200
	hits := map[Kind]float64{}
	for _, kind := range Kinds() {
		h := newHarness(mustNew(t, kind, Options{Capacity: capacity, ExpectedEntries: capacity}))
		scan := uint64(1 << 20)
		for range 200 {
			for k := range uint64(capacity / 2) {
				h.get(k)
			}
			for range capacity {
				h.get(scan)
				scan++
			}
		}
		hits[kind] = ratio(h)
	}
	t.Logf("hit ratios: %v", hits)
	for _, kind := range []Kind{KindWTinyLFU, KindLFU} {
		if hits[kind] < hits[KindLRU]+20 {
			t.Errorf("%s %.2f%% does not beat LRU %.2f%% by 20 points on a scan", kind, hits[kind], hits[KindLRU])
		}
	}
}

func TestClimberDirection(t *testing.T) {
	c := newClimber(1000, 100)
	step := func(hits int) float64 {
		for i := range 100 {
			if i < hits {
				c.hit()
			} else {
				c.miss()
			}
		}
		d, ok := c.adjustment()
		if !ok {
			t.Fatal("no adjustment after a full sample")
		}
		return d
	}
	for i, tc := range []struct {
		hits     int
		wantSign int
	}{
		{50, -1}, // the first sample improves on nothing: the initial step (shrink)
		{52, -1}, // better: keep going
		{40, +1}, // worse: turn around
		{41, +1}, // better: keep going
	} {
		t.Run(fmt.Sprintf("sample=%d", i), func(t *testing.T) {
			d := step(tc.hits)
			if (d > 0 && tc.wantSign < 0) || (d < 0 && tc.wantSign > 0) || d == 0 {
				t.Fatalf("adjustment %v, want sign %d", d, tc.wantSign)
			}
		})
	}
}

func TestGhostGenerations(t *testing.T) {
	var g ghost
	g.size(100)
	for k := range uint64(100) {
		g.add(k)
	}
	for _, tc := range []struct {
		name      string
		added     uint64 // keys 1000.. added after the first 100
		wantFirst bool   // whether keys 0..99 are still remembered
	}{
		{"generations=1", 0, true},
		{"generations=2", 100, true},
		{"generations=3", 200, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k := range tc.added {
				g.add(1000 + k)
			}
			found := 0
			for k := range uint64(100) {
				if g.has(k) {
					found++
				}
			}
			switch {
			case tc.wantFirst && found != 100:
				t.Fatalf("%d of 100 keys remembered, want all", found)
			case !tc.wantFirst && found > 10:
				t.Fatalf("%d of 100 keys remembered after two more generations, want few (false positives)", found)
			}
		})
	}
	fp := 0
	for k := range uint64(10000) {
		if g.has(1<<40 + k) {
			fp++
		}
	}
	if fp > 500 {
		t.Fatalf("%d of 10000 never-added keys found: false positives above 5%%", fp)
	}
}

// TestGhostFeedbackDirection checks each side's ghost pulls the window its
// way: misses on keys the window rejected grow it, misses on keys the main
// space evicted shrink it.
func TestGhostFeedbackDirection(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fromWindow bool
		grow       bool
		cost       int64 // per entry: the tier weighs entries by bytes
	}{
		{"window-ghost-grows/cost=1", true, true, 1},
		{"main-ghost-shrinks/cost=1", false, false, 1},
		{"window-ghost-grows/cost=100", true, true, 100},
		{"main-ghost-shrinks/cost=100", false, false, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, KindWTinyLFU, Options{Capacity: 1000 * tc.cost, ExpectedEntries: 1000}).(*wtinylfu)
			for i := range ID(1000) {
				p.Insert(i, uint64(i)*0x9e3779b97f4a7c15, tc.cost, nil)
			}
			before := p.windowMax
			// 50 ghost hits: more than the quantum of sqrt(1000) entries.
			for i := range uint64(50) {
				h, id := 1<<50+i, ID(2000+i) // never resident: only buried
				p.grow(id)
				p.hashes[id] = uint32(foldHash(h))
				p.bury(id, tc.fromWindow)
				p.Miss(h)
			}
			after := p.windowMax
			if grew := after > before; grew != tc.grow || after == before {
				t.Fatalf("window %d -> %d, want grow=%v", before, after, tc.grow)
			}
			// The boundary moves by whole entries' worth of cost: at least
			// a quantum (31 entries), at most the 50 hits' (x1.05).
			if moved := max(after-before, before-after); moved < 31*tc.cost || moved > 53*tc.cost {
				t.Fatalf("window moved by %d cost units, want %d..%d", moved, 31*tc.cost, 53*tc.cost)
			}
			gw, gm := p.GhostHits()
			if want := int64(50); (tc.fromWindow && gw != want) || (!tc.fromWindow && gm != want) {
				t.Fatalf("GhostHits() = %d, %d; want 50 on the %v side", gw, gm, map[bool]string{true: "window", false: "main"}[tc.fromWindow])
			}
		})
	}
}

// TestLentEntriesHauntTheMain checks that an entry the main space lent the
// window (when the window grew) is remembered, once the window lets it go,
// in the main space's ghost: the loss is the main space's.
func TestLentEntriesHauntTheMain(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lent      bool
		wantGhost string
	}{
		{"own-entry", false, "window"},
		{"lent-entry", true, "main"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, KindWTinyLFU, Options{Capacity: 100, ExpectedEntries: 100}).(*wtinylfu)
			const id, hash = ID(0), uint64(0xdeadbeef)
			p.Insert(id, hash, 1, nil)
			if tc.lent {
				p.meta[id] |= lentBit
			}
			p.bury(id, true)
			inW, inM := p.ghostW.has(hash), p.ghostM.has(hash)
			if got := map[bool]string{true: "window", false: "main"}[inW]; got != tc.wantGhost || inW == inM {
				t.Fatalf("in window ghost %v, in main ghost %v; want only the %s's", inW, inM, tc.wantGhost)
			}
		})
	}
}

// TestGhostGuard checks that the ghosts' moves over a sample are undone
// when the hit ratio fell by ghostGuardDrop or more over it, and kept
// otherwise.
func TestGhostGuard(t *testing.T) {
	for _, tc := range []struct {
		name           string
		prev, rate     float64
		wantWindowBack bool
	}{
		{"fell-5-points", 0.50, 0.45, true},
		{"fell-1-point", 0.50, 0.49, false},
		{"rose", 0.50, 0.60, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, KindWTinyLFU, Options{Capacity: 1000, ExpectedEntries: 1000}).(*wtinylfu)
			for i := range ID(1000) {
				p.Insert(i, uint64(i)*0x9e3779b97f4a7c15, 1, nil)
			}
			start := p.windowMax
			p.sampleWindow = start
			p.pending = 100
			p.carryOut()
			grown := p.windowMax
			if grown <= start {
				t.Fatalf("window did not grow: %d -> %d", start, grown)
			}
			p.guardGhosts(tc.prev, tc.rate)
			want := grown
			if tc.wantWindowBack {
				want = start
			}
			if p.windowMax != want {
				t.Fatalf("window %d after the guard, want %d (start %d, grown %d)", p.windowMax, want, start, grown)
			}
			if p.sampleWindow != p.windowMax {
				t.Fatalf("next sample starts at %d, want %d", p.sampleWindow, p.windowMax)
			}
		})
	}
}

// TestWholeMoveCarriedOut: a window move larger than one transfer of
// queueTransferLimit entries (as sqrt(n) is in a tier of more than a
// million entries) is carried out whole, in both directions, not one
// transfer per move.
func TestWholeMoveCarriedOut(t *testing.T) {
	const n = 4 * queueTransferLimit
	p := mustNew(t, KindWTinyLFU, Options{Capacity: n, ExpectedEntries: n, WindowPercent: 1}).(*wtinylfu)
	h := newHarness(p)
	for k := range uint64(n) {
		h.get(k)
	}
	for _, move := range []int64{5 * queueTransferLimit / 2, -2 * queueTransferLimit} {
		window := p.windowMax
		p.pending = move
		p.carryOutAll()
		if p.windowMax != window+move || p.pending != 0 {
			t.Fatalf("move %+d from a window of %d: window %d, %d still pending", move, window, p.windowMax, p.pending)
		}
		if p.windowCost != p.windowMax {
			t.Fatalf("move %+d: window holds %d entries for a size of %d", move, p.windowCost, p.windowMax)
		}
	}
}
