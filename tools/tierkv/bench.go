package main

import (
	"fmt"
	"os"
	"time"

	"github.com/tierkv/tierkv/engine"
	"github.com/tierkv/tierkv/tools/ycsb"
	"github.com/urfave/cli/v2"
)

// Defaults of bench.
const (
	defaultBenchKeys      = 100_000
	defaultBenchValueSize = 1000
	defaultBenchThreads   = 4
	defaultBenchDuration  = 10 * time.Second
	defaultBenchMem       = "16MiB"
)

func benchFlags(e *env) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "workload", Aliases: []string{"w"}, Value: "A", Usage: "YCSB core workload `W`: A to F"},
		&cli.StringFlag{Name: "distribution", Aliases: []string{"d"}, Usage: "key chooser `D`: zipfian, uniform or latest (default: the workload's)"},
		&cli.Uint64Flag{Name: "keys", Value: defaultBenchKeys, Usage: "`N` records to load"},
		&cli.IntFlag{Name: "value-size", Value: defaultBenchValueSize, Usage: "value size in `BYTES`"},
		&cli.IntFlag{Name: "threads", Value: defaultBenchThreads, Usage: "`N` client goroutines"},
		&cli.DurationFlag{Name: "duration", Value: defaultBenchDuration, Usage: "how long to run the workload (`DURATION`: 30s, 2m)"},
		&cli.Int64Flag{Name: "ops", Usage: "stop after `N` operations, if before --duration (0: no limit)"},
		&cli.StringFlag{Name: "mem", Value: defaultBenchMem, Usage: "memory tier budget `SIZE` (e.g. 64MiB)"},
		&cli.StringFlag{Name: "sync", Value: "always", Usage: "WAL fsync `MODE`: always, interval or never"},
		&cli.BoolFlag{Name: "async-wal", Usage: "with --sync interval or never: acknowledge writes once queued for the WAL, before write(2) (engine.Options.AsyncWAL)"},
		&cli.StringFlag{Name: "policy", Value: string(engine.PolicyWTinyLFU), Usage: "memory tier policy `P`: wtinylfu, lru, lfu or random"},
		&cli.BoolFlag{Name: "load", Value: true, Usage: "load the records first (--load=false reuses a loaded DB)"},
		&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed `N`"},
		progressFlag(e), jsonFlag,
	}
}

func benchCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "bench",
		Usage:     "run a YCSB core workload (A-F) and report throughput, latency, tier hits and disk writes",
		ArgsUsage: "DIR",
		Description: "Creates (or reuses) the DB in DIR, loads --keys records of --value-size bytes\n" +
			"(YCSB key names), checkpoints and compacts, then runs the workload from\n" +
			"--threads goroutines for --duration, and ends with a checkpoint. Workloads:\n" +
			"A 50/50 read/update, B 95/5 read/update, C read only, D 95/5 read/insert\n" +
			"(latest), E 95/5 scan/insert (scans of 1..100), F 50/50 read/read-modify-write;\n" +
			"Zipfian keys with YCSB's scrambling unless --distribution says otherwise.\n\n" +
			"Reported: ops/s and p50/p99/p99.9 latency per operation (HdrHistogram), the\n" +
			"share of gets each tier answered, and bytes written to disk per user byte:\n" +
			"the WAL and disk-tier bytes written through the filesystem during the run\n" +
			"(its final checkpoint included) over the key and value bytes of its writes.",
		Flags: benchFlags(e),
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 1, 1, "DIR")
			if err != nil {
				return err
			}
			cfg, opts, err := benchConfig(c)
			if err != nil {
				return err
			}
			return bench(c, e, a[0], cfg, opts)
		},
	}
}

// benchConfig reads and checks bench's flags.
func benchConfig(c *cli.Context) (workloadConfig, engine.Options, error) {
	cmd := c.Command.HelpName
	bad := func(err error) (workloadConfig, engine.Options, error) {
		return workloadConfig{}, engine.Options{}, &usageError{cmd: cmd, err: err}
	}
	w, err := ycsb.Core(c.String("workload"))
	if err != nil {
		return bad(err)
	}
	cfg := workloadConfig{Workload: w, Records: c.Uint64("keys"), ValueSize: c.Int("value-size"),
		Threads: c.Int("threads"), Duration: c.Duration("duration"), MaxOps: c.Int64("ops"), Seed: c.Uint64("seed")}
	if c.IsSet("distribution") {
		if cfg.Dist, err = ycsb.ParseDistribution(c.String("distribution")); err != nil {
			return bad(err)
		}
	}
	switch {
	case cfg.Records == 0:
		return bad(fmt.Errorf("--keys must be positive"))
	case cfg.ValueSize < 0:
		return bad(fmt.Errorf("--value-size must not be negative"))
	case cfg.Threads < 1:
		return bad(fmt.Errorf("--threads must be at least 1"))
	case cfg.Duration <= 0:
		return bad(fmt.Errorf("--duration must be positive"))
	case cfg.MaxOps < 0:
		return bad(fmt.Errorf("--ops must not be negative"))
	}
	var o engine.Options
	if o.MemTierBytes, err = parseSize(c.String("mem")); err != nil {
		return bad(fmt.Errorf("--mem: %w", err))
	}
	if o.Sync, err = parseSync(c.String("sync")); err != nil {
		return bad(err)
	}
	if o.Policy, err = parsePolicy(c.String("policy")); err != nil {
		return bad(err)
	}
	o.AsyncWAL = c.Bool("async-wal")
	return cfg, o, nil
}

// benchResult is bench's --json output.
type benchResult struct {
	Dir    string       `json:"dir"`
	Sync   string       `json:"sync"`
	Policy string       `json:"policy"`
	Load   *loadReport  `json:"load,omitempty"`
	Run    *phaseReport `json:"run"`
}

func bench(c *cli.Context, e *env, dir string, cfg workloadConfig, o engine.Options) error {
	if err := checkBenchDir(dir); err != nil {
		return err
	}
	s, err := openSession(dir, o)
	if err != nil {
		return err
	}
	defer s.close()
	show := c.Bool("progress")
	out := benchResult{Dir: dir, Sync: o.Sync.String(), Policy: string(o.Policy)}
	if !c.Bool("json") {
		fmt.Fprintf(e.stdout, "tierkv bench: workload %s, %d records x %d B, %d threads, %v, memory tier %s, sync %s, policy %s\n",
			cfg.Workload.Name, cfg.Records, cfg.ValueSize, cfg.Threads, cfg.Duration, bytesStr(o.MemTierBytes), o.Sync, o.Policy)
	}
	if c.Bool("load") {
		lr, err := s.load(cfg.Records, cfg.ValueSize, cfg.Seed, e.stderr, show)
		if err != nil {
			return err
		}
		out.Load = &lr
		if !c.Bool("json") {
			fmt.Fprintf(e.stdout, "load: %d records (%s) in %.1fs\n", lr.Records, bytesStr(lr.UserBytes), lr.Seconds)
		}
	}
	rep, err := s.phase(cfg, e.stderr, show)
	if err != nil {
		return err
	}
	out.Run = rep
	if err := s.close(); err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(e.stdout, out)
	}
	fmt.Fprintf(e.stdout, "run: %s, %d ops in %.1fs = %.0f ops/s\n", rep.Mix, rep.Ops, rep.Seconds, rep.OpsPerSec)
	return printReport(e.stdout, rep)
}

// checkBenchDir refuses a DIR that exists and holds something other than
// a tierkv DB, so that bench never litters a directory by mistake.
func checkBenchDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) == 0 {
		return nil // missing or empty: bench creates the DB
	}
	return checkDB(dir)
}
