package main

import (
	"errors"
	"fmt"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// errDamage reports that verify found damage (the problems were already
// printed).
var errDamage = errors.New("tierkv: damage found")

// usageError is a mistake in the command line: exit status 2.
type usageError struct {
	cmd string // the command path for the help hint, e.g. "tierkv scan"
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// hintError is a failure with advice on what to do about it.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, format string, args ...any) error {
	return &hintError{err: err, hint: fmt.Sprintf(format, args...)}
}
