package disktier

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

const (
	benchKeys      = 100_000
	benchValueSize = 100
)

func benchKey(i int) []byte { return []byte(fmt.Sprintf("user%010d", i)) }

// benchPeer is the raw-Pebble peer of a Store: same FS, cache size, bloom
// filters, memtable size and WAL setting, no namespacing or versions.
func benchPeer(b *testing.B, fs vfs.FS) *pebble.DB {
	b.Helper()
	cache := pebble.NewCache(DefaultBlockCacheBytes)
	defer cache.Unref()
	o := &pebble.Options{FS: fs, Cache: cache, DisableWAL: true, MemTableSize: DefaultMemTableBytes,
		FormatMajorVersion: pebble.FormatNewest, Logger: pebbleLogger{l: discardLogger{}, fatal: func(err error) { panic(err) }}}
	for i := range o.Levels {
		o.Levels[i].FilterPolicy = bloom.FilterPolicy(DefaultBloomBitsPerKey)
	}
	db, err := pebble.Open("peer", o)
	if err != nil {
		b.Fatalf("open peer: %v", err)
	}
	return db
}

// loadBoth fills a Store and its peer with benchKeys keys and flushes both.
func loadBoth(b *testing.B) (*Store, *pebble.DB) {
	b.Helper()
	fs := vfs.NewMem()
	s, err := Open("disk", &Options{FS: fs})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	db := benchPeer(b, fs)
	val := make([]byte, benchValueSize)
	sb, pb := s.NewBatch(), db.NewBatch()
	for i := range benchKeys {
		sb.Set(benchKey(i), val, uint64(i))
		_ = pb.Set(benchKey(i), val, nil)
		if i%1000 == 999 {
			if err := s.Commit(sb); err != nil {
				b.Fatalf("Commit: %v", err)
			}
			if err := pb.Commit(pebble.NoSync); err != nil {
				b.Fatalf("peer Commit: %v", err)
			}
			pb = db.NewBatch()
		}
	}
	if err := s.Flush(); err != nil {
		b.Fatalf("Flush: %v", err)
	}
	if err := db.Flush(); err != nil {
		b.Fatalf("peer Flush: %v", err)
	}
	return s, db
}

func BenchmarkGet(b *testing.B) {
	s, db := loadBoth(b)
	defer s.Close()
	defer db.Close()
	for _, dist := range []string{"uniform", "zipf"} {
		b.Run("impl=disktier/keys="+dist, func(b *testing.B) {
			next := keyGen(dist)
			var dst []byte
			b.ReportAllocs()
			for b.Loop() {
				v, _, _, ok, err := s.Get(benchKey(next()), dst[:0])
				if err != nil || !ok {
					b.Fatalf("Get: ok=%v err=%v", ok, err)
				}
				dst = v
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
		b.Run("impl=pebble/keys="+dist, func(b *testing.B) {
			next := keyGen(dist)
			var dst []byte
			b.ReportAllocs()
			for b.Loop() {
				v, closer, err := db.Get(benchKey(next()))
				if err != nil {
					b.Fatalf("peer Get: %v", err)
				}
				dst = append(dst[:0], v...)
				_ = closer.Close()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// keyGen returns a seeded generator of key indexes.
func keyGen(dist string) func() int {
	rng := rand.New(rand.NewPCG(1, 2))
	if dist == "zipf" {
		z := newZipf(rng, benchKeys, 0.99)
		return z.next
	}
	return func() int { return rng.IntN(benchKeys) }
}

func BenchmarkCommit(b *testing.B) {
	const batchKeys = 100
	val := make([]byte, benchValueSize)
	b.Run(fmt.Sprintf("impl=disktier/batch=%d", batchKeys), func(b *testing.B) {
		s, err := Open("disk", &Options{FS: vfs.NewMem()})
		if err != nil {
			b.Fatalf("Open: %v", err)
		}
		defer s.Close()
		rng := rand.New(rand.NewPCG(3, 4))
		bt := s.NewBatch()
		b.ReportAllocs()
		b.SetBytes(batchKeys * benchValueSize)
		seq := uint64(0)
		for b.Loop() {
			seq++
			for range batchKeys {
				bt.Set(benchKey(rng.IntN(benchKeys)), val, seq)
			}
			bt.SetWatermark(seq)
			if err := s.Commit(bt); err != nil {
				b.Fatalf("Commit: %v", err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
		b.ReportMetric(s.Metrics().WriteAmp(), "write-amp")
	})
	b.Run(fmt.Sprintf("impl=pebble/batch=%d", batchKeys), func(b *testing.B) {
		db := benchPeer(b, vfs.NewMem())
		defer db.Close()
		rng := rand.New(rand.NewPCG(3, 4))
		pb := db.NewBatch()
		b.ReportAllocs()
		b.SetBytes(batchKeys * benchValueSize)
		for b.Loop() {
			for range batchKeys {
				_ = pb.Set(benchKey(rng.IntN(benchKeys)), val, nil)
			}
			if err := db.Apply(pb, pebble.NoSync); err != nil {
				b.Fatalf("peer Apply: %v", err)
			}
			pb.Reset()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
	})
}
