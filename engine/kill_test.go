package engine_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tierkv/tierkv/engine"
)

// killChildEnv, when set, turns this test binary into the writer that
// TestKillDashNine kills: "dir,sync,async,round".
const killChildEnv = "TIERKV_KILL_CHILD"

// TestKillChild is the child's body (it runs only with killChildEnv set):
// it writes keys in order and reports each acknowledged one on stdout,
// until the parent kills it.
func TestKillChild(t *testing.T) {
	spec := os.Getenv(killChildEnv)
	if spec == "" {
		return // not the child
	}
	f := strings.Split(spec, ",")
	sync, _ := strconv.Atoi(f[1])
	db, err := engine.Open(f[0], &engine.Options{
		Sync:               engine.SyncMode(sync),
		AsyncWAL:           f[2] == "true",
		MemTierBytes:       64 << 10, // write-backs and evictions all the time
		CheckpointWALBytes: 256 << 10,
		WALSegmentBytes:    64 << 10,
		MemTableBytes:      256 << 10, // Pebble flushes on its own too
	})
	if err != nil {
		fmt.Printf("open failed: %v\n", err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		if err := db.Put(killKey(i), killValue(i, f[3])); err != nil {
			fmt.Fprintf(out, "put failed: %v\n", err)
			out.Flush()
			os.Exit(3)
		}
		fmt.Fprintf(out, "ack %d\n", i)
		if i%16 == 0 {
			out.Flush()
		}
	}
}

func killKey(i int) []byte             { return fmt.Appendf(nil, "k%05d", i%5000) }
func killValue(i int, r string) []byte { return fmt.Appendf(nil, "v%07d-round%s", i, r) }

// TestKillDashNine runs the writer in a real process on the real
// filesystem and SIGKILLs it mid-write, twice, reopening in between: with
// SyncAlways every acknowledged write survives; so it does with SyncNever
// (a process crash keeps what write(2) handed the kernel); with AsyncWAL
// what survives is a prefix of the acknowledged writes.
func TestKillDashNine(t *testing.T) {
	for _, c := range []struct {
		sync  engine.SyncMode
		async bool
	}{{engine.SyncAlways, false}, {engine.SyncNever, false}, {engine.SyncNever, true}} {
		t.Run(fmt.Sprintf("sync=%s/async=%v", c.sync, c.async), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "db")
			for round := range 2 {
				acked := runKilledWriter(t, dir, c.sync, c.async, round)
				checkKilledWriter(t, dir, round, acked, c.async)
			}
		})
	}
}

// runKilledWriter starts the child, lets it acknowledge a few thousand
// writes, kills it and returns the highest acknowledged index.
func runKilledWriter(t *testing.T, dir string, sync engine.SyncMode, async bool, round int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%d,%v,%d", killChildEnv, dir, int(sync), async, round))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	last, deadline := -1, time.Now().Add(20*time.Second)
	for last < 3000 && time.Now().Before(deadline) && lines.Scan() {
		last = parseAck(t, lines.Text(), last)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() { // acknowledgements still in the pipe count too
		last = parseAck(t, lines.Text(), last)
	}
	_ = cmd.Wait()
	if last < 100 {
		t.Fatalf("round %d: the writer acknowledged only %d writes before the kill", round, last+1)
	}
	return last
}

func parseAck(t *testing.T, line string, last int) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimPrefix(line, "ack "))
	if err != nil || n != last+1 {
		t.Fatalf("child said %q after ack %d", line, last)
	}
	return n
}

// checkKilledWriter reopens the DB (which also proves the dead process's
// lock is gone) and checks the surviving writes against the acknowledged
// ones: all of them, or with async a prefix of them.
func checkKilledWriter(t *testing.T, dir string, round, acked int, async bool) {
	t.Helper()
	db, err := engine.Open(dir, nil)
	if err != nil {
		t.Fatalf("round %d: reopen after kill -9: %v", round, err)
	}
	defer db.Close()
	r := strconv.Itoa(round)
	survived := -1
	for i := acked; i >= 0 && i > acked-5000; i-- {
		v, err := db.Get(killKey(i))
		if err == nil && string(v) == string(killValue(i, r)) {
			survived = i
			break
		}
	}
	if !async && survived != acked {
		t.Fatalf("round %d: write %d was acknowledged, the newest that survived is %d", round, acked, survived)
	}
	if async && survived < 0 {
		t.Fatalf("round %d: none of the last acknowledged writes survived", round)
	}
	// Everything up to the newest survivor survived too: no holes.
	for i := max(0, survived-4999); i <= survived; i++ {
		v, err := db.Get(killKey(i))
		if err != nil || string(v) != string(killValue(i, r)) {
			t.Fatalf("round %d: write %d lost (got %q, %v) though write %d survived", round, i, v, err, survived)
		}
	}
}
