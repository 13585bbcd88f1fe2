package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter/tw"
	"github.com/tierkv/tierkv/memtier/policy"
	"github.com/tierkv/tierkv/memtier/sim"
	"github.com/urfave/cli/v2"
)

// defaultSimTraces is a quick, varied selection (seconds, not minutes):
// a database, a file server, a Zipf-like web trace and two synthetic ones.
var defaultSimTraces = []string{"OLTP", "sprite", "web12", "2_pools", "loop"}

// refCSV is the reference file's name in the traces directory.
const refCSV = "expected_hit_ratios.csv"

func simCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "sim",
		Usage: "replay cache traces through the memory tier's policies and compare hit ratios",
		Description: "Replays access traces (the formats of the project's shared/traces collection)\n" +
			"through each policy at each cache size, and prints the hit ratios beside the\n" +
			"published and reference figures. The traces directory defaults to\n" +
			"$TIERKV_TRACES, else the first shared/traces found beside the current\n" +
			"directory or one of its parents. Default traces: " + strings.Join(defaultSimTraces, ", ") + ".",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "traces", Usage: "traces directory `DIR`"},
			&cli.StringSliceFlag{Name: "trace", Aliases: []string{"t"}, Usage: "trace `NAME` (repeat or comma-separate; see --list)"},
			&cli.BoolFlag{Name: "all", Usage: "replay every trace of the catalog (minutes)"},
			&cli.Int64SliceFlag{Name: "size", Aliases: []string{"s"}, Usage: "cache sizes in the trace's unit (default: the published sizes)"},
			&cli.StringSliceFlag{Name: "policy", Aliases: []string{"p"}, Usage: "policies (default: all of wtinylfu, lru, lfu, random)"},
			&cli.BoolFlag{Name: "list", Usage: "list the traces of the catalog and exit"},
			&cli.BoolFlag{Name: "markdown", Usage: "print a Markdown table with every reference figure"},
			progressFlag(e), jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if _, err := argsRange(c, 0, 0, "[flags]"); err != nil {
				return err
			}
			if c.Bool("list") {
				return listTraces(e.stdout)
			}
			cfg, err := simConfig(c)
			if err != nil {
				return err
			}
			return runSim(c, e, cfg)
		},
	}
}

func listTraces(w io.Writer) error {
	rows := [][]string{}
	for _, t := range sim.Catalog() {
		rows = append(rows, []string{t.Name, t.File, string(t.Format), t.Unit, fmt.Sprint(t.Sizes)})
	}
	return writeTextTable(w, []string{"trace", "file", "format", "unit", "published sizes"}, rows)
}

// simConfig reads and checks sim's flags.
func simConfig(c *cli.Context) (sim.Config, error) {
	cmd := c.Command.HelpName
	cfg := sim.Config{Traces: splitList(c.StringSlice("trace")), Sizes: c.Int64Slice("size")}
	switch {
	case c.Bool("all") && len(cfg.Traces) > 0:
		return cfg, usagef(cmd, "--all and --trace exclude each other")
	case c.Bool("all"):
		cfg.Traces = nil // Run's default: every trace
	case len(cfg.Traces) == 0:
		cfg.Traces = defaultSimTraces
	}
	for _, name := range cfg.Traces {
		if _, err := sim.Lookup(name); err != nil {
			return cfg, usagef(cmd, "%v (see tierkv sim --list)", err)
		}
	}
	for _, s := range cfg.Sizes {
		if s <= 0 {
			return cfg, usagef(cmd, "--size %d: sizes must be positive", s)
		}
	}
	for _, p := range splitList(c.StringSlice("policy")) {
		k := policy.Kind(strings.ToLower(p))
		if !slices.Contains(policy.Kinds(), k) {
			return cfg, usagef(cmd, "--policy %q: want one of %v", p, policy.Kinds())
		}
		cfg.Policies = append(cfg.Policies, k)
	}
	dir, err := tracesDir(c.String("traces"))
	if err != nil {
		return cfg, err
	}
	cfg.Dir = dir
	return cfg, nil
}

func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// tracesDir finds the traces directory: flag, $TIERKV_TRACES, or
// shared/traces beside the current directory or a parent of it.
func tracesDir(flag string) (string, error) {
	for _, d := range []string{flag, os.Getenv("TIERKV_TRACES")} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, refCSV)); err != nil {
			return "", withHint(fmt.Errorf("%s is not a traces directory (no %s)", d, refCSV),
				"give the directory that holds arc/, lirs/, ... and %s", refCSV)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, cand := range []string{filepath.Join(d, "shared", "traces"), filepath.Join(d, "..", "shared", "traces")} {
			if _, err := os.Stat(filepath.Join(cand, refCSV)); err == nil {
				return filepath.Clean(cand), nil
			}
		}
		if filepath.Dir(d) == d {
			return "", withHint(errors.New("no traces directory found"), "pass --traces DIR or set TIERKV_TRACES")
		}
	}
}

func runSim(c *cli.Context, e *env, cfg sim.Config) error {
	refs, err := sim.LoadReference(filepath.Join(cfg.Dir, refCSV))
	if err != nil {
		return err
	}
	var results []sim.Result
	err = spin(e.stderr, c.Bool("progress"), "replaying traces", func() error {
		var err error
		results, err = sim.Run(context.Background(), cfg)
		return err
	})
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	switch {
	case c.Bool("json"):
		return writeJSON(e.stdout, results)
	case c.Bool("markdown"):
		return sim.WriteTable(e.stdout, results, refs)
	}
	return simTable(e.stdout, results, refs)
}

// simTable prints one row per trace and size: the hit ratio of each
// policy and a few reference figures.
func simTable(w io.Writer, results []sim.Result, refs []sim.Reference) error {
	var kinds []policy.Kind
	for _, r := range results {
		if !slices.Contains(kinds, r.Policy) {
			kinds = append(kinds, r.Policy)
		}
	}
	header := []string{"trace", "size"}
	for _, k := range kinds {
		header = append(header, string(k)+" %")
	}
	header = append(header, "reference %")
	var rows [][]string
	for i := 0; i < len(results); {
		r := results[i]
		row := []string{r.Trace, fmt.Sprintf("%d %s", r.Size, r.Unit)}
		cells := map[policy.Kind]string{}
		for ; i < len(results) && results[i].File == r.File && results[i].Size == r.Size; i++ {
			cells[results[i].Policy] = fmt.Sprintf("%.2f", results[i].HitRatio)
		}
		for _, k := range kinds {
			row = append(row, cells[k])
		}
		rows = append(rows, append(row, refSummary(sim.ReferencesFor(refs, r.File, r.Size))))
	}
	align := alignments(len(header))
	align[len(align)-1] = tw.AlignLeft
	return renderTable(w, header, rows, align)
}

// refSummary names up to four reference figures, one per policy (the
// first figure of each), in refRank order.
func refSummary(refs []sim.Reference) string {
	slices.SortStableFunc(refs, func(a, b sim.Reference) int { return refRank(a) - refRank(b) })
	var parts []string
	seen := map[string]bool{}
	for _, r := range refs {
		// "W-TinyLFU(BitFaster ConcurrentLfu 2-pass)" -> "W-TinyLFU": the
		// table has no room for the variant; --markdown shows it.
		name := r.Policy
		if i := strings.IndexByte(name, '('); i > 0 {
			name = name[:i]
		}
		if seen[name] || len(parts) == 4 {
			continue
		}
		seen[name] = true
		parts = append(parts, fmt.Sprintf("%s %.2f", name, r.HitRatio))
	}
	return strings.Join(parts, ", ")
}

// refRank orders reference figures by use to a reader of the table: the
// exact simulations, then W-TinyLFU's and ARC's published figures, then
// the rest in file order.
func refRank(r sim.Reference) int {
	switch {
	case r.Kind == sim.KindComputed:
		return 0
	case strings.Contains(r.Policy, "TinyLFU"):
		return 1
	case r.Policy == "ARC":
		return 2
	}
	return 3
}
