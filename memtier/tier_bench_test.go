package memtier

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// getter is what the parallel Get benchmark measures: the tier, or the
// baseline map.
type getter interface {
	Get(key, dst []byte) ([]byte, bool)
}

type tierGetter struct{ t *Tier }

func (g tierGetter) Get(key, dst []byte) ([]byte, bool) {
	v, _, _, ok := g.t.Get(key, dst)
	return v, ok
}

// rwMap is the baseline: a plain map behind one sync.RWMutex.
type rwMap struct {
	mu sync.RWMutex
	m  map[string][]byte
}

func (m *rwMap) Get(key, dst []byte) ([]byte, bool) {
	m.mu.RLock()
	v, ok := m.m[string(key)]
	m.mu.RUnlock()
	return append(dst, v...), ok
}

// BenchmarkGetParallel measures Get hits on 1M resident entries (16-byte
// keys and values) with Zipf(0.99) keys from all GOMAXPROCS goroutines, for
// the tier and for an RWMutex-guarded map in the same run. The keys to look
// up are laid out back to back in request order, as a server holds the key
// it was just sent: reading them streams through memory instead of costing
// each Get (of either implementation) two extra cache misses in the
// harness. (Parallel benchmarks use RunParallel, not b.Loop.)
func BenchmarkGetParallel(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000} {
		benchGetParallel(b, n)
	}
}

// benchGetParallel runs BenchmarkGetParallel's implementations on n
// resident entries.
func benchGetParallel(b *testing.B, n int) {
	keys := benchKeys(n)
	stream := keyStream(keys, zipfTrace(n, 0.99, streamLen, 1))
	impls := []struct {
		name  string
		build func() getter
	}{
		{"memtier", func() getter { return benchTier(b, keys, DefaultAccessSampling) }},
		// Recording 1 Get in 16 or 64 for the policy instead of 1 in 4
		// shows what recording costs, and what the lookup alone does.
		{"memtier-sampling16", func() getter { return benchTier(b, keys, 16) }},
		{"memtier-sampling64", func() getter { return benchTier(b, keys, 64) }},
		{"rwmutex-map", func() getter {
			m := &rwMap{m: make(map[string][]byte, n)}
			for _, k := range keys {
				m.m[string(k)] = append([]byte{}, k...)
			}
			return m
		}},
	}
	size := fmt.Sprintf("entries=%dK", n/1000)
	if n >= 1_000_000 {
		size = fmt.Sprintf("entries=%dM", n/1_000_000)
	}
	for _, impl := range impls {
		var g getter
		b.Run("impl="+impl.name+"/"+size+"/zipf=0.99", func(b *testing.B) {
			if g == nil {
				g = impl.build() // once, not once per b.N probe
			}
			benchGets(b, g, stream)
		})
	}
}

// streamLen is the number of lookups in a benchmark's key stream.
const streamLen = 1 << 20

// keyStream lays out keys[trace[i]] back to back (all keys are 16 bytes).
func keyStream(keys [][]byte, trace []uint32) []byte {
	out := make([]byte, 0, 16*len(trace))
	for _, i := range trace {
		out = append(out, keys[i]...)
	}
	return out
}

// benchGets runs parallel Gets of the 16-byte keys in stream on g and
// reports ns/op, cpu-ns/op (process CPU time per Get: time per Get per
// goroutine when every goroutine runs) and allocs/op, failing on any miss
// or allocation.
func benchGets(b *testing.B, g getter, stream []byte) {
	var misses atomic.Int64
	var next atomic.Uint32
	b.ReportAllocs()
	runtime.GC() // no collection of the setup's garbage inside the timing
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	cpu0 := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		i := next.Add(1) * 7919 << 8
		dst := make([]byte, 0, 64)
		for pb.Next() {
			i++
			off := int(i&(streamLen-1)) * 16
			if _, ok := g.Get(stream[off:off+16:off+16], dst[:0]); !ok {
				misses.Add(1)
			}
		}
	})
	// The machines are shared: CPU time per op (over all goroutines) is
	// steadier than wall time when others compete.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	if misses.Load() != 0 {
		b.Fatalf("%d misses on resident keys", misses.Load())
	}
	// RunParallel's own goroutines allocate a few times per run.
	if allocs := ms1.Mallocs - ms0.Mallocs; allocs > 64+uint64(b.N)/10000 {
		b.Fatalf("%d allocations in %d Gets, want 0 per Get", allocs, b.N)
	}
}

// benchTier returns a tier holding keys (each its own value).
func benchTier(b *testing.B, keys [][]byte, sampling int) getter {
	tr, err := New(&Options{BudgetBytes: int64(len(keys)) * (32 + EntryOverhead) * 2, AccessSampling: sampling})
	if err != nil {
		b.Fatal(err)
	}
	for i, k := range keys {
		tr.Put(k, k, uint64(i+1), false)
	}
	return tierGetter{tr}
}

// reportCPU starts a CPU clock and returns a func that reports CPU time
// per op as cpu-ns/op.
func reportCPU(b *testing.B) func() {
	cpu0 := processCPU()
	return func() { b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op") }
}

// processCPU returns the user+system CPU time the process has used, in ns.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkOverheadPerEntry reports the heap bytes per entry beyond key and
// value with 1M entries of 16-byte keys and values, for the tier (each
// policy) and for a plain map[string][]byte holding the same data.
func BenchmarkOverheadPerEntry(b *testing.B) {
	const n = 1_000_000
	for _, kind := range []string{"wtinylfu", "lru", "lfu", "random"} {
		b.Run("impl=memtier/policy="+kind+"/entries=1M", func(b *testing.B) {
			b.ReportAllocs()
			var got float64
			for b.Loop() {
				got = measureOverhead(b, policyKind(kind), n)
			}
			b.ReportMetric(got, "overhead-B/entry")
			b.ReportMetric(EntryOverhead, "charged-B/entry")
		})
	}
	b.Run("impl=map/entries=1M", func(b *testing.B) {
		b.ReportAllocs()
		var got float64
		for b.Loop() {
			before := heapInUse()
			m := make(map[string][]byte)
			for _, k := range benchKeys(n) {
				m[string(k)] = append([]byte{}, k...)
			}
			got = float64(heapInUse()-before)/n - 32
			runtime.KeepAlive(m)
		}
		b.ReportMetric(got, "overhead-B/entry")
	})
}

// BenchmarkPut measures overwrites of resident keys (16-byte keys and
// values, Zipf(0.99)) in a tier with 100K or 1M entries, beside the same
// writes to the RWMutex map.
func BenchmarkPut(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		keys := benchKeys(n)
		trace := zipfTrace(n, 0.99, 1<<20, 2)
		size := fmt.Sprintf("entries=%dK", n/1000)
		if n >= 1_000_000 {
			size = fmt.Sprintf("entries=%dM", n/1_000_000)
		}
		b.Run("impl=memtier/"+size+"/zipf=0.99", func(b *testing.B) {
			tr := benchTier(b, keys, DefaultAccessSampling).(tierGetter).t
			seq := uint64(n)
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				seq++
				k := keys[trace[seq&(1<<20-1)]]
				tr.Put(k, k, seq, false)
			}
		})
		b.Run("impl=rwmutex-map/"+size+"/zipf=0.99", func(b *testing.B) {
			m := make(map[string][]byte, n)
			for _, k := range keys {
				m[string(k)] = append([]byte{}, k...)
			}
			var mu sync.RWMutex
			i := 0
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				i++
				k := keys[trace[i&(1<<20-1)]]
				v := append([]byte{}, k...) // a new version, as the tier publishes
				mu.Lock()
				m[string(k)] = v
				mu.Unlock()
			}
		})
	}
}

// BenchmarkSnapshot measures what an iterator's snapshot costs the writers:
// Snapshot (an O(1) clone) followed by a write, which must copy the B-tree
// path it changes, beside the write alone.
func BenchmarkSnapshot(b *testing.B) {
	const n = 1_000_000
	keys := benchKeys(n)
	tr := benchTier(b, keys, DefaultAccessSampling).(tierGetter).t
	for _, snap := range []bool{false, true} {
		b.Run(fmt.Sprintf("entries=1M/snapshot-per-write=%v", snap), func(b *testing.B) {
			seq := uint64(2 * n)
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				seq++
				if snap {
					tr.Snapshot().Close()
				}
				k := keys[seq%n]
				tr.Put(k, k, seq, false)
			}
		})
	}
}
