package sim

import (
	"fmt"
	"io"
	"strings"

	"github.com/tierkv/tierkv/memtier/policy"
)

// WriteTable writes results as a Markdown table with one row per trace and
// size, a column per policy (hit ratio in percent, 2 decimals), and the
// reference figures for that trace and size beside them: published figures
// as "ARC 38.93", third-party simulations marked "[3p]", the collection's
// own exact simulations marked "[exact]". It returns w's first error.
func WriteTable(w io.Writer, results []Result, refs []Reference) error {
	kinds := policiesOf(results)
	var b strings.Builder
	b.WriteString("| trace | size | unit |")
	for _, k := range kinds {
		fmt.Fprintf(&b, " %s |", k)
	}
	b.WriteString(" reference figures (%) |\n|---|---:|---|")
	for range kinds {
		b.WriteString("---:|")
	}
	b.WriteString("---|\n")
	for _, row := range rowsOf(results) {
		fmt.Fprintf(&b, "| %s | %d | %s |", row[0].Trace, row[0].Size, row[0].Unit)
		for _, k := range kinds {
			cell := ""
			for _, r := range row {
				if r.Policy == k {
					cell = fmt.Sprintf("%.2f", r.HitRatio)
				}
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		fmt.Fprintf(&b, " %s |\n", formatRefs(ReferencesFor(refs, row[0].File, row[0].Size)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// policiesOf lists the policies of results in first-seen order.
func policiesOf(results []Result) []policy.Kind {
	var kinds []policy.Kind
	seen := map[policy.Kind]bool{}
	for _, r := range results {
		if !seen[r.Policy] {
			seen[r.Policy] = true
			kinds = append(kinds, r.Policy)
		}
	}
	return kinds
}

// rowsOf groups results by (file, size), keeping first-seen order.
func rowsOf(results []Result) [][]Result {
	type key struct {
		file string
		size int64
	}
	index := map[key]int{}
	var rows [][]Result
	for _, r := range results {
		k := key{r.File, r.Size}
		i, ok := index[k]
		if !ok {
			i = len(rows)
			index[k] = i
			rows = append(rows, nil)
		}
		rows[i] = append(rows[i], r)
	}
	return rows
}

// formatRefs renders reference rows compactly, dropping exact duplicates
// (the same figure from two sources).
func formatRefs(refs []Reference) string {
	var parts []string
	seen := map[string]bool{}
	for _, r := range refs {
		s := fmt.Sprintf("%s %s", r.Policy, strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", r.HitRatio), "0"), "."))
		switch r.Kind {
		case KindThirdParty:
			s += " [3p]"
		case KindComputed:
			s += " [exact]"
		}
		if !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}
