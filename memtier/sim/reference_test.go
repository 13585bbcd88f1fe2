package sim

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/tierkv/tierkv/memtier/policy"
)

// quickTraces replay in well under a minute under -race (OLTP with LRU and
// the default policy only); the P traces (13M requests each) and the
// 5M-request traces run in TestFullTable.
var quickTraces = []string{"glimpse", "loop", "scan", "zigzag", "2_pools", "cpp", "cs",
	"multi1", "multi2", "multi3", "ps", "sprite", "backf", "web07", "web12", "corda-vaultservice",
	"cloudPhysicsIO", "cloudPhysicsIO-bytes"}

// knownShortfalls are the floors the default policy misses today, with the
// allowance below the floor that still passes (so that a regression fails).
// docs/BENCHMARKS.md explains each.
// Every OLTP floor is met since ghost feedback tunes the window; the P12
// rows still short (1024..4096, 524288) replay in TestFullTable only.
var knownShortfalls = map[string]float64{}

// floors returns, per "file@size", the figure the default policy must reach:
// the best of ARC's (published, ARC paper) and the published W-TinyLFU's
// (BitFaster, hill climbing) figures.
func floors(refs []Reference) map[string]float64 {
	out := map[string]float64{}
	for _, r := range refs {
		if r.Kind != KindPublished || (r.Policy != "ARC" && r.Policy != "W-TinyLFU(BitFaster ConcurrentLfu hill-climbing)") {
			continue
		}
		if r.File == "(not included)" || r.File == "libcachesim/cloudPhysicsIO.oracleGeneral.bin.gz" {
			continue // libCacheSim's byte-capacity ARC has other semantics
		}
		k := fmt.Sprintf("%s@%d", r.File, r.Capacity)
		out[k] = math.Max(out[k], r.HitRatio)
	}
	return out
}

// checkLRU compares an LRU result with every exact reference figure of its
// trace and size: hit counts where given, else the ratio to 0.01 point;
// libCacheSim's published byte-capacity LRU is a miss count, also exact.
func checkLRU(t *testing.T, res Result, refs []Reference) int {
	t.Helper()
	checked := 0
	for _, r := range ReferencesFor(refs, res.File, res.Size) {
		if r.Policy != "LRU" || r.Requests != res.Requests {
			continue
		}
		checked++
		if r.Hits >= 0 && r.Hits != res.Hits {
			t.Errorf("%s@%d LRU: %d hits, reference (%s) %d", res.Trace, res.Size, res.Hits, r.Source, r.Hits)
		}
		if math.Abs(r.HitRatio-res.HitRatio) > 0.01+1e-9 {
			t.Errorf("%s@%d LRU: %.4f%%, reference (%s) %.4f%%", res.Trace, res.Size, res.HitRatio, r.Source, r.HitRatio)
		}
	}
	return checked
}

func TestReferenceFigures(t *testing.T) {
	dir := tracesDir(t)
	refs, err := LoadReference(filepath.Join(dir, "expected_hit_ratios.csv"))
	if err != nil {
		t.Fatal(err)
	}
	results, err := Run(context.Background(), Config{Dir: dir, Traces: []string{"OLTP"},
		Policies: []policy.Kind{policy.KindLRU, policy.KindWTinyLFU}})
	if err != nil {
		t.Fatal(err)
	}
	more, err := Run(context.Background(), Config{Dir: dir, Traces: quickTraces,
		Policies: []policy.Kind{policy.KindLRU, policy.KindWTinyLFU, policy.KindLFU}})
	if err != nil {
		t.Fatal(err)
	}
	results = append(results, more...)
	byKey := map[string]Result{}
	checked := 0
	for _, res := range results {
		byKey[fmt.Sprintf("%s@%d/%s", res.Trace, res.Size, res.Policy)] = res
		if res.Policy == policy.KindLRU {
			checked += checkLRU(t, res, refs)
		}
	}
	if checked < 150 {
		t.Errorf("only %d LRU reference figures checked", checked)
	}
	t.Run("default-policy-floors", func(t *testing.T) {
		checkFloors(t, results, refs)
	})
	t.Run("loop-and-scan-resistance", func(t *testing.T) {
		for _, c := range []struct {
			trace string
			sizes []int64
			kinds []policy.Kind
		}{
			{"loop", []int64{250, 500, 750, 1000}, []policy.Kind{policy.KindWTinyLFU, policy.KindLFU}},
			{"scan", []int64{500, 1000}, []policy.Kind{policy.KindWTinyLFU, policy.KindLFU}},
			{"glimpse", []int64{500, 750, 1000, 1250}, []policy.Kind{policy.KindWTinyLFU}},
		} {
			for _, size := range c.sizes {
				lru := byKey[fmt.Sprintf("%s@%d/%s", c.trace, size, policy.KindLRU)].HitRatio
				for _, k := range c.kinds {
					if got := byKey[fmt.Sprintf("%s@%d/%s", c.trace, size, k)].HitRatio; got < lru+10 {
						t.Errorf("%s@%d: %s %.2f%% is not 10 points above LRU %.2f%%", c.trace, size, k, got, lru)
					}
				}
			}
		}
	})
}

// checkFloors asserts the default policy's floors on the results at hand.
func checkFloors(t *testing.T, results []Result, refs []Reference) {
	t.Helper()
	fl := floors(refs)
	n := 0
	for _, res := range results {
		if res.Policy != policy.KindWTinyLFU {
			continue
		}
		k := fmt.Sprintf("%s@%d", res.File, res.Size)
		floor, ok := fl[k]
		if !ok {
			continue
		}
		n++
		allow, short := knownShortfalls[k]
		switch {
		case res.HitRatio >= floor:
			if short {
				t.Logf("%s: %.2f%% now meets the floor %.2f%%: drop it from knownShortfalls", k, res.HitRatio, floor)
			}
		case short && res.HitRatio >= floor-allow:
			t.Logf("%s: %.2f%% below the floor %.2f%% (known shortfall)", k, res.HitRatio, floor)
		default:
			t.Errorf("%s: default policy %.2f%% below the floor %.2f%%", k, res.HitRatio, floor)
		}
	}
	if n == 0 {
		t.Error("no floors checked")
	}
}
