package engine_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestLayering enforces the one-way dependency rule of docs/ARCHITECTURE.md:
// engine uses memtier, disktier and wal; those three never import engine or
// each other, and only disktier imports Pebble (its vfs package excepted).
func TestLayering(t *testing.T) {
	const module = "github.com/tierkv/tierkv/"
	forbidden := map[string][]string{
		"memtier":  {module + "engine", module + "disktier", module + "wal", "github.com/cockroachdb/pebble/v2"},
		"wal":      {module + "engine", module + "disktier", module + "memtier", "github.com/cockroachdb/pebble/v2"},
		"disktier": {module + "engine", module + "memtier", module + "wal"},
	}
	out, err := exec.Command("go", "list", "-json", "-deps=false", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var pkg struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&pkg); err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		rel := strings.TrimPrefix(pkg.ImportPath, module)
		top, _, _ := strings.Cut(rel, "/")
		for _, dep := range pkg.Deps {
			for _, bad := range forbidden[top] {
				if dep == bad || (strings.HasPrefix(dep, bad+"/") && !allowedPebbleLeaf(dep)) {
					t.Errorf("%s imports %s, which the layering forbids", pkg.ImportPath, dep)
				}
			}
		}
	}
}

// allowedPebbleLeaf reports whether dep is a Pebble package every tier may
// use: vfs is the project's one filesystem abstraction (STYLE.md).
func allowedPebbleLeaf(dep string) bool {
	const pebble = "github.com/cockroachdb/pebble/v2/"
	return strings.HasPrefix(dep, pebble+"vfs") || strings.HasPrefix(dep, pebble+"internal/")
}
