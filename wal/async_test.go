package wal

import (
	"errors"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// writeGate holds every segment write until its channel is closed, and can
// fail writes once armed.
type writeGate struct {
	open   chan struct{}
	writes atomic.Int64
	fail   atomic.Bool
}

func (g *writeGate) String() string { return "writeGate" }

func (g *writeGate) MaybeError(op errorfs.Op) error {
	if op.Kind != errorfs.OpFileWrite && op.Kind != errorfs.OpFileWriteAt || !strings.HasSuffix(op.Path, segmentExt) {
		return nil
	}
	<-g.open
	g.writes.Add(1)
	if g.fail.Load() {
		return errorfs.ErrInjected
	}
	return nil
}

// TestAsyncAppendReturnsBeforeWrite: with AsyncWrites an Append returns
// while the flusher's write is still blocked, until MaxQueuedBytes are
// queued; Sync then makes everything durable.
func TestAsyncAppendReturnsBeforeWrite(t *testing.T) {
	for _, mode := range []SyncMode{SyncInterval, SyncNever} {
		t.Run("sync="+mode.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				gate := &writeGate{open: make(chan struct{})}
				mem := vfs.NewCrashableMem()
				l := openT(t, errorfs.Wrap(mem, gate), &Options{Sync: mode, AsyncWrites: true})
				appendN(t, l, 0, 100) // returns: nothing waits for the blocked write
				if n := gate.writes.Load(); n != 0 {
					t.Fatalf("%d writes completed while the gate is shut", n)
				}
				// Past MaxQueuedBytes an appender waits for the flusher.
				value := make([]byte, MaxQueuedBytes) // random: the WAL would compress zeros
				_, _ = rand.NewChaCha8([32]byte{1}).Read(value)
				big := []Op{{Kind: OpPut, Key: []byte("big"), Value: value}}
				var returned atomic.Bool
				go func() {
					if _, err := l.Append(big); err != nil {
						t.Errorf("Append big: %v", err)
					}
					returned.Store(true)
				}()
				synctest.Wait()
				if returned.Load() {
					t.Fatalf("an Append past MaxQueuedBytes returned before any write")
				}
				close(gate.open)
				if err := l.Sync(); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if !returned.Load() {
					t.Fatalf("the big Append is still waiting after Sync")
				}
				// Synced: a crash keeps all 101 records.
				crashed := openT(t, mem.CrashClone(vfs.CrashCloneCfg{}), nil)
				if got := replayAll(t, crashed, 0); len(got) != 101 {
					t.Fatalf("after Sync and a crash: %d records, want 101", len(got))
				}
				if err := crashed.Close(); err != nil {
					t.Fatal(err)
				}
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestAsyncWriteError: a failed background write is sticky and reported
// by the next Append, Sync and Close; what survives a crash is a prefix of
// the acknowledged records, without holes.
func TestAsyncWriteError(t *testing.T) {
	gate := &writeGate{open: make(chan struct{})}
	close(gate.open)
	mem := vfs.NewCrashableMem()
	l := openT(t, errorfs.Wrap(mem, gate), &Options{Sync: SyncNever, AsyncWrites: true})
	appendN(t, l, 0, 20)
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	gate.fail.Store(true)
	acked := 20
	var err error
	for i := 20; i < 10_000; i++ {
		if _, err = l.Append(genOps(i)); err != nil {
			break
		}
		acked++
	}
	if !errors.Is(err, errorfs.ErrInjected) || !errors.Is(l.Sync(), errorfs.ErrInjected) || !errors.Is(l.Close(), errorfs.ErrInjected) {
		t.Fatalf("after a failed write: Append %v, Sync %v, Close %v; want the injected error from each", err, l.Sync(), l.Close())
	}
	crashed := openT(t, mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rand.New(rand.NewPCG(1, 1))}), nil)
	defer crashed.Close()
	got := replayAll(t, crashed, 0)
	if len(got) < 20 || len(got) > acked {
		t.Fatalf("recovered %d records; want at least the 20 synced, at most the %d acknowledged", len(got), acked)
	}
	for i, b := range got {
		if b.Seq != uint64(i+1) || !equalOps(b.Ops, genOps(i)) {
			t.Fatalf("record %d: seq %d or contents wrong (a hole?)", i, b.Seq)
		}
	}
}
