package engine_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// adv2BigBatch describes the batches of TestAdv2BigBatchesRaceLifecycle:
// batch v writes every one of n keys, the value "v", except that a batch
// whose v is a multiple of 3 deletes the even keys instead.
type adv2BigBatch struct{ n int }

func (bb adv2BigBatch) key(i int) []byte { return fmt.Appendf(nil, "big%05d", i) }

func (bb adv2BigBatch) make(db *engine.DB, v int) *engine.Batch {
	b := db.NewBatch()
	val := strconv.AppendInt(nil, int64(v), 10)
	for i := range bb.n {
		if v%3 == 0 && i%2 == 0 {
			b.Delete(bb.key(i))
		} else {
			b.Put(bb.key(i), val)
		}
	}
	return b
}

// version returns the batch whose whole effect got holds (0: none yet), or
// an error naming a key that shows another batch: part of a batch.
func (bb adv2BigBatch) version(got map[string][]byte) (int, error) {
	v := 0
	if val, ok := got[string(bb.key(1))]; ok {
		n, err := strconv.Atoi(string(val))
		if err != nil {
			return 0, fmt.Errorf("key 1 holds %q", val)
		}
		v = n
	}
	for i := range bb.n {
		val, ok := got[string(bb.key(i))]
		switch want := strconv.Itoa(v); {
		case v == 0 || (v%3 == 0 && i%2 == 0):
			if ok {
				return 0, fmt.Errorf("key %d holds %q though key 1 shows batch %d", i, val, v)
			}
		case !ok || string(val) != want:
			return 0, fmt.Errorf("key %d holds %q (present %v) though key 1 shows batch %d", i, val, ok, v)
		}
	}
	want := bb.n
	switch {
	case v == 0:
		want = 0
	case v%3 == 0:
		want -= (bb.n + 1) / 2
	}
	if len(got) != want {
		return 0, fmt.Errorf("%d keys for batch %d", len(got), v)
	}
	return v, nil
}

// scan returns the batch version db (or an iterator opened now) shows.
func (bb adv2BigBatch) scan(db *engine.DB) (int, error) {
	got, err := dump(db)
	if err != nil {
		return 0, err
	}
	return bb.version(got)
}

// TestAdv2BigBatchesRaceLifecycle applies batches larger than a write-back
// round (1024 entries) or a checkpoint's Pebble batch (4096) while other
// goroutines checkpoint and compact (with Pebble memtables of 8 KiB that
// flush mid-checkpoint), scan with fresh iterators, and take crash images
// right after a Checkpoint; then the last batch races Close. Every scan and
// every image must hold exactly one whole batch, no older than what was
// acknowledged (before the scan, or before the Checkpoint), and after
// Close the last batch is there exactly when Apply returned nil.
func TestAdv2BigBatchesRaceLifecycle(t *testing.T) {
	cases := []struct {
		name    string
		keys    int
		batches int
		mem     int64
		policy  engine.Policy
	}{
		{"tiny-mem/wtinylfu", 1100, 9, 4 << 10, engine.PolicyWTinyLFU},
		{"tiny-mem/lru", 1100, 9, 4 << 10, engine.PolicyLRU},
		{"roomy-mem/lfu", 4500, 5, 1 << 20, engine.PolicyLFU},
		{"roomy-mem/random", 4500, 5, 1 << 20, engine.PolicyRandom},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fs := vfs.NewCrashableMem()
			opts := engine.Options{FS: fs, MemTierBytes: c.mem, Policy: c.policy, Sync: engine.SyncNever, MemTableBytes: 8 << 10}
			db, err := engine.Open("db", &opts)
			if err != nil {
				t.Fatal(err)
			}
			bb := adv2BigBatch{c.keys}
			var started, acked atomic.Int64
			var wg sync.WaitGroup
			done := make(chan struct{})
			var images []adv2Image
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(i), 3))
				for len(images) < 3 {
					floor := int(acked.Load())
					if err := db.Checkpoint(); err != nil {
						t.Error(err)
						return
					}
					img := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rng})
					images = append(images, adv2Image{img, floor, int(started.Load())})
					if err := db.Compact(nil, nil); err != nil {
						t.Error(err)
						return
					}
				}
			})
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					floor := int(acked.Load())
					v, err := bb.scan(db)
					if err != nil || v < floor || v > int(started.Load()) {
						t.Errorf("scan: batch %d (acknowledged %d before it), %v", v, floor, err)
						return
					}
				}
			})
			for v := 1; v <= c.batches; v++ {
				started.Store(int64(v))
				if err := db.Apply(bb.make(db, v)); err != nil {
					t.Fatal(err)
				}
				acked.Store(int64(v))
			}
			close(done)
			wg.Wait()
			last, closed := adv2ApplyRacingClose(db, bb.make(db, c.batches+1))
			for _, im := range images {
				adv2CheckBatchImage(t, bb, im, opts)
			}
			opts.FS = fs
			db, err = engine.Open("db", &opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			want := c.batches
			if last == nil {
				want++
			} else if !errors.Is(last, engine.ErrClosed) {
				t.Fatalf("Apply racing Close: %v, want nil or ErrClosed", last)
			}
			if closed != nil {
				t.Fatalf("Close racing Apply: %v", closed)
			}
			if v, err := bb.scan(db); err != nil || v != want {
				t.Fatalf("after Close (Apply returned %v): batch %d, %v; want batch %d", last, v, err, want)
			}
		})
	}
}

// adv2Image is a crash image and the batches it may hold: at least floor
// (acknowledged before the Checkpoint that preceded it), at most ceiling.
type adv2Image struct {
	fs             *vfs.MemFS
	floor, ceiling int
}

func adv2CheckBatchImage(t *testing.T, bb adv2BigBatch, im adv2Image, opts engine.Options) {
	t.Helper()
	opts.FS = im.fs
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatalf("open a crash image: %v", err)
	}
	defer db.Close()
	if v, err := bb.scan(db); err != nil || v < im.floor || v > im.ceiling {
		t.Fatalf("crash image: batch %d, %v; want one whole batch in [%d, %d]", v, err, im.floor, im.ceiling)
	}
}

// adv2ApplyRacingClose applies b and closes db at the same time.
func adv2ApplyRacingClose(db *engine.DB, b *engine.Batch) (applied, closed error) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Go(func() {
		<-start
		applied = db.Apply(b)
	})
	wg.Go(func() {
		<-start
		closed = db.Close()
	})
	close(start)
	wg.Wait()
	return applied, closed
}
