package fuzz_test

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the generated seed corpus files under testdata/fuzz")

func seedName(kind string, i int) string { return fmt.Sprintf("seed-%s-%02d", kind, i) }

// corpusFile renders data in the format of `go test -fuzz` corpus files.
func corpusFile(data []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n")
}

// TestSeedCorpus checks that the committed seed corpus is what the
// generators produce (so it cannot rot as the input grammars change), and
// rewrites it with -update-corpus. Crashers committed from campaigns are
// left alone: they do not start with "seed-".
func TestSeedCorpus(t *testing.T) {
	targets := map[string]map[string][]byte{
		"FuzzEngine":    engineSeeds(),
		"FuzzIterator":  iteratorSeeds(),
		"FuzzWALReplay": walSeeds(t),
		"FuzzBatch":     batchSeeds(),
	}
	for _, target := range slices.Sorted(maps.Keys(targets)) {
		t.Run("target="+target, func(t *testing.T) {
			dir := filepath.Join("testdata", "fuzz", target)
			seeds := targets[target]
			if *updateCorpus {
				writeSeeds(t, dir, seeds)
			}
			for _, name := range slices.Sorted(maps.Keys(seeds)) {
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatalf("%v (run with -update-corpus)", err)
				}
				if string(got) != string(corpusFile(seeds[name])) {
					t.Errorf("%s/%s differs from its generator (run with -update-corpus)", dir, name)
				}
			}
		})
	}
}

func writeSeeds(t *testing.T, dir string, seeds map[string][]byte) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, err := filepath.Glob(filepath.Join(dir, "seed-*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range seeds {
		if !strings.HasPrefix(name, "seed-") {
			t.Fatalf("seed %q must start with seed-", name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), corpusFile(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProgramRoundTrip checks that generated programs decode to exactly
// what was encoded, so that the seed corpus holds the programs intended.
func TestProgramRoundTrip(t *testing.T) {
	for i := range 50 {
		cfg := engineConfig{policy: i % 4, sync: i % 3, mem: (i / 3) % 4, keys: (i / 2) % 4, smallSegments: i%2 == 0, bgCheckpoints: i%7 == 0, asyncWAL: i%5 == 1}
		t.Run(fmt.Sprintf("seed=%d", i), func(t *testing.T) {
			prog := newProgGen(uint64(i), cfg).program(60)
			gotCfg, got := decodeProgram(encodeProgram(cfg, prog))
			if gotCfg != cfg {
				t.Fatalf("config: got %s, want %s", gotCfg, cfg)
			}
			if len(got) != len(prog) {
				t.Fatalf("decoded %d ops, want %d", len(got), len(prog))
			}
			for j := range prog {
				if got[j].String() != prog[j].String() {
					t.Fatalf("op %d: got %s, want %s", j, got[j], prog[j])
				}
			}
		})
	}
}
