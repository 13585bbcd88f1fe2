package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tierkv/tierkv/engine"
	"github.com/tierkv/tierkv/tools/ycsb"
	"github.com/urfave/cli/v2"
)

// Defaults of demo: about 100 MB of data over a memory tier of 8 MiB, and
// some 20 seconds of work in all.
const (
	defaultDemoKeys      = 100_000
	defaultDemoValueSize = 1000
	defaultDemoMem       = "8MiB"
	defaultDemoDuration  = 8 * time.Second
)

func demoCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "show what the tiers do, in half a minute (no arguments needed)",
		Description: "Creates a DB in a temporary directory (or --dir), loads a dataset about 12\n" +
			"times larger than the memory tier, then runs YCSB workload B (95% reads, 5%\n" +
			"updates) twice: with skewed (Zipfian) keys, then with uniform keys. Skew is\n" +
			"where a memory tier pays: the hot keys get promoted and stay, the cold ones are\n" +
			"evicted, and the memory tier answers far more reads than its share of the\n" +
			"data. The WAL is fsynced every 10ms (--sync interval).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "put the DB in `DIR` and keep it (default: a temporary directory, removed)"},
			&cli.Uint64Flag{Name: "keys", Value: defaultDemoKeys, Usage: "`N` records to load"},
			&cli.IntFlag{Name: "value-size", Value: defaultDemoValueSize, Usage: "value size in `BYTES`"},
			&cli.StringFlag{Name: "mem", Value: defaultDemoMem, Usage: "memory tier budget `SIZE`"},
			&cli.DurationFlag{Name: "duration", Value: defaultDemoDuration, Usage: "`DURATION` of the skewed phase (the uniform one is half)"},
			&cli.IntFlag{Name: "threads", Value: defaultBenchThreads, Usage: "`N` client goroutines"},
			progressFlag(e),
		},
		Action: func(c *cli.Context) error {
			if _, err := argsRange(c, 0, 0, "[flags]"); err != nil {
				return err
			}
			return demo(c, e)
		},
	}
}

// demoConfig reads demo's flags.
func demoConfig(c *cli.Context) (workloadConfig, engine.Options, error) {
	w, _ := ycsb.Core("B")
	cfg := workloadConfig{Workload: w, Records: c.Uint64("keys"), ValueSize: c.Int("value-size"),
		Threads: c.Int("threads"), Duration: c.Duration("duration"), Seed: 1}
	mem, err := parseSize(c.String("mem"))
	switch {
	case err != nil:
		return cfg, engine.Options{}, usagef(c.Command.HelpName, "--mem: %v", err)
	case cfg.Records == 0 || cfg.Threads < 1 || cfg.Duration <= 0 || cfg.ValueSize < 0:
		return cfg, engine.Options{}, usagef(c.Command.HelpName, "--keys, --threads and --duration must be positive")
	}
	return cfg, engine.Options{MemTierBytes: mem, Sync: engine.SyncInterval}, nil
}

func demo(c *cli.Context, e *env) error {
	cfg, o, err := demoConfig(c)
	if err != nil {
		return err
	}
	dir := c.String("dir")
	if dir == "" {
		tmp, err := os.MkdirTemp("", "tierkv-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp + "/db"
	} else if err := checkBenchDir(dir); err != nil {
		return err
	}
	s, err := openSession(dir, o)
	if err != nil {
		return err
	}
	defer s.close()
	return demoRun(c, e, s, cfg, o)
}

func demoRun(c *cli.Context, e *env, s *session, cfg workloadConfig, o engine.Options) error {
	w, show := e.stdout, c.Bool("progress")
	data := int64(cfg.Records) * int64(cfg.ValueSize+len("user")+19)
	fmt.Fprintf(w, "tierkv demo: a memory tier of %s over a Pebble LSM, in %s\n\n", bytesStr(o.MemTierBytes), s.dir)
	fmt.Fprintf(w, "1. Load %d records of %d B (%s, %.0fx the memory tier) and compact them on disk.\n",
		cfg.Records, cfg.ValueSize, bytesStr(data), float64(data)/float64(o.MemTierBytes))
	lr, err := s.load(cfg.Records, cfg.ValueSize, cfg.Seed, e.stderr, show)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   done in %.1fs (%.0f records/s).\n\n", lr.Seconds, float64(lr.Records)/lr.Seconds)

	fmt.Fprintf(w, "2. YCSB workload B (95%% reads, 5%% updates), Zipfian keys, %d threads, %v:\n", cfg.Threads, cfg.Duration)
	skew, err := demoPhase(w, e, s, cfg, show)
	if err != nil {
		return err
	}
	cfg.Dist, cfg.Duration, cfg.Seed = ycsb.DistUniform, cfg.Duration/2, cfg.Seed+100
	fmt.Fprintf(w, "\n3. The same with uniform keys, %v:\n", cfg.Duration)
	uni, err := demoPhase(w, e, s, cfg, show)
	if err != nil {
		return err
	}
	if err := s.close(); err != nil {
		return err
	}
	demoSummary(w, skew, uni, float64(o.MemTierBytes)/float64(data))
	return nil
}

func demoPhase(w io.Writer, e *env, s *session, cfg workloadConfig, show bool) (*phaseReport, error) {
	rep, err := s.phase(cfg, e.stderr, show)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "   %d ops in %.1fs = %.0f ops/s\n", rep.Ops, rep.Seconds, rep.OpsPerSec)
	return rep, printReport(w, rep)
}

func demoSummary(w io.Writer, skew, uni *phaseReport, memShare float64) {
	read := func(r *phaseReport) opLatency {
		for _, l := range r.Latency {
			if l.Op == "read" {
				return l
			}
		}
		return opLatency{}
	}
	text := fmt.Sprintf("What happened: the memory tier holds %.0f%% of the data. Under skew it answered %s "+
		"of the reads, %.1fx its share (uniform keys: %s), because hot keys were promoted into it and "+
		"cold ones evicted (%d promotions, %d evictions); read p50 %s with skew, %s uniform. "+
		"Every write went to the WAL first and reached the LSM at checkpoints and evictions: "+
		"%.2f bytes written to disk per byte of keys and values. "+
		"`tierkv bench --help` runs the other YCSB workloads.",
		100*memShare, pctStr(skew.Tiers.MemHitRatio), skew.Tiers.MemHitRatio/memShare,
		pctStr(uni.Tiers.MemHitRatio), skew.Tiers.Promotions, skew.Tiers.Evictions,
		usStr(read(skew).P50us), usStr(read(uni).P50us), skew.Writes.BytesPerUserByte)
	fmt.Fprintln(w)
	fmt.Fprint(w, wrap(text, 88))
}

// wrap breaks text into lines of at most width columns at spaces.
func wrap(text string, width int) string {
	var b strings.Builder
	col := 0
	for _, word := range strings.Fields(text) {
		n := utf8.RuneCountInString(word)
		if col > 0 && col+1+n > width {
			b.WriteByte('\n')
			col = 0
		} else if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += n
	}
	b.WriteByte('\n')
	return b.String()
}
