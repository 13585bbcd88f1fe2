package engine_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

const (
	bankAccounts = 40
	bankInitial  = 1000
)

func accountKey(i int) []byte { return fmt.Appendf(nil, "acct%03d", i) }

// bankTotal sums every account through one iterator (one consistent state).
func bankTotal(db *engine.DB) (int, int, error) {
	it, err := db.NewIter(&engine.IterOptions{LowerBound: []byte("acct"), UpperBound: []byte("acct~")})
	if err != nil {
		return 0, 0, err
	}
	defer it.Close()
	total, n := 0, 0
	for ok := it.First(); ok; ok = it.Next() {
		v, err := strconv.Atoi(string(it.Value()))
		if err != nil {
			return 0, 0, fmt.Errorf("account %q: %w", it.Key(), err)
		}
		total += v
		n++
	}
	return total, n, it.Error()
}

// TestBank moves money between accounts with two-key batches while scanners
// check that the total never changes (a scan never sees part of a batch),
// with a memory budget far below the data so accounts keep moving between
// the tiers; then it closes, reopens and checks again.
func TestBank(t *testing.T) {
	fs := vfs.NewMem()
	opts := &engine.Options{FS: fs, MemTierBytes: 2 << 10, Sync: engine.SyncNever, CheckpointWALBytes: 16 << 10}
	db, err := engine.Open("bank", opts)
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	for i := range bankAccounts {
		b.Put(accountKey(i), []byte(strconv.Itoa(bankInitial)))
	}
	if err := db.Apply(b); err != nil {
		t.Fatal(err)
	}
	// Transfers lock their two accounts (in order): the DB has no
	// read-modify-write transactions, so the test serializes them per account.
	var locks [bankAccounts]sync.Mutex
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for s := range 2 {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				total, count, err := bankTotal(db)
				if err != nil {
					t.Errorf("scanner %d: %v", s, err)
					return
				}
				if total != bankAccounts*bankInitial || count != bankAccounts {
					t.Errorf("scanner %d scan %d: total %d over %d accounts, want %d over %d",
						s, n, total, count, bankAccounts*bankInitial, bankAccounts)
					return
				}
			}
		})
	}
	var movers sync.WaitGroup
	for w := range 4 {
		movers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			for range 400 {
				from, to := rng.IntN(bankAccounts), rng.IntN(bankAccounts)
				if from == to {
					continue
				}
				if err := transfer(db, &locks, from, to, rng.IntN(50)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	movers.Wait()
	close(stop)
	wg.Wait()
	if t.Failed() {
		return
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = engine.Open("bank", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	total, count, err := bankTotal(db)
	if err != nil || total != bankAccounts*bankInitial || count != bankAccounts {
		t.Fatalf("after reopen: total %d over %d accounts (err %v)", total, count, err)
	}
}

func transfer(db *engine.DB, locks *[bankAccounts]sync.Mutex, from, to, amount int) error {
	a, b := min(from, to), max(from, to)
	locks[a].Lock()
	defer locks[a].Unlock()
	locks[b].Lock()
	defer locks[b].Unlock()
	balance := func(i int) (int, error) {
		v, err := db.Get(accountKey(i))
		if err != nil {
			return 0, fmt.Errorf("get account %d: %w", i, err)
		}
		return strconv.Atoi(string(v))
	}
	fb, err := balance(from)
	if err != nil {
		return err
	}
	tb, err := balance(to)
	if err != nil {
		return err
	}
	batch := db.NewBatch()
	batch.Put(accountKey(from), []byte(strconv.Itoa(fb-amount)))
	batch.Put(accountKey(to), []byte(strconv.Itoa(tb+amount)))
	if err := db.Apply(batch); err != nil && !errors.Is(err, engine.ErrClosed) {
		return err
	}
	return nil
}
