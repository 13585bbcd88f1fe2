package engine_test

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/tierkv/tierkv/engine"
)

// Benchmark scale: 1M keys of 100-byte values, the memory tier given about
// 10% of the data (the terms). Override nothing: the figures in
// docs/BENCHMARKS.md come from exactly this.
const (
	benchKeys       = 1_000_000
	benchValueSize  = 100
	benchMemTier    = 12 << 20
	benchBlockCache = 8 << 20
	benchMemTable   = 16 << 20
)

// zipfian is YCSB's Zipfian generator (Gray et al.), with YCSB's
// scrambling: the drawn rank is hashed so hot keys spread over the key space.
type zipfian struct {
	n                        uint64
	theta, alpha, zetan, eta float64
	half                     float64
}

func newZipfian(n uint64, theta float64) *zipfian {
	z := &zipfian{n: n, theta: theta}
	zeta2 := 1 + math.Pow(0.5, theta)
	for i := uint64(1); i <= n; i++ {
		z.zetan += 1 / math.Pow(float64(i), theta)
	}
	z.alpha = 1 / (1 - theta)
	z.eta = (1 - math.Pow(2/float64(n), 1-theta)) / (1 - zeta2/z.zetan)
	z.half = 1 + math.Pow(0.5, theta)
	return z
}

func (z *zipfian) rank(u float64) uint64 {
	uz := u * z.zetan
	if uz < 1 {
		return 0
	}
	if uz < z.half {
		return 1
	}
	return uint64(float64(z.n) * math.Pow(z.eta*u-z.eta+1, z.alpha))
}

// scrambled returns a Zipf-distributed key index, hot ranks scattered.
func (z *zipfian) scrambled(rng *rand.Rand) uint64 {
	r := z.rank(rng.Float64())
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], r)
	h := fnv.New64a()
	h.Write(b[:])
	return h.Sum64() % z.n
}

func benchKey(dst []byte, i uint64) []byte { return fmt.Appendf(dst[:0], "user%012d", i) }

func benchValue(rng *rand.Rand) []byte {
	v := make([]byte, benchValueSize)
	for i := range v {
		v[i] = byte(rng.Uint32())
	}
	return v
}

// kvEngine is what the comparison drives.
type kvEngine interface {
	get(k []byte) bool
	put(k, v []byte) error
	scan(start []byte, n int) int
	close()
	blockCacheMisses() int64
}

type tierkvEngine struct{ db *engine.DB }

func (e tierkvEngine) get(k []byte) bool       { _, err := e.db.Get(k); return err == nil }
func (e tierkvEngine) put(k, v []byte) error   { return e.db.Put(k, v) }
func (e tierkvEngine) close()                  { e.db.Close() }
func (e tierkvEngine) blockCacheMisses() int64 { return e.db.Stats().Disk.BlockCacheMisses }
func (e tierkvEngine) scan(start []byte, n int) int {
	it, err := e.db.NewIter(nil)
	if err != nil {
		return 0
	}
	defer it.Close()
	c := 0
	for ok := it.SeekGE(start); ok && c < n; ok = it.Next() {
		c++
	}
	return c
}

type pebbleEngine struct {
	db   *pebble.DB
	sync *pebble.WriteOptions
}

func (e pebbleEngine) get(k []byte) bool {
	v, closer, err := e.db.Get(k)
	if err != nil {
		return false
	}
	_ = append([]byte(nil), v...) // the caller owns its copy, as with tierkv
	closer.Close()
	return true
}
func (e pebbleEngine) put(k, v []byte) error   { return e.db.Set(k, v, e.sync) }
func (e pebbleEngine) close()                  { e.db.Close() }
func (e pebbleEngine) blockCacheMisses() int64 { return e.db.Metrics().BlockCache.Misses }
func (e pebbleEngine) scan(start []byte, n int) int {
	it, err := e.db.NewIter(nil)
	if err != nil {
		return 0
	}
	defer it.Close()
	c := 0
	for ok := it.SeekGE(start); ok && c < n; ok = it.Next() {
		_ = it.Value()
		c++
	}
	return c
}

func openBenchTierkv(b *testing.B, dir string, sync engine.SyncMode) tierkvEngine {
	// AsyncWAL: an unsynced write returns before write(2), as Pebble's
	// NoSync commit does (its LogWriter writes in the background).
	db, err := engine.Open(dir, &engine.Options{MemTierBytes: benchMemTier, BlockCacheBytes: benchBlockCache, Sync: sync, AsyncWAL: true})
	if err != nil {
		b.Fatal(err)
	}
	return tierkvEngine{db}
}

func openBenchPebble(b *testing.B, dir string, sync bool) pebbleEngine {
	// tierkv's total memory for blocks and objects, plus two memtables
	// (the mutable one and a recycled one), which Pebble charges to its
	// block cache; tierkv's disk tier adds the same to its own.
	cache := pebble.NewCache(benchMemTier + benchBlockCache + 2*benchMemTable)
	defer cache.Unref()
	o := &pebble.Options{Cache: cache, MemTableSize: benchMemTable, L0CompactionThreshold: 4, L0StopWritesThreshold: 24}
	for i := range o.Levels {
		o.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(dir, o)
	if err != nil {
		b.Fatal(err)
	}
	wo := pebble.NoSync
	if sync {
		wo = pebble.Sync
	}
	return pebbleEngine{db: db, sync: wo}
}

// load writes every key once, in batches for speed.
func loadTierkv(b *testing.B, e tierkvEngine) {
	rng := rand.New(rand.NewPCG(1, 2))
	var k []byte
	batch := e.db.NewBatch()
	for i := range uint64(benchKeys) {
		k = benchKey(k, i)
		batch.Put(k, benchValue(rng))
		if batch.Len() == 1000 {
			if err := e.db.Apply(batch); err != nil {
				b.Fatal(err)
			}
			batch.Reset()
		}
	}
	if err := e.db.Apply(batch); err != nil {
		b.Fatal(err)
	}
	if err := e.db.Checkpoint(); err != nil {
		b.Fatal(err)
	}
}

func loadPebble(b *testing.B, e pebbleEngine) {
	rng := rand.New(rand.NewPCG(1, 2))
	var k []byte
	batch := e.db.NewBatch()
	for i := range uint64(benchKeys) {
		k = benchKey(k, i)
		batch.Set(k, benchValue(rng), nil)
		if batch.Count() == 1000 {
			if err := batch.Commit(pebble.NoSync); err != nil {
				b.Fatal(err)
			}
			batch = e.db.NewBatch()
		}
	}
	if err := batch.Commit(pebble.Sync); err != nil {
		b.Fatal(err)
	}
	if err := e.db.Flush(); err != nil {
		b.Fatal(err)
	}
}

// benchWorkload is one operation mix over a key distribution.
type benchWorkload struct {
	name string
	op   func(e kvEngine, rng *rand.Rand, k []byte) []byte
}

func benchWorkloads(z *zipfian) []benchWorkload {
	zipfKey := func(rng *rand.Rand, k []byte) []byte { return benchKey(k, z.scrambled(rng)) }
	uniKey := func(rng *rand.Rand, k []byte) []byte { return benchKey(k, rng.Uint64N(benchKeys)) }
	return []benchWorkload{
		{"read/zipf", func(e kvEngine, rng *rand.Rand, k []byte) []byte {
			k = zipfKey(rng, k)
			e.get(k)
			return k
		}},
		{"read/uniform", func(e kvEngine, rng *rand.Rand, k []byte) []byte {
			k = uniKey(rng, k)
			e.get(k)
			return k
		}},
		{"update/zipf", func(e kvEngine, rng *rand.Rand, k []byte) []byte {
			k = zipfKey(rng, k)
			if err := e.put(k, benchValue(rng)); err != nil {
				panic(err)
			}
			return k
		}},
		{"scan100/zipf", func(e kvEngine, rng *rand.Rand, k []byte) []byte {
			k = zipfKey(rng, k)
			e.scan(k, 100)
			return k
		}},
	}
}

// BenchmarkVsPebble compares tierkv with raw Pebble in the same run: both
// loaded with the same 1M keys, both given the same memory (Pebble's block
// cache = tierkv's memory tier + block cache), bloom filters on, no fsync
// per write and no write(2) on the writer's path (SyncNever with AsyncWAL /
// pebble.NoSync). Run it with
//
//	go test -run '^$' -bench BenchmarkVsPebble -benchtime 2s -count 3 ./engine/
func BenchmarkVsPebble(b *testing.B) {
	z := newZipfian(benchKeys, 0.99)
	tk := openBenchTierkv(b, b.TempDir(), engine.SyncNever)
	defer tk.close()
	pb := openBenchPebble(b, b.TempDir(), false)
	defer pb.close()
	loadTierkv(b, tk)
	loadPebble(b, pb)
	engines := []struct {
		name string
		e    kvEngine
	}{{"tierkv", tk}, {"pebble", pb}}
	for _, w := range benchWorkloads(z) {
		// Warm both engines with the same skewed reads first.
		for _, en := range engines {
			rng := rand.New(rand.NewPCG(9, 9))
			var k []byte
			for range 300_000 {
				k = benchKey(k, z.scrambled(rng))
				en.e.get(k)
			}
		}
		for _, en := range engines {
			b.Run(w.name+"/engine="+en.name, func(b *testing.B) {
				t, isTierkv := en.e.(tierkvEngine)
				var before engine.Stats
				if isTierkv {
					before = t.db.Stats()
				}
				misses := en.e.blockCacheMisses()
				runParallelWorkload(b, en.e, w)
				// Block-cache misses are what a read costs most (a pread,
				// a checksum, a decompression), and unlike times they do
				// not depend on the machine's load.
				b.ReportMetric(float64(en.e.blockCacheMisses()-misses)/float64(b.N), "blockmiss/op")
				if isTierkv {
					after := t.db.Stats()
					if gets := after.Gets - before.Gets; gets > 0 {
						b.ReportMetric(float64(after.MemTierHits-before.MemTierHits)/float64(gets), "memhit-ratio")
					}
					if disk := after.DiskTierHits - before.DiskTierHits; disk > 0 {
						// Admitted promotions cost an insert and an eviction each.
						b.ReportMetric(float64(after.Promotions-before.Promotions)/float64(disk), "promoted/diskhit")
					}
					if writes := after.Writes - before.Writes; writes > 0 {
						// What an update costs beyond the memory tier: the
						// share of writes that pushed a dirty entry to Pebble.
						b.ReportMetric(float64(after.WriteBacks-before.WriteBacks)/float64(writes), "writebacks/write")
					}
				}
			})
		}
	}
}

var benchSeed atomic.Uint64

func runParallelWorkload(b *testing.B, e kvEngine, w benchWorkload) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(benchSeed.Add(1), 3))
		var k []byte
		for pb.Next() {
			k = w.op(e, rng, k)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
