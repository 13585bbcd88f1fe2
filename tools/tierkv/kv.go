package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/tierkv/tierkv/engine"
	"github.com/urfave/cli/v2"
)

func getCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "print the value of a key",
		ArgsUsage: "DIR KEY",
		Description: "Opens DIR read-only and prints KEY's value followed by a newline (text that\n" +
			"is not printable is Go-quoted; use --hex or --base64 for binary). Exit status 1\n" +
			"if the key is absent.",
		Flags: append([]cli.Flag{jsonFlag}, codecFlags...),
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 2, 2, "DIR KEY")
			if err != nil {
				return err
			}
			cd, err := codecOf(c)
			if err != nil {
				return err
			}
			key, err := cd.decodeKey(a[1])
			if err != nil {
				return usagef(c.Command.HelpName, "%v", err)
			}
			db, err := openReadOnly(a[0])
			if err != nil {
				return err
			}
			defer db.Close()
			v, err := db.Get(key)
			if errors.Is(err, engine.ErrNotFound) {
				return fmt.Errorf("key %s not found in %s", cd.encode(key), a[0])
			}
			if err != nil {
				return explainOpen(a[0], err)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, map[string]string{"key": cd.encode(key), "value": cd.encode(v)})
			}
			_, err = fmt.Fprintln(e.stdout, cd.encode(v))
			return err
		},
	}
}

var createFlag = &cli.BoolFlag{Name: "create", Usage: "create the DB if DIR holds none"}

func putCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "put",
		Usage:     "set a key to a value",
		ArgsUsage: "DIR KEY [VALUE|-]",
		Description: "Writes KEY=VALUE durably (the WAL is fsynced) and closes the DB cleanly.\n" +
			"Without VALUE, or with -, the value is read from stdin (verbatim as text;\n" +
			"--hex/--base64 input may end in white space).",
		Flags: append([]cli.Flag{createFlag}, codecFlags...),
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 2, 3, "DIR KEY [VALUE|-]")
			if err != nil {
				return err
			}
			cd, err := codecOf(c)
			if err != nil {
				return err
			}
			key, err := cd.decodeKey(a[1])
			if err != nil {
				return usagef(c.Command.HelpName, "%v", err)
			}
			var val []byte
			if len(a) == 3 && a[2] != "-" {
				val, err = cd.decode(a[2], "VALUE")
				if err != nil {
					return usagef(c.Command.HelpName, "%v", err)
				}
			} else {
				in, err := io.ReadAll(e.stdin)
				if err != nil {
					return fmt.Errorf("read value from stdin: %w", err)
				}
				if val, err = cd.decodeInput(in); err != nil {
					return usagef(c.Command.HelpName, "%v", err)
				}
			}
			return update(a[0], c.Bool("create"), func(db *engine.DB) error { return db.Put(key, val) })
		},
	}
}

func delCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:        "del",
		Aliases:     []string{"delete"},
		Usage:       "delete a key",
		ArgsUsage:   "DIR KEY",
		Description: "Deletes KEY durably. Deleting an absent key is not an error.",
		Flags:       codecFlags,
		Action: func(c *cli.Context) error {
			a, err := argsRange(c, 2, 2, "DIR KEY")
			if err != nil {
				return err
			}
			cd, err := codecOf(c)
			if err != nil {
				return err
			}
			key, err := cd.decodeKey(a[1])
			if err != nil {
				return usagef(c.Command.HelpName, "%v", err)
			}
			return update(a[0], false, func(db *engine.DB) error { return db.Delete(key) })
		},
	}
}

// update opens dir for writing, runs fn and closes the DB, reporting the
// first error.
func update(dir string, create bool, fn func(*engine.DB) error) error {
	db, err := openDB(dir, nil, create)
	if err != nil {
		return err
	}
	err = fn(db)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, engine.ErrEmptyKey) || errors.Is(err, engine.ErrKeyTooLarge) ||
		errors.Is(err, engine.ErrValueTooLarge) {
		return &usageError{cmd: "tierkv", err: err}
	}
	return err
}
