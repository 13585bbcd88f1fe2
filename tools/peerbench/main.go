package main

import (
	_ "github.com/HdrHistogram/hdrhistogram-go"
	_ "github.com/cockroachdb/pebble/v2"
	_ "github.com/dgraph-io/badger/v4"
	_ "github.com/dgraph-io/ristretto/v2"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/tierkv/tierkv/engine"
	_ "gonum.org/v1/plot"
)

func main() {}
