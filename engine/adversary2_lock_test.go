package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// TestAdv2LockThroughSymlinks opens one directory on the real filesystem
// under two spellings that differ by symlinks: the second Open (read-write
// or read-only) must fail with ErrLocked while the first DB is open, and
// succeed, seeing the first one's writes, once it is closed. Before lockDir
// resolved symlinks both Opens succeeded: the same-process lock check
// compares path strings, and fcntl locks never exclude their own process
// (two DBs writing one directory; closing either dropped the other's lock).
func TestAdv2LockThroughSymlinks(t *testing.T) {
	tmp := t.TempDir()
	real := filepath.Join(tmp, "real")
	if err := os.MkdirAll(filepath.Join(real, "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"link": real, "link2": filepath.Join(tmp, "link"), "dblink": filepath.Join(real, "db")}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(tmp, name)); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ name, first, second string }{
		{"ancestor-link", "real/db", "link/db"},
		{"link-first", "link/db", "real/db"},
		{"link-to-link", "real/db", "link2/db"},
		{"db-dir-link", "dblink", "real/db"},
		{"both-links", "dblink", "link2/db"},
	}
	for _, c := range cases {
		for _, ro := range []bool{false, true} {
			t.Run(c.name+map[bool]string{false: "/second=rw", true: "/second=ro"}[ro], func(t *testing.T) {
				db, err := engine.Open(filepath.Join(tmp, c.first), nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := db.Put([]byte("by"), []byte(c.name)); err != nil {
					t.Fatal(err)
				}
				second := &engine.Options{ReadOnly: ro}
				if db2, err := engine.Open(filepath.Join(tmp, c.second), second); !errors.Is(err, engine.ErrLocked) {
					if err == nil {
						db2.Close()
					}
					db.Close()
					t.Fatalf("second Open through %q: %v, want ErrLocked", c.second, err)
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				db2, err := engine.Open(filepath.Join(tmp, c.second), second)
				if err != nil {
					t.Fatalf("Open through %q after Close: %v", c.second, err)
				}
				defer db2.Close()
				if v, err := db2.Get([]byte("by")); err != nil || string(v) != c.name {
					t.Fatalf("through %q: got (%q, %v), want %q", c.second, v, err, c.name)
				}
			})
		}
	}
}
