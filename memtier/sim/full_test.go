package sim

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

var (
	fullFlag   = flag.Bool("full", false, "replay every trace of the catalog at every published size and print the table (minutes)")
	tracesFlag = flag.String("traces", "", "comma-separated trace names for TestFullTable (default all)")
)

// TestFullTable prints the table of docs/BENCHMARKS.md:
//
//	go test -run TestFullTable -v -timeout 60m ./memtier/sim/ -args -full
func TestFullTable(t *testing.T) {
	if !*fullFlag {
		t.Skip("long mode: pass -args -full")
	}
	var names []string
	if *tracesFlag != "" {
		names = strings.Split(*tracesFlag, ",")
	}
	start := time.Now()
	results, err := Run(context.Background(), Config{Dir: tracesDir(t), Traces: names})
	if err != nil {
		t.Fatal(err)
	}
	refs, err := LoadReference(tracesDir(t) + "/expected_hit_ratios.csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(os.Stdout, results, refs); err != nil {
		t.Fatal(err)
	}
	t.Logf("replayed in %v", time.Since(start).Round(time.Second))
}
