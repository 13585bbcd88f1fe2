package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/tierkv/tierkv/engine"
	"github.com/urfave/cli/v2"
)

func scanCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "print keys and values in key order",
		ArgsUsage: "DIR",
		Description: "Opens DIR read-only and prints one \"KEY<TAB>VALUE\" line per key in\n" +
			"[--start, --end) and under --prefix, in byte order (or reversed). Text that is\n" +
			"not printable is Go-quoted. --json prints one JSON object per line.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "prefix", Usage: "only keys starting with `P`"},
			&cli.StringFlag{Name: "start", Usage: "first key `K` (inclusive)"},
			&cli.StringFlag{Name: "end", Usage: "end key `K` (exclusive)"},
			&cli.IntFlag{Name: "limit", Usage: "print at most `N` keys (0: all)"},
			&cli.BoolFlag{Name: "reverse", Aliases: []string{"r"}, Usage: "from the last key to the first"},
			&cli.BoolFlag{Name: "keys-only", Aliases: []string{"k"}, Usage: "print keys only"},
			jsonFlag,
		}, codecFlags...),
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 1, 1, "DIR")
			if err != nil {
				return err
			}
			if c.Int("limit") < 0 {
				return usagef(c.Command.HelpName, "--limit must not be negative")
			}
			bounds, err := scanBounds(c)
			if err != nil {
				return err
			}
			db, err := openReadOnly(a[0])
			if err != nil {
				return err
			}
			defer db.Close()
			return scan(c, e, db, bounds)
		},
	}
}

// scanBounds computes the iterator bounds from --prefix, --start and --end.
func scanBounds(c *cli.Context) (*engine.IterOptions, error) {
	cd, err := codecOf(c)
	if err != nil {
		return nil, err
	}
	var o engine.IterOptions
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{"start", &o.LowerBound}, {"end", &o.UpperBound}} {
		if c.IsSet(f.name) {
			if *f.dst, err = cd.decode(c.String(f.name), "--"+f.name); err != nil {
				return nil, usagef(c.Command.HelpName, "%v", err)
			}
		}
	}
	if c.IsSet("prefix") {
		p, err := cd.decode(c.String("prefix"), "--prefix")
		if err != nil {
			return nil, usagef(c.Command.HelpName, "%v", err)
		}
		if o.LowerBound == nil || bytes.Compare(p, o.LowerBound) > 0 {
			o.LowerBound = p
		}
		if end := prefixEnd(p); end != nil && (o.UpperBound == nil || bytes.Compare(end, o.UpperBound) < 0) {
			o.UpperBound = end
		}
	}
	return &o, nil
}

func scan(c *cli.Context, e *env, db *engine.DB, bounds *engine.IterOptions) error {
	cd, _ := codecOf(c)
	it, err := db.NewIter(bounds)
	if err != nil {
		return err
	}
	defer it.Close()
	w := bufio.NewWriter(e.stdout)
	limit, reverse, keysOnly, asJSON := c.Int("limit"), c.Bool("reverse"), c.Bool("keys-only"), c.Bool("json")
	enc := json.NewEncoder(w)
	valid := it.First
	step := it.Next
	if reverse {
		valid, step = it.Last, it.Prev
	}
	if bounds.LowerBound != nil && bounds.UpperBound != nil && bytes.Compare(bounds.LowerBound, bounds.UpperBound) >= 0 {
		return w.Flush() // an empty range
	}
	n := 0
	for ok := valid(); ok && (limit == 0 || n < limit); ok = step() {
		n++
		switch {
		case asJSON && keysOnly:
			err = enc.Encode(map[string]string{"key": cd.encode(it.Key())})
		case asJSON:
			err = enc.Encode(map[string]string{"key": cd.encode(it.Key()), "value": cd.encode(it.Value())})
		case keysOnly:
			_, err = fmt.Fprintln(w, cd.encode(it.Key()))
		default:
			_, err = fmt.Fprintf(w, "%s\t%s\n", cd.encode(it.Key()), cd.encode(it.Value()))
		}
		if err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return explainOpen(c.Args().First(), err)
	}
	return w.Flush()
}
