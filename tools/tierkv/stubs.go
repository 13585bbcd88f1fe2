package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// simCommand stands in for `tierkv sim` until the policy simulator
// (memtier/sim) is part of the build.
func simCommand(*env) *cli.Command {
	return &cli.Command{
		Name:  "sim",
		Usage: "the policy simulator over trace files (not in this build yet)",
		Action: func(*cli.Context) error {
			return withHint(errors.New("sim is not in this build: the policy simulator (memtier/sim) has not landed yet"),
				"meanwhile `go test ./memtier/policy/...` checks the policies")
		},
	}
}
