package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tierkv/tierkv/tools/ycsb"
)

// Short-mode flags: a few thousand small records and a fraction of a second.
var shortBench = []string{"--keys", "1500", "--value-size", "100", "--mem", "32KiB", "--duration", "150ms", "--threads", "2"}

func TestBenchWorkloads(t *testing.T) {
	for _, w := range []string{"A", "B", "C", "D", "E", "F"} {
		t.Run("workload="+w, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "db")
			args := append([]string{"bench", dir, "--workload", w, "--json", "--sync", "never"}, shortBench...)
			if w == "A" || w == "F" { // the write-heavy ones also with the WAL acknowledging before write(2)
				args = append(args, "--async-wal")
			}
			r := runCLI(t, "", args...)
			r.expect(t, 0, nil, nil)
			var res benchResult
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, r.stdout)
			}
			run := res.Run
			if res.Load == nil || res.Load.Records != 1500 || run.Ops == 0 || run.OpsPerSec <= 0 || run.Errors != "" {
				t.Fatalf("result %+v / %+v", res.Load, run)
			}
			all := run.Latency[len(run.Latency)-1]
			if all.Op != "all" || all.Count != run.Ops || all.P50us <= 0 || all.P999us < all.P50us {
				t.Errorf("latency %+v (ops %d)", all, run.Ops)
			}
			if w != "E" {
				tr := run.Tiers
				if tr.Gets == 0 || tr.NotFoundRatio != 0 || tr.MemHitRatio+tr.DiskHitRatio < 0.999 {
					t.Errorf("tiers %+v", tr)
				}
			}
			if wr := run.Writes; w != "C" && (wr.UserBytes == 0 || wr.WALBytes == 0 || wr.BytesPerUserByte < 1) {
				t.Errorf("writes %+v", wr)
			}
			if w == "C" && run.Writes.UserBytes != 0 {
				t.Errorf("read-only workload wrote %+v", run.Writes)
			}
		})
	}
}

// TestBenchSkewHits checks that the memory tier answers more gets under
// Zipfian keys than under uniform ones, with the same budget.
func TestBenchSkewHits(t *testing.T) {
	ratio := func(dist string) float64 {
		dir := filepath.Join(t.TempDir(), "db")
		args := []string{"bench", dir, "-w", "C", "--json", "--ops", "5000", "--duration", "30s",
			"--distribution", dist, "--keys", "3000", "--value-size", "100", "--mem", "64KiB", "--threads", "2"}
		r := runCLI(t, "", args...)
		r.expect(t, 0, nil, nil)
		var res benchResult
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatal(err)
		}
		if res.Run.Ops != 5000 {
			t.Fatalf("--ops 5000 ran %d ops", res.Run.Ops)
		}
		return res.Run.Tiers.MemHitRatio
	}
	zipf, uni := ratio("zipfian"), ratio("uniform")
	if zipf < 1.5*uni {
		t.Fatalf("memory hit ratio zipfian %.3f, uniform %.3f: skew should pay", zipf, uni)
	}
}

func TestBenchText(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	args := append([]string{"bench", dir, "--policy", "lru", "--progress"}, shortBench...)
	r := runCLI(t, "", args...)
	r.expect(t, 0, []string{"workload A", "policy lru", "load: 1500 records", "read 50% update 50%, zipfian",
		"p99.9", "gets answered by the memory tier", "bytes written to disk per user byte"},
		[]string{"load", "ops/s, memory tier hits"})
	// A second run reuses the loaded DB.
	args = append([]string{"bench", dir, "--load=false", "-w", "C"}, shortBench...)
	r = runCLI(t, "", args...)
	r.expect(t, 0, []string{"read 100%", "n/a (no writes)"}, nil)
	if strings.Contains(r.stdout, "load:") {
		t.Errorf("--load=false loaded:\n%s", r.stdout)
	}
}

func TestBenchUsage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	for i, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"bench"}, "usage: tierkv bench DIR"},
		{[]string{"bench", dir, "-w", "G"}, "unknown workload"},
		{[]string{"bench", dir, "-d", "pareto"}, "unknown distribution"},
		{[]string{"bench", dir, "--keys", "0"}, "--keys must be positive"},
		{[]string{"bench", dir, "--threads", "0"}, "--threads"},
		{[]string{"bench", dir, "--duration", "0s"}, "--duration"},
		{[]string{"bench", dir, "--mem", "lots"}, "not a size"},
		{[]string{"bench", dir, "--sync", "sometimes"}, "want always, interval or never"},
		{[]string{"bench", dir, "--policy", "fifo"}, "want wtinylfu"},
		{[]string{"bench", dir, "--duration", "soon"}, "invalid value"},
	} {
		t.Run(fmt.Sprintf("case=%d", i), func(t *testing.T) {
			runCLI(t, "", tc.args...).expect(t, 2, nil, []string{tc.msg})
		})
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("a rejected bench created its DIR")
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("x"), 0o644)
	runCLI(t, "", append([]string{"bench", other}, shortBench...)...).expect(t, 1, nil, []string{"holds no tierkv DB"})
}

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	r := runCLI(t, "", "demo", "--dir", dir, "--keys", "1500", "--value-size", "100", "--mem", "32KiB",
		"--duration", "200ms", "--threads", "2")
	r.expect(t, 0, []string{"1. Load 1500 records", "2. YCSB workload B", "Zipfian keys", "3. The same with uniform keys",
		"gets answered by the memory tier", "What happened", "promotions"}, nil)
	runCLI(t, "", "get", dir, string(ycsb.KeyName(nil, 0))).expect(t, 0, nil, nil)
	// Without --dir the DB lives in a temporary directory that is removed.
	r = runCLI(t, "", "demo", "--keys", "500", "--value-size", "10", "--mem", "8KiB", "--duration", "50ms")
	r.expect(t, 0, []string{"What happened"}, nil)
	i := strings.Index(r.stdout, " in ")
	tmp := strings.TrimSpace(strings.SplitN(r.stdout[i+4:], "\n", 2)[0])
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("the demo left %s behind", tmp)
	}
	runCLI(t, "", "demo", "extra").expect(t, 2, nil, []string{"usage:"})
	runCLI(t, "", "demo", "--mem", "x").expect(t, 2, nil, []string{"--mem"})
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"4096", 4096, true}, {"64KiB", 64 << 10, true}, {"8MiB", 8 << 20, true}, {"1g", 1 << 30, true},
		{"1.5M", 3 << 19, true}, {"12 KB", 12 << 10, true}, {"x", 0, false}, {"-1M", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSize(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("parseSize(%q) = %d, %v", tc.in, got, err)
			}
		})
	}
}
