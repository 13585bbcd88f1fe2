package sim

import (
	"os"
	"path/filepath"
	"testing"
)

// tracesDir returns the shared traces directory, which sits beside the
// repository (../../../shared/traces from this package). Its absence is a
// failure, not a skip: the floors below are the policy's regression test.
func tracesDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "traces"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "expected_hit_ratios.csv")); err != nil {
		t.Fatalf("traces directory missing: %v", err)
	}
	return dir
}
