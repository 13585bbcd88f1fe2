//go:build unix

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// holderEnv names the DB directory that the helper process holds open.
const holderEnv = "TIERKV_TEST_HOLD_DB"

// TestHelperHoldDB is not a test: run by TestLockedByOtherProcess as a
// child process, it opens the DB, says "ready" and holds the DB open until
// its stdin closes.
func TestHelperHoldDB(t *testing.T) {
	dir := os.Getenv(holderEnv)
	if dir == "" {
		return
	}
	db, err := engine.Open(dir, nil)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	db.Close()
	os.Exit(0)
}

// TestLockedByOtherProcess checks that a DB open in another process is
// reported with that process's id, and that inspect still works.
func TestLockedByOtherProcess(t *testing.T) {
	dir, _ := walDB(t, 1)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldDB$")
	cmd.Env = append(os.Environ(), holderEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	holder := fmt.Sprintf("held by process %d", cmd.Process.Pid)
	runCLI(t, "", "get", dir, "k").expect(t, 1, nil, []string{"is in use", holder})
	runCLI(t, "", "wal", "repair", dir).expect(t, 1, nil, []string{holder})
	runCLI(t, "", "inspect", dir).expect(t, 0, []string{"in use: its lock is " + holder, "WAL:"}, nil)
	runCLI(t, "", "wal", "dump", dir).expect(t, 0, []string{"seq 1 "}, nil)
}
