package engine_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// advHolderEnv, when set, turns this test binary into a process that holds
// a DB open ("dir,readonly") until its stdin closes.
const advHolderEnv = "TIERKV_ADV_HOLDER"

// TestAdvHolderChild is the holder's body; it does nothing unless
// advHolderEnv is set.
func TestAdvHolderChild(t *testing.T) {
	spec := os.Getenv(advHolderEnv)
	if spec == "" {
		return
	}
	f := strings.Split(spec, ",")
	db, err := engine.Open(f[0], &engine.Options{ReadOnly: f[1] == "true"})
	if err != nil {
		fmt.Printf("open failed: %v\n", err)
		os.Exit(3)
	}
	fmt.Println("open")
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := db.Close(); err != nil {
		fmt.Printf("close failed: %v\n", err)
		os.Exit(3)
	}
	os.Exit(0)
}

// TestAdvLockAcrossProcesses: while another process holds the DB open
// (read-write or read-only), Open in this process, read-write or
// read-only, returns ErrLocked; once it closes, Open succeeds and sees the
// data.
func TestAdvLockAcrossProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	db, err := engine.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Put([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, holderRO := range []bool{false, true} {
		t.Run(fmt.Sprintf("holder-readonly=%v", holderRO), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestAdvHolderChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%v", advHolderEnv, dir, holderRO))
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
				_ = cmd.Wait()
			}()
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || line != "open\n" {
				t.Fatalf("holder: %q, %v", line, err)
			}
			for _, ro := range []bool{false, true} {
				if db, err := engine.Open(dir, &engine.Options{ReadOnly: ro}); !errors.Is(err, engine.ErrLocked) {
					if db != nil {
						db.Close()
					}
					t.Fatalf("Open(ReadOnly=%v) while another process holds the DB: %v, want ErrLocked", ro, err)
				}
			}
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Fatalf("holder exited with %v", err)
			}
			db, err := engine.Open(dir, nil)
			if err != nil {
				t.Fatalf("Open after the holder closed: %v", err)
			}
			defer db.Close()
			if v, err := db.Get([]byte("k")); err != nil || string(v) != "v" {
				t.Fatalf("after the holder closed: (%q, %v)", v, err)
			}
		})
	}
}

// TestAdvConcurrentOpens: many goroutines open the same directory at once
// (read-write and read-only): exactly one wins, the others get ErrLocked,
// and once it closes the next Open sees everything it wrote.
func TestAdvConcurrentOpens(t *testing.T) {
	for _, real := range []bool{false, true} {
		t.Run(fmt.Sprintf("real-fs=%v", real), func(t *testing.T) {
			opts := &engine.Options{FS: vfs.NewMem()}
			dir := "db"
			if real {
				opts.FS, dir = nil, filepath.Join(t.TempDir(), "db")
			}
			// Create it first: a read-only open of a missing DB is ErrNotExist.
			db, err := engine.Open(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var winners []*engine.DB
			for i := range 8 {
				wg.Go(func() {
					o := *opts
					o.ReadOnly = i%2 == 1
					db, err := engine.Open(dir, &o)
					if err != nil {
						if !errors.Is(err, engine.ErrLocked) {
							t.Errorf("open %d: %v, want ErrLocked", i, err)
						}
						return
					}
					mu.Lock()
					winners = append(winners, db)
					mu.Unlock()
				})
			}
			wg.Wait()
			if len(winners) != 1 {
				for _, db := range winners {
					db.Close()
				}
				t.Fatalf("%d concurrent Opens succeeded, want exactly 1", len(winners))
			}
			_ = winners[0].Put([]byte("k"), []byte("v")) // ErrReadOnly if a read-only open won
			if err := winners[0].Close(); err != nil {
				t.Fatal(err)
			}
			if db, err = engine.Open(dir, opts); err != nil {
				t.Fatal(err)
			}
			db.Close()
		})
	}
}
