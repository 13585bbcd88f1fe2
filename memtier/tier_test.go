package memtier

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tierkv/tierkv/memtier/policy"
)

func newTier(t testing.TB, o *Options) *Tier {
	t.Helper()
	tr, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(tr.Close)
	return tr
}

func get(tr *Tier, key string) (string, uint64, bool, bool) {
	v, seq, tomb, ok := tr.Get([]byte(key), nil)
	return string(v), seq, tomb, ok
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name string
		opts *Options
		ok   bool
	}{
		{"nil", nil, true},
		{"zero", &Options{}, true},
		{"shards=3", &Options{Shards: 3}, false},
		{"shards=-1", &Options{Shards: -1}, false},
		{"budget=-1", &Options{BudgetBytes: -1}, false},
		{"fraction=1.5", &Options{MaxEntryFraction: 1.5}, false},
		{"fraction=-0.1", &Options{MaxEntryFraction: -0.1}, false},
		{"policy=bogus", &Options{Policy: "bogus"}, false},
		{"sampling=3", &Options{AccessSampling: 3}, false},
		{"sampling=1", &Options{AccessSampling: 1}, true},
		{"all-bad", &Options{Shards: 5, BudgetBytes: -2, Policy: "x"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before Options
			if tc.opts != nil {
				before = *tc.opts
			}
			tr, err := New(tc.opts)
			if tc.ok != (err == nil) {
				t.Fatalf("New: err %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrBadOptions) {
				t.Fatalf("error %v is not ErrBadOptions", err)
			}
			if tc.opts != nil && *tc.opts != before {
				t.Fatalf("New modified the caller's options: %+v", *tc.opts)
			}
			if tr != nil {
				tr.Close()
			}
		})
	}
}

func TestPutGet(t *testing.T) {
	for _, kind := range policy.Kinds() {
		t.Run("policy="+string(kind), func(t *testing.T) {
			tr := newTier(t, &Options{Policy: kind})
			if _, _, _, ok := get(tr, "a"); ok {
				t.Fatal("empty tier hit")
			}
			tr.Put([]byte("a"), []byte("1"), 5, false)
			if v, seq, tomb, ok := get(tr, "a"); !ok || tomb || v != "1" || seq != 5 {
				t.Fatalf("Get = %q %d %v %v", v, seq, tomb, ok)
			}
			tr.Put([]byte("a"), []byte("old"), 4, false)  // older: ignored
			tr.Put([]byte("a"), []byte("same"), 5, false) // equal: ignored
			if v, _, _, _ := get(tr, "a"); v != "1" {
				t.Fatalf("older write won: %q", v)
			}
			tr.Put([]byte("a"), nil, 6, true)
			if _, seq, tomb, ok := get(tr, "a"); !ok || !tomb || seq != 6 {
				t.Fatalf("tombstone: seq %d tomb %v ok %v", seq, tomb, ok)
			}
			tr.Put([]byte("a"), []byte{}, 7, false)
			v, _, tomb, ok := tr.Get([]byte("a"), make([]byte, 0, 4))
			if !ok || tomb || v == nil || len(v) != 0 {
				t.Fatalf("empty value: %q tomb %v ok %v", v, tomb, ok)
			}
			dst := []byte("prefix-")
			tr.Put([]byte("b"), []byte("val"), 8, false)
			if v, _, _, _ := tr.Get([]byte("b"), dst); string(v) != "prefix-val" {
				t.Fatalf("Get did not append: %q", v)
			}
			checkInvariants(t, tr)
			if st := tr.Stats(); st.Entries != 2 || st.DirtyEntries != 2 || st.Hits != 4 || st.TombstoneHits != 1 || st.Misses != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestPutCopiesArguments(t *testing.T) {
	tr := newTier(t, nil)
	k, v := []byte("key"), []byte("value")
	tr.Put(k, v, 1, false)
	k[0], v[0] = 'X', 'X'
	if got, _, _, ok := get(tr, "key"); !ok || got != "value" {
		t.Fatalf("Get = %q %v after caller reused buffers", got, ok)
	}
}

func TestCompression(t *testing.T) {
	compressible := bytes.Repeat([]byte("abcd"), 1000)
	random := make([]byte, 4000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	tests := []struct {
		name      string
		minBytes  int
		value     []byte
		compressd bool
	}{
		{"compressible", 0, compressible, true},
		{"disabled", -1, compressible, false},
		{"short", 8192, compressible, false},
		{"incompressible", 0, random, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTier(t, &Options{CompressMinBytes: tc.minBytes})
			tr.Put([]byte("k"), tc.value, 1, false)
			got, _, _, ok := tr.Get([]byte("k"), nil)
			if !ok || !bytes.Equal(got, tc.value) {
				t.Fatalf("round trip failed (ok=%v, len %d)", ok, len(got))
			}
			st := tr.Stats()
			small := st.Bytes < int64(len(tc.value))
			if small != tc.compressd {
				t.Fatalf("charged %d bytes for a %d-byte value; compressed=%v, want %v", st.Bytes, len(tc.value), small, tc.compressd)
			}
			d := tr.Dirty(10)
			if len(d) != 1 || !bytes.Equal(d[0].Value, tc.value) {
				t.Fatalf("Dirty returned %d entries / wrong value", len(d))
			}
			checkInvariants(t, tr)
		})
	}
}

func TestHashCollisions(t *testing.T) {
	tr := newTier(t, &Options{Shards: 1})
	tr.hashMask = 3 // four hash values for all keys: nearly every key collides
	const n = 200
	for i := range n {
		tr.Put(fmt.Appendf(nil, "k%03d", i), fmt.Appendf(nil, "v%d", i), uint64(i+1), false)
	}
	checkInvariants(t, tr)
	for i := range n {
		if v, _, _, ok := get(tr, fmt.Sprintf("k%03d", i)); !ok || v != fmt.Sprint("v", i) {
			t.Fatalf("k%03d: %q %v", i, v, ok)
		}
	}
	// Remove the keys that sit in the main map first, then check the rest.
	tr.MarkClean(tr.Dirty(^uint64(0)))
	for i := 0; i < n; i += 2 {
		tr.Put(fmt.Appendf(nil, "k%03d", i), nil, uint64(1000+i), true)
	}
	tr.MarkClean(tr.Dirty(^uint64(0))) // tombstones leave
	checkInvariants(t, tr)
	for i := range n {
		_, _, _, ok := get(tr, fmt.Sprintf("k%03d", i))
		if ok != (i%2 == 1) {
			t.Fatalf("k%03d resident=%v", i, ok)
		}
	}
	for i := 0; i < n; i += 2 {
		tr.Put(fmt.Appendf(nil, "k%03d", i), []byte("again"), uint64(2000+i), false)
	}
	checkInvariants(t, tr)
	if st := tr.Stats(); st.Entries != n {
		t.Fatalf("entries %d, want %d", st.Entries, n)
	}
}
