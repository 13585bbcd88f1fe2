package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tierkv/tierkv/memtier/sim"
)

// The shared traces sit beside the repository, as for memtier/sim's tests.
var testTraces = filepath.Join("..", "..", "..", "shared", "traces")

func TestSim(t *testing.T) {
	r := runCLI(t, "", "sim", "--traces", testTraces, "-t", "cpp", "-s", "100", "-s", "1000", "-p", "lru,wtinylfu")
	r.expect(t, 0, []string{"trace", "lru %", "wtinylfu %", "cpp", "100 keys", "1000 keys", "LRU "}, nil)
	if strings.Contains(r.stdout, "random") {
		t.Errorf("--policy lru,wtinylfu printed random:\n%s", r.stdout)
	}
	// The LRU column must agree with the collection's exact LRU figures.
	r = runCLI(t, "", "sim", "--json", "-t", "cpp", "-s", "100,1000", "-p", "lru")
	r.expect(t, 0, nil, nil)
	var res []sim.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	refs, err := sim.LoadReference(filepath.Join(testTraces, refCSV))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("%d results, want 2", len(res))
	}
	for _, x := range res {
		found := false
		for _, ref := range sim.ReferencesFor(refs, x.File, x.Size) {
			if ref.Policy == "LRU" && ref.Kind == sim.KindComputed {
				found = true
				if d := ref.HitRatio - x.HitRatio; d > 0.01 || d < -0.01 {
					t.Errorf("size %d: LRU %.4f, exact reference %.4f", x.Size, x.HitRatio, ref.HitRatio)
				}
			}
		}
		if !found {
			t.Errorf("size %d: no exact LRU reference", x.Size)
		}
	}
	r = runCLI(t, "", "sim", "--markdown", "-t", "cpp", "-s", "100", "-p", "lfu", "--progress")
	r.expect(t, 0, []string{"| trace | size | unit | lfu |", "| cpp | 100 | keys |"}, []string{"replaying traces"})
	runCLI(t, "", "sim", "--list").expect(t, 0, []string{"OLTP", "arc/OLTP.lis.gz", "web07"}, nil)
}

func TestSimErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown-trace", []string{"-t", "nope"}, 2, "unknown trace"},
		{"bad-policy", []string{"-t", "cpp", "-p", "fifo"}, 2, "--policy \"fifo\""},
		{"bad-size", []string{"-t", "cpp", "-s", "0"}, 2, "sizes must be positive"},
		{"all-and-trace", []string{"--all", "-t", "cpp"}, 2, "exclude each other"},
		{"args", []string{"extra"}, 2, "usage:"},
		{"no-traces-dir", []string{"--traces", "/nonexistent", "-t", "cpp"}, 1, "not a traces directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runCLI(t, "", append([]string{"sim"}, tc.args...)...).expect(t, tc.code, nil, []string{tc.msg})
		})
	}
}
