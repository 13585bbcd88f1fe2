package wal

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// syncCounter counts fsyncs of segment files and can make them take time
// (fake time under synctest).
type syncCounter struct {
	syncs atomic.Int64
	delay time.Duration
}

func (c *syncCounter) String() string { return "syncCounter" }

func (c *syncCounter) MaybeError(op errorfs.Op) error {
	if (op.Kind == errorfs.OpFileSyncData || op.Kind == errorfs.OpFileSync) && strings.HasSuffix(op.Path, segmentExt) {
		c.syncs.Add(1)
		if c.delay > 0 {
			time.Sleep(c.delay)
		}
	}
	return nil
}

// TestConcurrentAppenders runs 64 appenders: every append gets a distinct
// sequence number, the log holds 1..N in order with the right batches.
func TestConcurrentAppenders(t *testing.T) {
	for _, c := range []struct {
		mode  SyncMode
		async bool
	}{{SyncAlways, false}, {SyncNever, false}, {SyncNever, true}} {
		t.Run(fmt.Sprintf("sync=%s/async=%v", c.mode, c.async), func(t *testing.T) {
			fs := vfs.NewMem()
			l := openT(t, fs, &Options{Sync: c.mode, AsyncWrites: c.async, SegmentBytes: 32 << 10})
			const writers, each = 64, 40
			ids := make([]int, writers*each+1)
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for j := range each {
						id := j*writers + w
						seq, err := l.Append(genOps(id))
						if err != nil || seq == 0 || seq > writers*each || ids[seq] != 0 {
							t.Errorf("Append: seq %d err %v (duplicate or out of range)", seq, err)
							return
						}
						ids[seq] = id + 1 // distinct seqs: no two goroutines write one slot
					}
				})
			}
			wg.Wait()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l = openT(t, fs, nil)
			defer l.Close()
			got := replayAll(t, l, 0)
			if len(got) != writers*each {
				t.Fatalf("replayed %d, want %d", len(got), writers*each)
			}
			for i, b := range got {
				if b.Seq != uint64(i+1) || !equalOps(b.Ops, genOps(ids[b.Seq]-1)) {
					t.Fatalf("record %d: seq %d", i, b.Seq)
				}
			}
		})
	}
}

// TestGroupCommitSharesFsyncs makes each fsync take 1ms of fake time: 64
// synced appenders queue behind it and share the next one.
func TestGroupCommitSharesFsyncs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &syncCounter{delay: time.Millisecond}
		l := openT(t, errorfs.Wrap(vfs.NewMem(), c), nil)
		base := c.syncs.Load()
		const writers, each = 64, 10
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() { appendN(t, l, w*each, each) })
		}
		wg.Wait()
		syncs := c.syncs.Load() - base
		if perSync := float64(writers*each) / float64(syncs); perSync < 16 {
			t.Fatalf("%d fsyncs for %d appends (%.1f per fsync), want group commit", syncs, writers*each, perSync)
		}
		l.Close()
	})
}

// TestSingleWriterOneFsyncPerAppend: with SyncAlways and one writer, each
// append costs exactly one fsync.
func TestSingleWriterOneFsyncPerAppend(t *testing.T) {
	c := &syncCounter{}
	l := openT(t, errorfs.Wrap(vfs.NewMem(), c), nil)
	defer l.Close()
	for i := range 50 {
		before := c.syncs.Load()
		appendN(t, l, i, 1)
		if n := c.syncs.Load() - before; n != 1 {
			t.Fatalf("append %d cost %d fsyncs", i, n)
		}
	}
	if st := l.Stats(); st.Appends != 50 || st.Syncs != 50 || st.Writes != 50 || st.BytesWritten != uint64(l.Size()) {
		t.Fatalf("Stats: %+v, size %d", st, l.Size())
	}
	before := c.syncs.Load()
	if err := l.Sync(); err != nil || c.syncs.Load() != before {
		t.Fatalf("Sync with nothing unsynced: err %v, %d fsyncs", err, c.syncs.Load()-before)
	}
}

// TestSyncModes checks when each mode fsyncs, in fake time.
func TestSyncModes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, mode := range []SyncMode{SyncInterval, SyncNever} {
			c := &syncCounter{}
			l := openT(t, errorfs.Wrap(vfs.NewMem(), c), &Options{Sync: mode, SyncInterval: 10 * time.Millisecond})
			base := c.syncs.Load()
			appendN(t, l, 0, 3)
			time.Sleep(9 * time.Millisecond)
			synctest.Wait()
			if n := c.syncs.Load() - base; n != 0 {
				t.Fatalf("sync=%s: %d fsyncs before the interval", mode, n)
			}
			time.Sleep(2 * time.Millisecond)
			synctest.Wait()
			want := int64(0)
			if mode == SyncInterval {
				want = 1
			}
			if n := c.syncs.Load() - base; n != want {
				t.Fatalf("sync=%s: %d fsyncs after the interval, want %d", mode, n, want)
			}
			time.Sleep(time.Second) // idle: nothing more to sync
			synctest.Wait()
			if n := c.syncs.Load() - base; n != want {
				t.Fatalf("sync=%s: %d fsyncs while idle, want %d", mode, n, want)
			}
			if err := l.Sync(); err != nil || c.syncs.Load()-base != 1 {
				t.Fatalf("sync=%s: Sync: err %v, %d fsyncs in all", mode, err, c.syncs.Load()-base)
			}
			// Close returns with no goroutine left: synctest.Test fails on
			// a leaked flusher.
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestAppendAllocations(t *testing.T) {
	l := openT(t, vfs.NewMem(), &Options{Sync: SyncNever})
	defer l.Close()
	ops := []Op{{Kind: OpPut, Key: []byte("key-000001"), Value: make([]byte, 100)}}
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := l.Append(ops); err != nil {
			t.Fatal(err)
		}
	})
	// A group of one: its struct and its done channel.
	limit := 2.0
	if raceEnabled {
		limit = 4 // plus the encoder sync.Pool drops under -race
	}
	if allocs > limit {
		t.Fatalf("Append allocates %.1f times, want at most %.0f", allocs, limit)
	}
}
