package sim

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tierkv/tierkv/memtier/policy"
)

var (
	fullFlag       = flag.Bool("full", false, "replay every trace of the catalog at every published size and print the table (minutes)")
	tracesFlag     = flag.String("traces", "", "comma-separated trace names for TestFullTable (default all)")
	policiesFlag   = flag.String("policies", "", "comma-separated policies for TestFullTable (default all)")
	windowFlag     = flag.Float64("window", 0, "W-TinyLFU's initial window percent (default policy.DefaultWindowPercent)")
	fixedFlag      = flag.Bool("fixed", false, "keep W-TinyLFU's window fixed")
	climberFlag    = flag.Bool("climber", false, "tune W-TinyLFU's window by the hill climber instead of ghost feedback")
	doorkeeperFlag = flag.Bool("doorkeeper", false, "put a doorkeeper in front of the frequency sketches")
	sizesFlag      = flag.String("sizes", "", "comma-separated sizes replacing every selected trace's published sizes (default the published ones)")
)

// TestFullTable prints the table of docs/BENCHMARKS.md and the default
// policy's standing against its floors on every trace (the P traces
// included); it fails if LRU departs from an exact reference figure.
//
//	go test -run TestFullTable -v -timeout 60m ./memtier/sim/ -args -full
func TestFullTable(t *testing.T) {
	if !*fullFlag {
		t.Skip("long mode: pass -args -full")
	}
	cfg := Config{Dir: tracesDir(t), Options: policy.Options{
		WindowPercent: *windowFlag, FixedWindow: *fixedFlag, HillClimber: *climberFlag, Doorkeeper: *doorkeeperFlag}}
	if *tracesFlag != "" {
		cfg.Traces = strings.Split(*tracesFlag, ",")
	}
	for _, f := range strings.Split(*sizesFlag, ",") {
		if f == "" {
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatalf("-sizes: %v", err)
		}
		cfg.Sizes = append(cfg.Sizes, n)
	}
	if *policiesFlag != "" {
		for _, k := range strings.Split(*policiesFlag, ",") {
			cfg.Policies = append(cfg.Policies, policy.Kind(k))
		}
	}
	start := time.Now()
	results, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := LoadReference(filepath.Join(cfg.Dir, "expected_hit_ratios.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(os.Stdout, results, refs); err != nil {
		t.Fatal(err)
	}
	t.Logf("replayed in %v", time.Since(start).Round(time.Second))
	for _, res := range results {
		if res.Policy == policy.KindLRU {
			checkLRU(t, res, refs)
		}
	}
	reportFloors(t, results, refs)
}

// reportFloors logs the default policy's result against every floor.
func reportFloors(t *testing.T, results []Result, refs []Reference) {
	fl := floors(refs)
	met, total := 0, 0
	for _, res := range results {
		floor, ok := fl[fmt.Sprintf("%s@%d", res.File, res.Size)]
		if res.Policy != policy.KindWTinyLFU || !ok {
			continue
		}
		total++
		if res.HitRatio >= floor {
			met++
			continue
		}
		t.Logf("below floor: %s@%d %.2f%% < %.2f%%", res.Trace, res.Size, res.HitRatio, floor)
	}
	t.Logf("default policy at or above %d of %d floors", met, total)
}
