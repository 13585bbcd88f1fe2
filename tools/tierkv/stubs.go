package main

import "github.com/urfave/cli/v2"

func inspectCommand(e *env) *cli.Command { return &cli.Command{Name: "inspect"} }
func simCommand(e *env) *cli.Command     { return &cli.Command{Name: "sim"} }
