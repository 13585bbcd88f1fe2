package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/urfave/cli/v2"
)

var jsonFlag = &cli.BoolFlag{Name: "json", Usage: "print JSON instead of text"}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeTable prints rows under header as a table with right-aligned
// columns (all but the first, which holds names).
func writeTable(w io.Writer, header []string, rows [][]string) error {
	return renderTable(w, header, rows, alignments(len(header)))
}

// writeTextTable prints rows under header with every column left-aligned.
func writeTextTable(w io.Writer, header []string, rows [][]string) error {
	a := make([]tw.Align, len(header))
	for i := range a {
		a[i] = tw.AlignLeft
	}
	return renderTable(w, header, rows, a)
}

func renderTable(w io.Writer, header []string, rows [][]string, align []tw.Align) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
}

func alignments(n int) []tw.Align {
	a := make([]tw.Align, n)
	for i := range a {
		a[i] = tw.AlignRight
	}
	if n > 0 {
		a[0] = tw.AlignLeft
	}
	return a
}

// kv prints "name: value" lines with the names padded to one width.
type kv struct {
	w     io.Writer
	width int
}

func (p kv) line(name string, format string, args ...any) {
	fmt.Fprintf(p.w, "%-*s %s\n", p.width, name+":", fmt.Sprintf(format, args...))
}

// bytesStr formats a byte count in binary units.
func bytesStr(n int64) string {
	const unit = 1024
	if n < unit && n > -unit {
		return fmt.Sprintf("%d B", n)
	}
	f, suffixes := float64(n), "KMGTPE"
	i := -1
	for (f >= unit || f <= -unit) && i < len(suffixes)-1 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, suffixes[i])
}
