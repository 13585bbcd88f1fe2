package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// env is what the commands read from and write to; tests replace all of it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// tty says whether stderr is a terminal: the default of --progress.
	tty bool
}

// run executes the command line args and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	err := app.Run(hoistFlags(app, args))
	return report(stderr, err)
}

// report prints err (if any) on w and returns the exit status for it.
func report(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errDamage) {
		return exitError
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "tierkv: %s\nRun '%s --help' for usage.\n", strings.TrimPrefix(oneLine(ue.err.Error()), "tierkv: "), ue.cmd)
		return exitUsage
	}
	msg := oneLine(err.Error())
	if !strings.HasPrefix(msg, "tierkv: ") {
		msg = "tierkv: " + msg
	}
	fmt.Fprintln(w, msg)
	var he *hintError
	if errors.As(err, &he) && he.hint != "" {
		fmt.Fprintf(w, "hint: %s\n", he.hint)
	}
	return exitError
}

// newApp builds the tierkv command-line application over the given streams.
func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, tty: isTerminal(stderr)}
	app := &cli.App{
		Name:  "tierkv",
		Usage: "inspect, operate, verify and benchmark tierkv databases",
		Description: "A tierkv DB is a directory: DIR/LOCK, DIR/wal/ (write-ahead log segments) and\n" +
			"DIR/disk/ (the Pebble disk tier). Commands that only read never create or change it.\n" +
			"Exit status: 0 ok, 1 error, 2 bad usage. Flags may come before or after arguments.",
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideVersion:     true,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {},
		Commands: []*cli.Command{
			demoCommand(e),
			getCommand(e), putCommand(e), delCommand(e), scanCommand(e),
			inspectCommand(e), statsCommand(e),
			checkpointCommand(e), compactCommand(e),
			walCommand(e), verifyCommand(e),
			benchCommand(e), simCommand(e),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("tierkv", "unknown command %q", c.Args().First())
			}
			_ = cli.ShowAppHelp(c)
			return usagef("tierkv", "no command given")
		},
	}
	setUsageErrors(app.Commands, "tierkv")
	app.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return &usageError{cmd: "tierkv", err: err}
	}
	return app
}

// setUsageErrors makes every flag-parsing error of cmds a usageError
// naming the command, instead of urfave/cli's help dump with status 1.
func setUsageErrors(cmds []*cli.Command, parent string) {
	for _, c := range cmds {
		path := parent + " " + c.Name
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
			return &usageError{cmd: path, err: err}
		}
		c.HideHelpCommand = true
		setUsageErrors(c.Subcommands, path)
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// argsRange checks that the command got between lo and hi positional
// arguments and returns them.
func argsRange(c *cli.Context, lo, hi int, usage string) ([]string, error) {
	a := c.Args().Slice()
	if len(a) < lo || len(a) > hi {
		path := c.Command.HelpName
		if path == "" {
			path = "tierkv " + c.Command.Name
		}
		return nil, usagef(path, "usage: %s %s", path, usage)
	}
	return a, nil
}

// hoistFlags moves the flags of the leaf command named in args before its
// positional arguments, because urfave/cli v2 stops parsing flags at the
// first argument: `tierkv scan DIR --limit 3` then works as users expect.
// Everything after "--" stays positional.
func hoistFlags(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	cmds, i := app.Commands, 1
	var leaf *cli.Command
	for i < len(args) {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		out, leaf, cmds = append(out, args[i]), c, c.Subcommands
		i++
	}
	if leaf == nil || len(leaf.Subcommands) > 0 {
		return args
	}
	var flags, pos []string
	dashes := false
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos, dashes = append(pos, args[i+1:]...), true
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if !strings.Contains(a, "=") && takesValue(leaf, a) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			pos = append(pos, a)
		}
	}
	out = append(out, flags...)
	if dashes {
		// Keep the terminator first, so that positional arguments that
		// look like flags (a value "-5") stay arguments.
		out = append(out, "--")
	}
	return append(out, pos...)
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether flag token a names a flag of c that needs a
// value (any flag but a bool).
func takesValue(c *cli.Command, a string) bool {
	name := strings.TrimLeft(a, "-")
	for _, f := range c.Flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}
