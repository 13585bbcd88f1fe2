package engine_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tierkv/tierkv/engine"
)

// adv2BenchKeys is the data set of BenchmarkAdv2OpsVsPebble: small enough
// to load in a second, large enough that most of it lives on disk.
const adv2BenchKeys = 200_000

// adv2Ops are the operations BenchmarkVsPebble leaves out, for one engine.
type adv2Ops struct {
	name    string
	get     func(k []byte) bool
	put     func(k, v []byte) error
	del     func(k []byte) error
	batch   func(keys [][]byte, v []byte) error
	revScan func(start []byte, n int) int
	settle  func() error // make the load durable (Checkpoint / Flush)
	close   func()
}

func adv2TierkvOps(b *testing.B) adv2Ops {
	e := openBenchTierkv(b, b.TempDir(), engine.SyncNever)
	db := e.db
	return adv2Ops{
		name: "tierkv", get: e.get, put: e.put, close: e.close, settle: db.Checkpoint,
		del: db.Delete,
		batch: func(keys [][]byte, v []byte) error {
			bt := db.NewBatch()
			for _, k := range keys {
				bt.Put(k, v)
			}
			return db.Apply(bt)
		},
		revScan: func(start []byte, n int) int {
			it, err := db.NewIter(nil)
			return adv2RevScan(it, err, start, n)
		},
	}
}

// adv2Cursor is what a reverse scan needs of either engine's iterator.
type adv2Cursor interface {
	SeekLT(key []byte) bool
	Prev() bool
	Value() []byte
	Close() error
}

// adv2RevScan reads up to n values backwards from start and closes it.
func adv2RevScan[C adv2Cursor](it C, err error, start []byte, n int) int {
	if err != nil {
		return 0
	}
	defer it.Close()
	c := 0
	for ok := it.SeekLT(start); ok && c < n; ok = it.Prev() {
		_ = it.Value()
		c++
	}
	return c
}

func adv2PebbleOps(b *testing.B) adv2Ops {
	e := openBenchPebble(b, b.TempDir(), false)
	db := e.db
	return adv2Ops{
		name: "pebble", get: e.get, put: e.put, close: e.close, settle: db.Flush,
		del: func(k []byte) error { return db.Delete(k, pebble.NoSync) },
		batch: func(keys [][]byte, v []byte) error {
			bt := db.NewBatch()
			for _, k := range keys {
				_ = bt.Set(k, v, nil)
			}
			return bt.Commit(pebble.NoSync)
		},
		revScan: func(start []byte, n int) int {
			it, err := db.NewIter(nil)
			return adv2RevScan(it, err, start, n)
		},
	}
}

// BenchmarkAdv2OpsVsPebble compares, in one run and with the same memory,
// the common operations BenchmarkVsPebble does not measure: a Get of an
// absent key, a Get of a deleted key, a Delete, a 100-key batch, and a
// 50-key reverse scan. Uniform keys over 200K 100-byte values; no fsync
// per write on either side.
//
//	go test -run '^$' -bench BenchmarkAdv2OpsVsPebble -benchtime 1s ./engine/
func BenchmarkAdv2OpsVsPebble(b *testing.B) {
	engines := []adv2Ops{adv2TierkvOps(b), adv2PebbleOps(b)}
	for _, e := range engines {
		defer e.close()
		rng := rand.New(rand.NewPCG(1, 2))
		var k []byte
		for i := range uint64(adv2BenchKeys) {
			k = benchKey(k, 2*i) // even keys only: odd ones are absent
			if err := e.put(k, benchValue(rng)); err != nil {
				b.Fatal(err)
			}
		}
		for i := uint64(0); i < adv2BenchKeys; i += 4 {
			if err := e.del(benchKey(k, 2*i)); err != nil {
				b.Fatal(err)
			}
		}
		if err := e.settle(); err != nil {
			b.Fatal(err)
		}
	}
	type op func(e adv2Ops, rng *rand.Rand, k []byte)
	ops := []struct {
		name string
		run  op
	}{
		{"get-absent", func(e adv2Ops, rng *rand.Rand, k []byte) {
			e.get(benchKey(k, 2*rng.Uint64N(adv2BenchKeys)+1))
		}},
		{"get-deleted", func(e adv2Ops, rng *rand.Rand, k []byte) {
			e.get(benchKey(k, 8*rng.Uint64N(adv2BenchKeys/4)))
		}},
		{"delete", func(e adv2Ops, rng *rand.Rand, k []byte) {
			if err := e.del(benchKey(k, 2*rng.Uint64N(adv2BenchKeys))); err != nil {
				panic(err)
			}
		}},
		{"batch100", func(e adv2Ops, rng *rand.Rand, _ []byte) {
			keys := make([][]byte, 100)
			base := rng.Uint64N(adv2BenchKeys - 100)
			for i := range keys {
				keys[i] = benchKey(nil, 2*(base+uint64(i)))
			}
			if err := e.batch(keys, benchValue(rng)); err != nil {
				panic(err)
			}
		}},
		{"revscan50", func(e adv2Ops, rng *rand.Rand, k []byte) {
			e.revScan(benchKey(k, 2*rng.Uint64N(adv2BenchKeys)), 50)
		}},
	}
	for _, o := range ops {
		for _, e := range engines {
			b.Run(fmt.Sprintf("op=%s/engine=%s", o.name, e.name), func(b *testing.B) {
				b.ReportAllocs()
				rng := rand.New(rand.NewPCG(7, 7))
				var k []byte
				for b.Loop() {
					o.run(e, rng, k)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	}
}
