package main

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/tierkv/tierkv/tools/peerbench/internal/store"
	"github.com/tierkv/tierkv/tools/ycsb"
)

// Defaults: sized to finish on 2 cores in a few minutes.
const (
	defaultMemory    = 16 << 20
	defaultDataRatio = 10 // dataset bytes per byte of memory budget
	defaultValueSize = 1000
	defaultThreads   = 4
	defaultDuration  = 2 * time.Second
	defaultWarmup    = time.Second
	defaultRounds    = 3
	defaultSeed      = 1
	// keyBytes is the typical length of a YCSB key ("user" + up to 19 digits).
	keyBytes = 23
)

// The -tiny smoke mode: every engine and workload, in seconds.
const (
	tinyMemory   = store.MinMemoryBytes
	tinyRecords  = 4000
	tinyThreads  = 2
	tinyDuration = 100 * time.Millisecond
	tinyWarmup   = 50 * time.Millisecond
)

// config is one peerbench run.
type config struct {
	Engines   []string
	Workloads []string
	Memory    int64   // the memory budget of every engine
	DataRatio float64 // dataset bytes per byte of budget, unless Records is given
	Records   uint64
	ValueSize int
	Threads   int
	Duration  time.Duration // the measured phase of one run
	Warmup    time.Duration // unmeasured, before it
	Rounds    int
	Sync      bool
	Seed      uint64
	Out       string // CSV and PNG directory
	WorkDir   string // database directories; default a temporary one
	Profile   string // an engine whose measured phases write CPU profiles into Out
	Tiny      bool
	Report    string   // a runs.csv to report on instead of running
	Args      []string // the command line, for the report
}

func parseFlags(args []string) (*config, string, error) {
	fs := flag.NewFlagSet("peerbench", flag.ContinueOnError)
	c := &config{Args: args}
	var engines, workloads, mem string
	var scale float64
	var child string
	fs.StringVar(&engines, "engines", strings.Join(store.Engines(), ","), "engines to compare, in alternation order")
	fs.StringVar(&workloads, "workloads", strings.Join(ycsb.Standard(), ","), "workloads (A-F[-zipf|-uniform|-latest], hotshift)")
	fs.StringVar(&mem, "mem", "16MiB", "memory budget of every engine")
	fs.Float64Var(&scale, "scale", 1, "multiply the memory budget and the dataset by this")
	fs.Float64Var(&c.DataRatio, "data-ratio", defaultDataRatio, "dataset size as a multiple of the memory budget")
	fs.Uint64Var(&c.Records, "records", 0, "records to load (default: -data-ratio times the budget's worth)")
	fs.IntVar(&c.ValueSize, "value-size", defaultValueSize, "value size in bytes (YCSB: 10 fields x 100 B)")
	fs.IntVar(&c.Threads, "threads", defaultThreads, "client goroutines, the same for every engine")
	fs.DurationVar(&c.Duration, "duration", defaultDuration, "measured phase of each run")
	fs.DurationVar(&c.Warmup, "warmup", defaultWarmup, "unmeasured warm-up before it (caches start cold)")
	fs.IntVar(&c.Rounds, "rounds", defaultRounds, "rounds; the report gives the median")
	fs.BoolVar(&c.Sync, "sync", false, "fsync every write (all engines); default: none does")
	fs.Uint64Var(&c.Seed, "seed", defaultSeed, "seed of the key generators and values")
	fs.StringVar(&c.Out, "out", "peerbench-out", "directory for summary.csv, runs.csv and the PNG charts")
	fs.StringVar(&c.WorkDir, "workdir", "", "directory for the databases (default: a new temporary directory)")
	fs.StringVar(&c.Profile, "cpuprofile", "", "write a CPU profile of every measured phase of this engine into -out")
	fs.StringVar(&c.Report, "report", "", "redo the tables, CSVs and charts from this runs.csv instead of running")
	fs.BoolVar(&c.Tiny, "tiny", false, "smoke mode for CI: tiny dataset and runs, one round")
	fs.StringVar(&child, "child", "", "internal: run one child job described by this JSON")
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	if child != "" {
		return nil, child, nil
	}
	if err := c.finish(engines, workloads, mem, scale, fs); err != nil {
		return nil, "", err
	}
	return c, "", nil
}

// finish fills the derived fields and checks everything.
func (c *config) finish(engines, workloads, mem string, scale float64, fs *flag.FlagSet) error {
	var err error
	if c.Memory, err = parseSize(mem); err != nil {
		return fmt.Errorf("%w: -mem: %v", errUsage, err)
	}
	if scale <= 0 {
		return fmt.Errorf("%w: -scale must be positive", errUsage)
	}
	c.Memory = int64(float64(c.Memory) * scale)
	c.Engines = splitList(engines)
	c.Workloads = splitList(workloads)
	if c.Tiny {
		c.tiny(fs)
	}
	if c.Records == 0 {
		c.Records = uint64(c.DataRatio * float64(c.Memory) / float64(keyBytes+max(c.ValueSize, 1)))
	}
	return c.validate()
}

// tiny applies the smoke mode to every flag the user did not set.
func (c *config) tiny(fs *flag.FlagSet) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["mem"] {
		c.Memory = tinyMemory
	}
	if !set["records"] {
		c.Records = tinyRecords
	}
	if !set["threads"] {
		c.Threads = tinyThreads
	}
	if !set["duration"] {
		c.Duration = tinyDuration
	}
	if !set["warmup"] {
		c.Warmup = tinyWarmup
	}
	if !set["rounds"] {
		c.Rounds = 1
	}
}

func (c *config) validate() error {
	var bad []string
	for _, e := range c.Engines {
		if !contains(store.Engines(), e) {
			bad = append(bad, fmt.Sprintf("unknown engine %q", e))
		}
	}
	for _, w := range c.Workloads {
		if _, err := ycsb.Parse(w); err != nil {
			bad = append(bad, err.Error())
		}
	}
	switch {
	case len(c.Engines) == 0 || len(c.Workloads) == 0:
		bad = append(bad, "no engines or no workloads")
	case c.Memory < store.MinMemoryBytes:
		bad = append(bad, fmt.Sprintf("-mem below %d bytes", store.MinMemoryBytes))
	case c.Records == 0 || c.ValueSize < 1 || c.Threads < 1 || c.Rounds < 1:
		bad = append(bad, "-records, -value-size, -threads and -rounds must be positive")
	case c.Duration <= 0 || c.Warmup < 0:
		bad = append(bad, "-duration must be positive and -warmup not negative")
	case c.Profile != "" && !contains(c.Engines, c.Profile):
		bad = append(bad, fmt.Sprintf("-cpuprofile %q is not among -engines", c.Profile))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", errUsage, strings.Join(bad, "; "))
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseSize reads "16MiB", "1GiB", "512KiB" or a plain byte count.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}, {"", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			var n float64
			if _, err := fmt.Sscan(num, &n); err != nil || n <= 0 {
				return 0, fmt.Errorf("bad size %q", s)
			}
			return int64(n * float64(u.mult)), nil
		}
	}
	return 0, fmt.Errorf("bad size %q", s)
}
