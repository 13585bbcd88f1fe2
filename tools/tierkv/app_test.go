package main

import (
	"slices"
	"strings"
	"testing"
)

func TestHoistFlags(t *testing.T) {
	app := newApp(nil, nil, nil)
	for _, tc := range []struct{ in, want string }{
		{"tierkv scan DIR --limit 3 -k", "tierkv scan --limit 3 -k DIR"},
		{"tierkv scan --prefix=a DIR --reverse", "tierkv scan --prefix=a --reverse DIR"},
		{"tierkv put DIR k -", "tierkv put DIR k -"},
		{"tierkv put DIR --hex -- 6b -5", "tierkv put --hex -- DIR 6b -5"},
		{"tierkv wal dump DIR --from 3 -v", "tierkv wal dump --from 3 -v DIR"},
		{"tierkv wal", "tierkv wal"},
		{"tierkv frob a --x", "tierkv frob a --x"},
		{"tierkv", "tierkv"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got := hoistFlags(app, strings.Fields(tc.in))
			if !slices.Equal(got, strings.Fields(tc.want)) {
				t.Fatalf("hoistFlags(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestDashDashValue checks that a value that looks like a flag can be
// given after "--".
func TestDashDashValue(t *testing.T) {
	dir := newDB(t)
	runCLI(t, "", "put", dir, "--", "k", "-5").expect(t, 0, nil, nil)
	runCLI(t, "", "get", dir, "k").expect(t, 0, []string{"-5\n"}, nil)
	runCLI(t, "", "put", dir, "k", "-5").expect(t, 2, nil, []string{"flag provided but not defined: -5"})
}
