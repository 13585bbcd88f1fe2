package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tierkv/tierkv/tools/peerbench/internal/store"
)

// TestMain lets the test binary serve as the child process: the parent
// re-executes os.Executable(), which under go test is this binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "-child" {
		if err := childMain(os.Args[2], os.Stdout); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestEndToEnd runs a tiny benchmark of every engine on a read-only, a
// write-heavy and the hot-set-shift workload, in child processes, and
// checks the report: every cell measured, plausible figures, the files.
func TestEndToEnd(t *testing.T) {
	out, work := t.TempDir(), t.TempDir()
	counted := writesCounted(t, work)
	args := []string{"-tiny", "-workloads", "C-zipf,A-zipf,hotshift", "-duration", "60ms", "-warmup", "20ms",
		"-records", "1500", "-out", out, "-workdir", work, "-cpuprofile", store.Tierkv}
	var stdout, stderr bytes.Buffer
	if err := run(args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	for _, want := range []string{"A-zipf", "hotshift", "pebble+ristretto", "MemTierBytes", "target (tierkv ÷ peer)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	rows := readCSV(t, filepath.Join(out, "summary.csv"))
	if got, want := len(rows)-1, 3*len(store.Engines()); got != want {
		t.Fatalf("summary.csv has %d rows, want %d", got, want)
	}
	for _, r := range rows[1:] {
		if r[3] == "0.0" {
			t.Errorf("%s %s: no throughput", r[0], r[1])
		}
		wamp := r[7]
		if r[0] == "C-zipf" && wamp != "0.000" {
			t.Errorf("%s %s: a read-only workload wrote %s bytes per user byte", r[0], r[1], wamp)
		}
		if r[0] == "A-zipf" && wamp == "0.000" && counted {
			t.Errorf("%s %s: writes but no bytes written to disk", r[0], r[1])
		}
		if r[0] == "hotshift" && r[4] == "0.0" {
			t.Errorf("%s: no throughput after the shift", r[1])
		}
	}
	// -report redoes the summary from runs.csv alone.
	again := t.TempDir()
	if err := run([]string{"-report", filepath.Join(out, "runs.csv"), "-out", again}, &stdout, &stderr); err != nil {
		t.Fatalf("-report: %v", err)
	}
	if got := readCSV(t, filepath.Join(again, "summary.csv")); !equalRows(got, rows) {
		t.Errorf("-report's summary differs:\n%v\nwant\n%v", got, rows)
	}
	for _, f := range []string{"runs.csv", "summary.md", "throughput_skewed.png", "ratio_vs_pebble.png", "cpu-tierkv-A-zipf-r1.pprof"} {
		if info, err := os.Stat(filepath.Join(out, f)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// writesCounted reports whether writing a file under dir shows in
// write_bytes (not so on tmpfs, which has no backing device).
func writesCounted(t *testing.T, dir string) bool {
	t.Helper()
	before, err := ioWriteBytes()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "probe"))
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, 1<<16))
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		t.Fatal(err)
	}
	after, err := ioWriteBytes()
	if err != nil {
		t.Fatal(err)
	}
	return after > before
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], ",") != strings.Join(b[i], ",") {
			return false
		}
	}
	return true
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		check   func(*config) bool
		wantErr bool
	}{
		{"defaults", nil, func(c *config) bool {
			return c.Memory == 16<<20 && c.Records == uint64(10*(16<<20)/(keyBytes+1000)) && c.Rounds == 3 && !c.Sync
		}, false},
		{"scale", []string{"-scale", "2"}, func(c *config) bool {
			return c.Memory == 32<<20 && c.Records == uint64(10*(32<<20)/(keyBytes+1000))
		}, false},
		{"tiny", []string{"-tiny"}, func(c *config) bool {
			return c.Memory == tinyMemory && c.Records == tinyRecords && c.Rounds == 1 && c.Duration == tinyDuration
		}, false},
		{"tiny keeps set flags", []string{"-tiny", "-rounds", "2", "-duration", "1s"}, func(c *config) bool {
			return c.Rounds == 2 && c.Duration == time.Second && c.Records == tinyRecords
		}, false},
		{"unknown engine", []string{"-engines", "rocksdb"}, nil, true},
		{"unknown workload", []string{"-workloads", "Z"}, nil, true},
		{"bad mem", []string{"-mem", "lots"}, nil, true},
		{"profile not run", []string{"-engines", "pebble", "-cpuprofile", "tierkv"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, child, err := parseFlags(tc.args)
			if tc.wantErr {
				if !errors.Is(err, errUsage) {
					t.Fatalf("got %v, want errUsage", err)
				}
				return
			}
			if err != nil || child != "" || !tc.check(c) {
				t.Fatalf("parseFlags(%q) = %+v, %q, %v", tc.args, c, child, err)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"16MiB", 16 << 20}, {"1GiB", 1 << 30}, {"512KiB", 512 << 10}, {"1000", 1000}, {"1.5MiB", 3 << 19}} {
		t.Run(tc.in, func(t *testing.T) {
			if got, err := parseSize(tc.in); got != tc.want || err != nil {
				t.Fatalf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "MiB", "-1MiB", "x"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestTargets checks the ratios and the verdicts on a made-up summary.
func TestTargets(t *testing.T) {
	cfg := &config{Engines: store.Engines(), Workloads: []string{"C-zipf", "A-zipf", "C-uniform"}}
	var runs []runResult
	add := func(w, e string, ops float64, user, disk int64) {
		for round := 1; round <= 3; round++ {
			// The middle round is the median; the others are outliers.
			f := map[int]float64{1: 0.1, 2: 1, 3: 10}[round]
			runs = append(runs, runResult{Workload: w, Engine: e, Round: round, OpsPerSec: ops * f, UserBytes: user, DiskBytes: disk})
		}
	}
	add("C-zipf", store.Pebble, 100, 0, 0)
	add("C-zipf", store.PebbleRistretto, 400, 0, 0)
	add("C-zipf", store.Tierkv, 600, 0, 0)
	add("A-zipf", store.Pebble, 100, 100, 300)
	add("A-zipf", store.Tierkv, 200, 100, 100)
	add("C-uniform", store.Pebble, 100, 0, 0)
	add("C-uniform", store.Tierkv, 80, 0, 0)
	s := summarize(cfg, runs)
	want := map[string]struct {
		got       float64
		met, have bool
	}{
		"C-zipf ops/s vs pebble >= 5.00x":           {6, true, true},
		"C-zipf ops/s vs pebble+ristretto >= 1.20x": {1.5, true, true},
		"B-zipf ops/s vs pebble >= 5.00x":           {0, false, false},
		"A-zipf ops/s vs pebble >= 1.50x":           {2, true, true},
		"C-uniform ops/s vs pebble >= 0.90x":        {0.8, false, true},
		"A-zipf disk bytes vs pebble <= 0.50x":      {1.0 / 3, true, true},
	}
	seen := 0
	for _, tg := range s.targets() {
		w, ok := want[tg.String()]
		if !ok {
			continue
		}
		seen++
		if tg.Available != w.have || tg.Met() != w.met || (w.have && abs(tg.Got-w.got) > 1e-9) {
			t.Errorf("%s: got %.3f met=%v available=%v; want %.3f met=%v available=%v", tg, tg.Got, tg.Met(), tg.Available, w.got, w.met, w.have)
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d of the %d expected targets", seen, len(want))
	}
	var md bytes.Buffer
	if err := writeResults(&md, s, true); err != nil || !strings.Contains(md.String(), "| C-zipf") {
		t.Errorf("markdown table: %v\n%s", err, md.String())
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestCloneDir(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(src, "disk"), 0o755))
	must(os.WriteFile(filepath.Join(src, "disk", "000001.sst"), []byte("table"), 0o644))
	must(os.WriteFile(filepath.Join(src, "MANIFEST"), []byte("manifest"), 0o644))
	dst := filepath.Join(t.TempDir(), "dst")
	want, err := fileSizes(src)
	must(err)
	must(cloneDir(src, dst, true))
	a, _ := os.Stat(filepath.Join(src, "disk", "000001.sst"))
	b, err := os.Stat(filepath.Join(dst, "disk", "000001.sst"))
	must(err)
	must(checkTemplate(src, want))
	if !os.SameFile(a, b) {
		t.Error("the table was not hard-linked")
	}
	// A run appending to its copy must not touch the template.
	must(os.WriteFile(filepath.Join(dst, "MANIFEST"), []byte("changed"), 0o644))
	if got, _ := os.ReadFile(filepath.Join(src, "MANIFEST")); string(got) != "manifest" {
		t.Errorf("template manifest now %q", got)
	}
	if n, err := dirSize(dst); n != int64(len("table")+len("changed")) || err != nil {
		t.Errorf("dirSize = %d, %v", n, err)
	}
	// Truncating a linked table (as Badger does before deleting one) shows.
	must(os.Truncate(filepath.Join(dst, "disk", "000001.sst"), 0))
	if err := checkTemplate(src, want); err == nil {
		t.Error("checkTemplate missed a truncated table")
	}
	// Without links, the copy is independent.
	dst2 := filepath.Join(t.TempDir(), "dst2")
	must(cloneDir(src, dst2, false))
	c, err := os.Stat(filepath.Join(dst2, "disk", "000001.sst"))
	must(err)
	if os.SameFile(a, c) {
		t.Error("linked although linkTables is false")
	}
}

func TestProcCounters(t *testing.T) {
	rss, err := peakRSS()
	if err != nil || rss < 1<<20 {
		t.Fatalf("peakRSS = %d, %v", rss, err)
	}
	before, err := ioWriteBytes()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	after, err := ioWriteBytes()
	if err != nil {
		t.Fatal(err)
	}
	// tmpfs does not count; a disk-backed temp dir counts the whole MiB.
	if d := after - before; d != 0 && d < 1<<20 {
		t.Errorf("write_bytes grew by %d after writing 1 MiB", d)
	}
	if _, err := procField("/proc/self/status", "NoSuchField:", 1); err == nil {
		t.Error("a missing field was found")
	}
}
