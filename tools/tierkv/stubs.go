package main

import "github.com/urfave/cli/v2"

func simCommand(e *env) *cli.Command { return &cli.Command{Name: "sim"} }
