package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// TestAdvCloseUnderLoad closes the DB while writers, readers, iterators,
// checkpoints and compactions run: nothing panics or hangs, every call
// returns nil or ErrClosed (reads: a value or ErrNotFound), and every write
// acknowledged before Close began survives a reopen, in every sync mode (a
// clean Close makes even queued asynchronous writes durable).
func TestAdvCloseUnderLoad(t *testing.T) {
	modes := []struct {
		sync  engine.SyncMode
		async bool
	}{{engine.SyncAlways, false}, {engine.SyncNever, true}, {engine.SyncInterval, false}}
	for _, m := range modes {
		t.Run(fmt.Sprintf("sync=%s/async=%v", m.sync, m.async), func(t *testing.T) {
			fs := vfs.NewMem()
			opts := engine.Options{FS: fs, MemTierBytes: 2 << 10, CheckpointWALBytes: 8 << 10, Sync: m.sync, AsyncWAL: m.async}
			db, err := engine.Open("db", &opts)
			if err != nil {
				t.Fatal(err)
			}
			okOrClosed := func(what string, err error) bool {
				if err == nil {
					return true
				}
				if !errors.Is(err, engine.ErrClosed) {
					t.Errorf("%s during Close: %v", what, err)
				}
				return false
			}
			var mu sync.Mutex
			acked := map[string]string{}
			var wg sync.WaitGroup
			closing := make(chan struct{})
			var signal sync.Once
			wg.Go(func() {
				defer signal.Do(func() { close(closing) })
				for i := 0; ; i++ {
					k, v := fmt.Sprintf("w-%04d", i%300), fmt.Sprintf("v%d", i)
					var err error
					if i%4 == 0 {
						b := db.NewBatch()
						b.Put([]byte(k), []byte(v))
						err = db.Apply(b)
					} else {
						err = db.Put([]byte(k), []byte(v))
					}
					if !okOrClosed("write", err) {
						return
					}
					mu.Lock()
					acked[k] = v
					mu.Unlock()
					if i == 500 {
						signal.Do(func() { close(closing) })
					}
				}
			})
			for w := 1; w < 3; w++ {
				wg.Go(func() {
					for i := 0; ; i++ {
						k := fmt.Sprintf("x%d-%04d", w, i%300)
						if !okOrClosed("delete", db.Delete([]byte(k))) {
							return
						}
					}
				})
			}
			wg.Go(func() {
				for i := 0; ; i++ {
					_, err := db.Get(fmt.Appendf(nil, "w-%04d", i%300))
					if err != nil && !errors.Is(err, engine.ErrNotFound) && !okOrClosed("get", err) {
						return
					}
					if errors.Is(err, engine.ErrClosed) {
						return
					}
				}
			})
			wg.Go(func() {
				for {
					it, err := db.NewIter(nil)
					if !okOrClosed("new iter", err) {
						return
					}
					for ok := it.First(); ok; ok = it.Next() {
						_ = it.Value()
					}
					if err := it.Error(); err != nil && !errors.Is(err, engine.ErrClosed) {
						t.Errorf("iterator during Close: %v", err)
					}
					_ = it.Close()
				}
			})
			wg.Go(func() {
				for i := 0; ; i++ {
					var err error
					if i%2 == 0 {
						err = db.Checkpoint()
					} else {
						err = db.Compact(nil, nil)
					}
					if !okOrClosed("checkpoint/compact", err) {
						return
					}
				}
			})
			<-closing
			mu.Lock()
			want := make(map[string]string, len(acked))
			for k, v := range acked {
				want[k] = v
			}
			mu.Unlock()
			closed := make(chan error, 1)
			go func() { closed <- db.Close() }()
			select {
			case err := <-closed:
				if err != nil {
					t.Fatalf("Close under load: %v", err)
				}
			case <-time.After(time.Minute):
				t.Fatal("Close under load hangs")
			}
			wg.Wait()
			db, err = engine.Open("db", &opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for k, v := range want {
				got, err := db.Get([]byte(k))
				if err != nil {
					t.Fatalf("acknowledged %s lost: %v", k, err)
				}
				var gi, wi int
				fmt.Sscanf(string(got), "v%d", &gi)
				fmt.Sscanf(v, "v%d", &wi)
				if gi < wi {
					t.Fatalf("%s = %s, older than the acknowledged %s", k, got, v)
				}
			}
		})
	}
}

// TestAdvAbsurdOptions opens with extreme option values: each either fails
// with ErrInvalidOptions at Open (no panic: MemTierBytes near MaxInt64 and
// MemTableBytes of 1 used to panic in Open) or gives a DB that stores and returns
// data correctly across a reopen.
func TestAdvAbsurdOptions(t *testing.T) {
	cases := []struct {
		name string
		o    engine.Options
	}{
		{"MemTierBytes=1", engine.Options{MemTierBytes: 1}},
		{"MemTierBytes=max", engine.Options{MemTierBytes: math.MaxInt64}},
		{"MemTierBytes=2^50", engine.Options{MemTierBytes: 1 << 50}},
		{"BlockCacheBytes=1", engine.Options{BlockCacheBytes: 1}},
		{"BlockCacheBytes=max", engine.Options{BlockCacheBytes: math.MaxInt64}},
		{"MaxKeyBytes=1", engine.Options{MaxKeyBytes: 1}},
		{"MaxKeyBytes=max", engine.Options{MaxKeyBytes: math.MaxInt}},
		{"MaxValueBytes=1", engine.Options{MaxValueBytes: 1}},
		{"MaxValueBytes=max", engine.Options{MaxValueBytes: math.MaxInt}},
		{"SyncInterval=1ns", engine.Options{Sync: engine.SyncInterval, SyncInterval: 1}},
		{"SyncInterval=max", engine.Options{Sync: engine.SyncInterval, SyncInterval: math.MaxInt64}},
		{"CheckpointWALBytes=1", engine.Options{CheckpointWALBytes: 1}},
		{"CheckpointWALBytes=max", engine.Options{CheckpointWALBytes: math.MaxInt64}},
		{"WALSegmentBytes=1", engine.Options{WALSegmentBytes: 1}},
		{"WALSegmentBytes=max", engine.Options{WALSegmentBytes: math.MaxInt64}},
		{"MemTableBytes=1", engine.Options{MemTableBytes: 1}},
		{"MemTableBytes=min", engine.Options{MemTableBytes: 8 << 10}},
		{"MemTableBytes=max", engine.Options{MemTableBytes: math.MaxInt64}},
		{"everything=1", engine.Options{MemTierBytes: 1, BlockCacheBytes: 1, CheckpointWALBytes: 1, WALSegmentBytes: 1, MemTableBytes: 8 << 10, Sync: engine.SyncNever}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := vfs.NewMem()
			o := c.o
			o.FS = fs
			db, err := engine.Open("db", &o)
			if err != nil {
				if !errors.Is(err, engine.ErrInvalidOptions) {
					t.Fatalf("refused at Open with %v, want ErrInvalidOptions", err)
				}
				return
			}
			m := newModel()
			for i := range 100 {
				k := []byte{byte('a' + i%26)}
				v := bytes.Repeat([]byte{byte(i)}, min(i%3, o.MaxValueBytes+3*boolInt(o.MaxValueBytes == 0)))
				if err := db.Put(k, v); err != nil {
					t.Fatalf("put %d: %v", i, err)
				}
				m.put(k, v)
				if i%10 == 0 {
					if err := db.Delete([]byte{byte('a' + (i/10)%26)}); err != nil {
						t.Fatal(err)
					}
					m.del([]byte{byte('a' + (i/10)%26)})
				}
			}
			check := func(when string) {
				got, err := dump(db)
				if err != nil {
					t.Fatalf("%s: %v", when, err)
				}
				if err := m.diff(got); err != nil {
					t.Fatalf("%s: %v", when, err)
				}
				for k, v := range m.kv {
					g, err := db.Get([]byte(k))
					if err != nil || !bytes.Equal(g, v) {
						t.Fatalf("%s: Get(%q) = (%q, %v), want %q", when, k, g, err, v)
					}
				}
			}
			check("before reopen")
			if err := db.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			if db, err = engine.Open("db", &o); err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer db.Close()
			check("after reopen")
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestAdvOpenBadPaths: Open of a path that is a file, or under a file,
// fails with an error (no panic, no lock left behind); a missing parent
// directory is created; a read-only open of a missing or empty directory
// creates nothing.
func TestAdvOpenBadPaths(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "afile")
	if err := os.WriteFile(file, []byte("not a db"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{file, filepath.Join(file, "sub")} {
		for _, ro := range []bool{false, true} {
			if db, err := engine.Open(p, &engine.Options{ReadOnly: ro}); err == nil {
				db.Close()
				t.Fatalf("Open(%s, ReadOnly=%v) on a file succeeded", p, ro)
			}
		}
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "not a db" {
		t.Fatalf("Open changed the file it refused: %q, %v", b, err)
	}
	deep := filepath.Join(root, "a", "b", "c")
	db, err := engine.Open(deep, nil)
	if err != nil {
		t.Fatalf("Open with missing parents: %v", err)
	}
	if err := db.Put([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(root, "missing"), empty} {
		if db, err := engine.Open(p, &engine.Options{ReadOnly: true}); !errors.Is(err, engine.ErrNotExist) {
			if db != nil {
				db.Close()
			}
			t.Fatalf("read-only Open(%s): %v, want ErrNotExist", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "missing")); !os.IsNotExist(err) {
		t.Fatalf("read-only open created the missing directory: %v", err)
	}
	if names, _ := os.ReadDir(empty); len(names) != 0 {
		t.Fatalf("read-only open wrote into an empty directory: %v", names)
	}
}

// TestAdvReopenWithOtherOptions: a DB written under one policy, budget and
// sync mode reopens under every other combination with all its data, and
// keeps working.
func TestAdvReopenWithOtherOptions(t *testing.T) {
	fs := vfs.NewMem()
	m := newModel()
	configs := []engine.Options{
		{MemTierBytes: 64 << 10, Policy: engine.PolicyWTinyLFU, Sync: engine.SyncAlways},
		// Crashed (a plain copy of the files) after writing: with AsyncWAL the
		// last acknowledged writes may still be queued, so none here.
		{MemTierBytes: 1 << 10, Policy: engine.PolicyLRU, Sync: engine.SyncNever},
		{MemTierBytes: 8 << 10, Policy: engine.PolicyLFU, Sync: engine.SyncInterval, WALSegmentBytes: 2 << 10},
		{MemTierBytes: 1, Policy: engine.PolicyRandom, Sync: engine.SyncAlways, MemTableBytes: 64 << 10},
		{MemTierBytes: 1 << 20, Policy: engine.PolicyWTinyLFU, Sync: engine.SyncNever, AsyncWAL: true},
	}
	for round, o := range configs {
		o.FS = fs
		db, err := engine.Open("db", &o)
		if err != nil {
			t.Fatalf("round %d: open: %v", round, err)
		}
		got, err := dump(db)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.diff(got); err != nil {
			t.Fatalf("round %d (policy %s, mem %d): after reopen: %v", round, o.Policy, o.MemTierBytes, err)
		}
		for i := range 150 {
			k := fmt.Appendf(nil, "k%03d", (i*7+round*31)%200)
			if i%9 == 0 {
				if err := db.Delete(k); err != nil {
					t.Fatal(err)
				}
				m.del(k)
				continue
			}
			v := fmt.Appendf(nil, "r%d-%d-%s", round, i, make([]byte, i%50))
			if err := db.Put(k, v); err != nil {
				t.Fatal(err)
			}
			m.put(k, v)
		}
		if round%2 == 1 {
			// Leave the WAL uncheckpointed: simulate a crash by cloning.
			clone := vfs.NewMem()
			if _, err := vfs.Clone(fs, clone, "db", "db"); err != nil {
				t.Fatal(err)
			}
			_ = db.Close()
			fs = clone
			continue
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAdvBatchLargerThanBudget: one batch far larger than the memory tier
// (and than a WAL segment) applies whole, reads back, leaves the tier
// within budget, and replays whole.
func TestAdvBatchLargerThanBudget(t *testing.T) {
	opts := engine.Options{MemTierBytes: 4 << 10, WALSegmentBytes: 8 << 10, Sync: engine.SyncNever}
	db, fs := advOpen(t, opts)
	b := db.NewBatch()
	for i := range 600 {
		b.Put(fmt.Appendf(nil, "big%04d", i), bytes.Repeat([]byte{byte(i)}, 100))
	}
	if err := db.Apply(b); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		for i := range 600 {
			v, err := db.Get(fmt.Appendf(nil, "big%04d", i))
			if err != nil || !bytes.Equal(v, bytes.Repeat([]byte{byte(i)}, 100)) {
				t.Fatalf("%s: big%04d = (%d bytes, %v)", when, i, len(v), err)
			}
		}
		if s := db.Stats(); s.MemTierBytes > 2*opts.MemTierBytes {
			t.Fatalf("%s: memory tier holds %d bytes, budget %d", when, s.MemTierBytes, opts.MemTierBytes)
		}
	}
	check("after apply")
	// Crash (no checkpoint): the batch lives only in the WAL.
	clone := vfs.NewMem()
	if _, err := vfs.Clone(fs, clone, "db", "db"); err != nil {
		t.Fatal(err)
	}
	o := opts
	o.FS = clone
	db2, err := engine.Open("db", &o)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	db = db2
	check("after replay")
}
