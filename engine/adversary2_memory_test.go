package engine_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// adv2BudgetEnv, when set to a byte count, turns this test binary into a
// process that opens a DB with that MemTierBytes and prints the outcome.
const adv2BudgetEnv = "TIERKV_ADV2_BUDGET"

// TestAdv2BudgetChild is the child's body; it does nothing unless
// adv2BudgetEnv is set.
func TestAdv2BudgetChild(t *testing.T) {
	spec := os.Getenv(adv2BudgetEnv)
	if spec == "" {
		return
	}
	budget, err := strconv.ParseInt(spec, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	db, err := engine.Open("db", &engine.Options{FS: vfs.NewMem(), MemTierBytes: budget})
	switch {
	case errors.Is(err, engine.ErrInvalidOptions):
		fmt.Println("outcome: refused")
	case err != nil:
		fmt.Printf("outcome: %v\n", err)
	default:
		fmt.Println("outcome: opened")
		_ = db.Close()
	}
	os.Exit(0)
}

// TestAdv2HugeBudgetIsRefusedNotFatal opens, in a child process, DBs with
// a budget that Validate's bound (MaxMemTierBytes, 16 TiB) accepted but
// no ordinary machine holds. Open must return (refusing them with
// ErrInvalidOptions, or opening) instead of killing the process: with a
// 1 TiB budget it died of "fatal error: runtime: out of memory" on a 23
// GiB machine, allocating the memory tier's frequency sketch (1/16 of the
// budget) at once. A budget the machine holds still opens.
func TestAdv2HugeBudgetIsRefusedNotFatal(t *testing.T) {
	cases := []struct {
		budget int64
		want   []string // acceptable outcomes
	}{
		{1 << 40, []string{"refused", "opened"}},
		{64 << 20, []string{"opened"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("budget=%d", c.budget), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestAdv2BudgetChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", adv2BudgetEnv, c.budget))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the child died: %v\n%s", err, firstLines(string(out), 6))
			}
			_, got, _ := strings.Cut(string(out), "outcome: ")
			got, _, _ = strings.Cut(got, "\n")
			for _, w := range c.want {
				if got == w {
					return
				}
			}
			t.Fatalf("Open with MemTierBytes %d: %q, want one of %q", c.budget, got, c.want)
		})
	}
}
