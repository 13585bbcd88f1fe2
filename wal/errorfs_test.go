package wal

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// injectAt returns an injector failing the index-th write-kind operation
// (counting from 0), and a counter of such operations.
func injectAt(index int64) (errorfs.Injector, *atomic.Int64) {
	var n atomic.Int64
	return errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind.ReadOrWrite() != errorfs.OpIsWrite {
			return nil
		}
		if n.Add(1)-1 == index {
			return errorfs.ErrInjected
		}
		return nil
	}), &n
}

// TestInjectedWriteErrors fails every write-kind operation of a workload in
// turn (writes, fsyncs, creates, removes, directory syncs). The failing
// append and every later one report an error, and no acknowledged append
// is lost, even when unsynced data is then dropped by a crash.
func TestInjectedWriteErrors(t *testing.T) {
	_, total := injectAt(-1)
	runInjectedWorkload(t, -1, total)
	if total.Load() < 20 {
		t.Fatalf("workload performs only %d write operations", total.Load())
	}
	for k := range total.Load() {
		t.Run(fmt.Sprintf("op=%d", k), func(t *testing.T) {
			runInjectedWorkload(t, k, nil)
		})
	}
}

func runInjectedWorkload(t *testing.T, k int64, count *atomic.Int64) {
	mem := vfs.NewCrashableMem()
	inj, n := injectAt(k)
	if count != nil {
		n = count
		inj = errorfs.InjectorFunc(func(op errorfs.Op) error {
			if op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
				n.Add(1)
			}
			return nil
		})
	}
	acked := map[uint64]int{}
	l, err := Open("wal", &Options{FS: errorfs.Wrap(mem, inj), SegmentBytes: 1024})
	if err == nil {
		var failed error
		for i := range 40 {
			seq, err := l.Append(genOps(i))
			switch {
			case err != nil && failed == nil:
				failed = err
				if !errors.Is(err, errorfs.ErrInjected) || !errors.Is(l.Err(), errorfs.ErrInjected) {
					t.Fatalf("append %d: error %v, sticky %v", i, err, l.Err())
				}
			case err == nil && failed != nil:
				t.Fatalf("append %d succeeded after a failed one (%v)", i, failed)
			case err == nil:
				acked[seq] = i
			}
			if i == 20 {
				// Truncate may fail without poisoning the log.
				_ = l.Truncate(10)
			}
		}
		syncErr := l.Sync()
		if closeErr := l.Close(); (failed != nil || syncErr != nil) && closeErr == nil {
			t.Fatalf("Close after a failure returned nil")
		}
		if failed != nil && syncErr == nil {
			t.Fatalf("Sync after a failed append returned nil")
		}
	} else if !errors.Is(err, errorfs.ErrInjected) {
		t.Fatalf("Open: %v", err)
	}
	// A crash now keeps only synced data: every acknowledged append is in it.
	l = openT(t, mem.CrashClone(vfs.CrashCloneCfg{}), nil)
	defer l.Close()
	got := replayAll(t, l, 0)
	for i, b := range got {
		if id, ok := acked[b.Seq]; ok && !equalOps(b.Ops, genOps(id)) {
			t.Fatalf("record %d (seq %d) has wrong contents", i, b.Seq)
		}
		if i > 0 && b.Seq != got[i-1].Seq+1 && b.Seq > 11 {
			t.Fatalf("hole before seq %d", b.Seq)
		}
	}
	for seq := range acked {
		if seq > 10 && (len(got) == 0 || got[len(got)-1].Seq < seq) {
			t.Fatalf("acknowledged seq %d lost", seq)
		}
	}
}

// TestInjectedOpenErrors fails every operation (reads included) of an Open
// that must truncate a lost tail. Open fails cleanly or succeeds, and
// either way the log opens afterwards with every valid record.
func TestInjectedOpenErrors(t *testing.T) {
	base := vfs.NewCrashableMem()
	l := openT(t, base, &Options{SegmentBytes: 2048})
	appendN(t, l, 0, 30)
	l.Close()
	segs := l.Segments()
	last := "wal/" + segs[len(segs)-1].Name
	data := readFile(t, base, last)
	offs := recordOffsets(t, data)
	writeFile(t, base, last, data[:offs[len(offs)-2]+5]) // tear the last record
	if err := syncDir(base, "wal"); err != nil {
		t.Fatal(err)
	}
	var ops atomic.Int64
	counted := errorfs.InjectorFunc(func(errorfs.Op) error { ops.Add(1); return nil })
	probe := base.CrashClone(vfs.CrashCloneCfg{})
	if l, err := Open("wal", &Options{FS: errorfs.Wrap(probe, counted)}); err != nil {
		t.Fatal(err)
	} else {
		l.Close()
	}
	for k := range ops.Load() {
		t.Run(fmt.Sprintf("op=%d", k), func(t *testing.T) {
			fs := base.CrashClone(vfs.CrashCloneCfg{})
			var n atomic.Int64
			inj := errorfs.InjectorFunc(func(errorfs.Op) error {
				if n.Add(1)-1 == k {
					return errorfs.ErrInjected
				}
				return nil
			})
			if l, err := Open("wal", &Options{FS: errorfs.Wrap(fs, inj)}); err == nil {
				l.Close()
			} else if !errors.Is(err, errorfs.ErrInjected) {
				t.Fatalf("Open: %v", err)
			}
			l := openT(t, fs.CrashClone(vfs.CrashCloneCfg{}), nil)
			defer l.Close()
			checkPrefix(t, replayAll(t, l, 0), 30)
			if l.LastSeq() != 29 {
				t.Fatalf("LastSeq %d after recovery, want 29", l.LastSeq())
			}
		})
	}
}
