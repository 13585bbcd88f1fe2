package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// adv2Register is one key written by one writer: operation i (from 1) puts
// the value "i", or deletes the key when i is a multiple of 3. started and
// acked bracket the operations, so a reader that loads acked before its
// read and started after it knows which states it may observe.
type adv2Register struct {
	key            []byte
	started, acked atomic.Int64
}

func adv2IsDelete(i int64) bool { return i%3 == 0 }

// adv2Observe checks one read of r: value (nil for ErrNotFound) read
// between the loads a (acked before) and s (started after). low is the
// reader's own floor for r (its reads must not go back in time); the
// returned floor is the earliest operation the read can be explained by.
func adv2Observe(r *adv2Register, value []byte, a, s, low int64) (int64, error) {
	if value != nil {
		j, err := strconv.ParseInt(string(value), 10, 64)
		switch {
		case err != nil || adv2IsDelete(j):
			return 0, fmt.Errorf("%q: read %q, which no operation wrote", r.key, value)
		case j < a || j > s:
			return 0, fmt.Errorf("%q: read the value of operation %d, outside [%d acknowledged, %d started]", r.key, j, a, s)
		case j < low:
			return 0, fmt.Errorf("%q: read operation %d after having read %d", r.key, j, low)
		}
		return j, nil
	}
	// Absent: the state before any operation, or after a delete in range.
	for j := max(a, low); j <= s; j++ {
		if j == 0 || adv2IsDelete(j) {
			return j, nil
		}
	}
	return 0, fmt.Errorf("%q: not found, but operations %d..%d (reader floor %d) include no delete", r.key, a, s, low)
}

// TestAdv2PerKeyLinearizableUnderTierChurn: writers put and delete their
// own keys while filler writes keep a memory tier of 1 KiB churning, a
// lifecycle goroutine checkpoints and compacts, and readers Get (disk
// reads, promotions racing overwrites and deletes: the cache-fill race)
// or read through a fresh iterator. Every read must return a state the key
// had between its start and its end, and no reader may see a key go back
// in time, under every policy.
func TestAdv2PerKeyLinearizableUnderTierChurn(t *testing.T) {
	for i, p := range adv2Policies {
		seed := uint64(400 + i)
		t.Run(fmt.Sprintf("policy=%s/seed=%d", p, seed), func(t *testing.T) {
			t.Parallel()
			db, _ := advOpen(t, engine.Options{MemTierBytes: 1 << 10, Policy: p, Sync: engine.SyncNever})
			regs := make([]*adv2Register, 40)
			for r := range regs {
				regs[r] = &adv2Register{key: fmt.Appendf(nil, "reg%02d", r)}
			}
			var writers, others sync.WaitGroup
			done := make(chan struct{})
			for w := range 2 {
				writers.Go(func() { adv2WriteRegisters(t, db, regs[w*20:w*20+20], w) })
			}
			others.Go(func() { adv2CheckpointLoop(t, db, done, 4) })
			for rd := range 2 {
				others.Go(func() { adv2ReadRegisters(t, db, regs, seed+uint64(rd), done) })
			}
			writers.Wait()
			close(done)
			others.Wait()
			st := db.Stats()
			if st.DiskTierHits == 0 || st.Evictions == 0 {
				t.Fatalf("no read reached the disk tier (%d disk hits, %d evictions): the test lost its point", st.DiskTierHits, st.Evictions)
			}
		})
	}
}

// adv2CheckpointLoop checkpoints db until done is closed, and compacts it
// too every compactEvery-th time.
func adv2CheckpointLoop(t *testing.T, db *engine.DB, done <-chan struct{}, compactEvery int) {
	for n := 1; ; n++ {
		select {
		case <-done:
			return
		default:
		}
		err := db.Checkpoint()
		if n%compactEvery == 0 {
			err = errors.Join(err, db.Compact(nil, nil))
		}
		if err != nil {
			t.Error(err)
			return
		}
	}
}

func adv2WriteRegisters(t *testing.T, db *engine.DB, regs []*adv2Register, w int) {
	for i := int64(1); i <= 100; i++ {
		for _, r := range regs {
			r.started.Store(i)
			var err error
			if adv2IsDelete(i) {
				err = db.Delete(r.key)
			} else {
				err = db.Put(r.key, strconv.AppendInt(nil, i, 10))
			}
			if err != nil {
				t.Error(err)
				return
			}
			r.acked.Store(i)
		}
		// Enough fresh bytes to push the registers out of the tier.
		for f := range int64(8) {
			if err := db.Put(fmt.Appendf(nil, "filler%d-%04d", w, (i*8+f)%997), make([]byte, 100)); err != nil {
				t.Error(err)
				return
			}
		}
	}
}

func adv2ReadRegisters(t *testing.T, db *engine.DB, regs []*adv2Register, seed uint64, done chan struct{}) {
	rng := rand.New(rand.NewPCG(seed, 9))
	floor := make([]int64, len(regs))
	for {
		select {
		case <-done:
			return
		default:
		}
		i := rng.IntN(len(regs))
		r := regs[i]
		a := r.acked.Load()
		v, how, err := adv2ReadOne(db, r.key, rng.IntN(4) == 0)
		s := r.started.Load()
		if err != nil {
			t.Errorf("%s of %q: %v", how, r.key, err)
			return
		}
		if floor[i], err = adv2Observe(r, v, a, s, floor[i]); err != nil {
			t.Errorf("%s: %v", how, err)
			return
		}
	}
}

// adv2ReadOne reads key with a Get, or with a fresh iterator; nil means
// absent.
func adv2ReadOne(db *engine.DB, key []byte, viaIter bool) ([]byte, string, error) {
	if !viaIter {
		v, err := db.Get(key)
		if errors.Is(err, engine.ErrNotFound) {
			return nil, "Get", nil
		}
		return v, "Get", err
	}
	it, err := db.NewIter(&engine.IterOptions{LowerBound: key, UpperBound: append(bytes.Clone(key), 0)})
	if err != nil {
		return nil, "iterator", err
	}
	defer it.Close()
	if !it.SeekGE(key) {
		return nil, "iterator", it.Error()
	}
	return bytes.Clone(it.Value()), "iterator", nil
}
