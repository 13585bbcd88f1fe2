package wal

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// crashCase is one crash-test configuration.
type crashCase struct {
	mode     SyncMode
	unsynced int // CrashCloneCfg.UnsyncedDataPercent
	writers  int
}

// crashPoint is a crash clone and what must survive in it.
type crashPoint struct {
	fs      *vfs.MemFS
	durable map[uint64]int // seq -> genOps index of appends that must survive
}

// TestCrashRecovery crashes a log at hundreds of points while writers
// append, and checks each crash clone: the replayed records are exactly
// seqs 1..m for some m (never a hole), each with the complete batch that
// was appended under that seq, and m covers every append that was durable
// before the crash (acknowledged with SyncAlways, or followed by a Sync).
func TestCrashRecovery(t *testing.T) {
	cases := []crashCase{
		{SyncAlways, 0, 4},
		{SyncAlways, 50, 4},
		{SyncAlways, 100, 1},
		{SyncNever, 0, 4},
		{SyncNever, 30, 4},
		{SyncNever, 80, 1},
		{SyncInterval, 50, 4},
	}
	seeds := 6
	if raceEnabled {
		seeds = 3 // still well over a thousand crash points, in CI's time budget
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("sync=%s/unsynced=%d/writers=%d", c.mode, c.unsynced, c.writers), func(t *testing.T) {
			points := 0
			for seed := range uint64(seeds) {
				points += runCrashSeed(t, c, seed)
			}
			if points < 50*seeds/6 {
				t.Fatalf("only %d crash points", points)
			}
			t.Logf("%d crash points", points)
		})
	}
}

// runCrashSeed runs one seeded workload and returns the number of crash
// points it checked.
func runCrashSeed(t *testing.T, c crashCase, seed uint64) int {
	rng := rand.New(rand.NewPCG(seed, uint64(c.mode)))
	fs := vfs.NewCrashableMem()
	l := openT(t, fs, &Options{SegmentBytes: 4096, Sync: c.mode, SyncInterval: time.Millisecond})
	const perWriter = 80
	var mu sync.Mutex
	acked := map[uint64]int{}
	progress := make(chan struct{}, c.writers*perWriter)
	var wg sync.WaitGroup
	for w := range c.writers {
		wg.Go(func() {
			for j := range perWriter {
				id := j*c.writers + w
				seq, err := l.Append(genOps(id))
				if err != nil {
					t.Errorf("seed %d: Append: %v", seed, err)
					return
				}
				mu.Lock()
				acked[seq] = id
				mu.Unlock()
				progress <- struct{}{}
			}
		})
	}
	snapshot := func() map[uint64]int {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(acked)
	}
	var points []crashPoint
	durable := map[uint64]int{}
	for got := 0; got < c.writers*perWriter; {
		for step := 1 + rng.IntN(12); step > 0 && got < c.writers*perWriter; step-- {
			<-progress
			got++
		}
		if c.mode == SyncAlways {
			durable = snapshot()
		} else if rng.IntN(4) == 0 {
			snap := snapshot()
			if err := l.Sync(); err != nil {
				t.Fatalf("seed %d: Sync: %v", seed, err)
			}
			durable = snap
		}
		clone := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: c.unsynced, RNG: rng})
		points = append(points, crashPoint{fs: clone, durable: durable})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatalf("seed %d: Close: %v", seed, err)
	}
	points = append(points, crashPoint{fs: fs.CrashClone(vfs.CrashCloneCfg{}), durable: snapshot()})
	for i, p := range points {
		checkCrashPoint(t, p, acked, fmt.Sprintf("seed %d point %d", seed, i))
	}
	return len(points)
}

func checkCrashPoint(t *testing.T, p crashPoint, all map[uint64]int, where string) {
	l, err := Open("wal", &Options{FS: p.fs})
	if err != nil {
		t.Fatalf("%s: Open: %v", where, err)
	}
	defer l.Close()
	var m uint64
	err = l.Replay(0, func(b *Batch) error {
		if b.Seq != m+1 {
			return fmt.Errorf("hole: seq %d after %d", b.Seq, m)
		}
		m = b.Seq
		id, ok := all[b.Seq]
		if !ok {
			return fmt.Errorf("seq %d was never acknowledged", b.Seq)
		}
		if !equalOps(b.Ops, genOps(id)) {
			return fmt.Errorf("seq %d: batch differs from what was appended", b.Seq)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: Replay: %v", where, err)
	}
	for seq := range p.durable {
		if seq > m {
			t.Fatalf("%s: durable seq %d lost (replayed 1..%d); recovery %v", where, seq, m, l.Recovered())
		}
	}
	// The recovered log takes appends at the next sequence number.
	if seq, err := l.Append(genOps(0)); err != nil || seq != m+1 {
		t.Fatalf("%s: Append after recovery: seq %d err %v", where, seq, err)
	}
}
