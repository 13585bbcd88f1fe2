package main

import "github.com/urfave/cli/v2"

func demoCommand(e *env) *cli.Command    { return &cli.Command{Name: "demo"} }
func inspectCommand(e *env) *cli.Command { return &cli.Command{Name: "inspect"} }
func benchCommand(e *env) *cli.Command   { return &cli.Command{Name: "bench"} }
func simCommand(e *env) *cli.Command     { return &cli.Command{Name: "sim"} }
