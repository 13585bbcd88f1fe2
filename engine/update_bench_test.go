package engine_test

import (
	"fmt"
	"testing"

	"github.com/tierkv/tierkv/engine"
)

// BenchmarkUpdate measures parallel Zipf-skewed overwrites on the real
// disk with SyncNever: 100k keys, the memory tier holding about a tenth.
func BenchmarkUpdate(b *testing.B) {
	db, err := engine.Open(b.TempDir(), &engine.Options{MemTierBytes: 2 << 20, Sync: engine.SyncNever, AsyncWAL: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const n = 100_000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "user%012d", i)
		if err := db.Put(keys[i], make([]byte, 100)); err != nil {
			b.Fatal(err)
		}
	}
	value := make([]byte, 100)
	runZipfParallel(b, keys, func(k []byte) error { return db.Put(k, value) })
}
