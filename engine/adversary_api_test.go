package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// advTiers lists the places a key's current version can live when a Get or
// an iterator reads it: only in the memory tier, only in the disk tier
// (written back and evicted, under a tiny budget), and only on disk after a
// reopen (recovered from the disk tier, nothing of it in the WAL).
var advTiers = []string{"mem", "disk", "reopen"}

// advOpen opens a DB in a fresh in-memory FS and returns it and the FS.
func advOpen(t *testing.T, opts engine.Options) (*engine.DB, vfs.FS) {
	t.Helper()
	if opts.FS == nil {
		opts.FS = vfs.NewMem()
	}
	db, err := engine.Open("db", &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, opts.FS
}

// advMove puts the DB's current versions where tier says: "mem" leaves
// them; "disk" fills the memory tier with other keys so they are written
// back and evicted; "reopen" closes and reopens the DB (the returned DB
// must be used from then on).
func advMove(t *testing.T, db *engine.DB, fs vfs.FS, opts engine.Options, tier string) *engine.DB {
	t.Helper()
	switch tier {
	case "disk":
		for i := range 400 {
			if err := db.Put(fmt.Appendf(nil, "~filler%04d", i), make([]byte, 64)); err != nil {
				t.Fatal(err)
			}
		}
		return db
	case "reopen":
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		opts.FS = fs
		db2, err := engine.Open("db", &opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db2.Close() })
		return db2
	}
	return db
}

// advSmall is a tiny memory tier: a few hundred filler writes evict everything.
var advSmall = engine.Options{MemTierBytes: 2 << 10}

// TestAdvGetReturnsCallerOwnedSlice: the caller owns Get's result; writing
// into it must not change what the next Get returns, in either tier.
func TestAdvGetReturnsCallerOwnedSlice(t *testing.T) {
	for _, policy := range []engine.Policy{engine.PolicyWTinyLFU, engine.PolicyLRU} {
		for _, tier := range advTiers {
			t.Run("policy="+string(policy)+"/tier="+tier, func(t *testing.T) {
				opts := advSmall
				opts.Policy = policy
				db, fs := advOpen(t, opts)
				for _, v := range []string{"original", string(bytes.Repeat([]byte("long "), 20000))} {
					if err := db.Put([]byte("k"+v[:1]), []byte(v)); err != nil {
						t.Fatal(err)
					}
				}
				db = advMove(t, db, fs, opts, tier)
				for round := range 6 { // disk hits, a promotion, memory hits
					for _, want := range []string{"original", string(bytes.Repeat([]byte("long "), 20000))} {
						v, err := db.Get([]byte("k" + want[:1]))
						if err != nil || string(v) != want {
							t.Fatalf("round %d: got (%d bytes, %v), want %d bytes", round, len(v), err, len(want))
						}
						for i := range v {
							v[i] = 'X'
						}
						_ = append(v[:0], "scribbled over the capacity too"...)
					}
				}
			})
		}
	}
}

// TestAdvPutKeepsNoReference: Put, Delete and Batch copy their arguments;
// scribbling over the buffers after the call changes nothing stored.
func TestAdvPutKeepsNoReference(t *testing.T) {
	writers := []struct {
		name  string
		write func(db *engine.DB, k, v []byte) error
	}{
		{"Put", func(db *engine.DB, k, v []byte) error { return db.Put(k, v) }},
		{"Batch", func(db *engine.DB, k, v []byte) error {
			b := db.NewBatch()
			b.Put(k, v)
			return db.Apply(b)
		}},
		{"BatchScribbledBeforeApply", func(db *engine.DB, k, v []byte) error {
			b := db.NewBatch()
			b.Put(k, v)
			kk, vv := append([]byte{}, k...), append([]byte{}, v...)
			copy(k, bytes.Repeat([]byte{'#'}, len(k)))
			copy(v, bytes.Repeat([]byte{'#'}, len(v)))
			err := db.Apply(b)
			copy(k, kk)
			copy(v, vv)
			return err
		}},
	}
	modes := []struct {
		name string
		opts engine.Options
	}{
		{"sync=always", engine.Options{MemTierBytes: 2 << 10}},
		{"sync=never/async", engine.Options{MemTierBytes: 2 << 10, Sync: engine.SyncNever, AsyncWAL: true}},
		{"sync=interval/async", engine.Options{MemTierBytes: 2 << 10, Sync: engine.SyncInterval, AsyncWAL: true}},
	}
	for _, m := range modes {
		for _, w := range writers {
			t.Run(m.name+"/"+w.name, func(t *testing.T) {
				db, fs := advOpen(t, m.opts)
				k := make([]byte, 0, 16)
				v := make([]byte, 0, 16)
				for i := range 50 {
					// The same two buffers every time.
					k = fmt.Appendf(k[:0], "key-%d", i)
					v = fmt.Appendf(v[:0], "value-%d", i)
					if err := w.write(db, k, v); err != nil {
						t.Fatal(err)
					}
					// Scribble over both buffers, keeping the lengths.
					copy(k, bytes.Repeat([]byte{'!'}, len(k)))
					copy(v, bytes.Repeat([]byte{'?'}, len(v)))
				}
				check := func(when string) {
					for i := range 50 {
						key := fmt.Sprintf("key-%d", i)
						got, err := db.Get([]byte(key))
						if want := fmt.Sprintf("value-%d", i); err != nil || string(got) != want {
							t.Fatalf("%s: %s = (%q, %v), want %q", when, key, got, err, want)
						}
					}
					for _, bad := range []string{"!!!!!", "!!!!!!", "key-!"} {
						if _, err := db.Get([]byte(bad)); !errors.Is(err, engine.ErrNotFound) {
							t.Fatalf("%s: a scribbled key %q exists: %v", when, bad, err)
						}
					}
				}
				check("before reopen")
				db = advMove(t, db, fs, m.opts, "reopen")
				check("after reopen")
			})
		}
	}
}

// TestAdvBatchReuseAfterApply: after Apply returns, the caller may Reset
// the batch and refill it (reusing its arena) without applying it: nothing
// of the refill may reach the DB, not even through an asynchronous WAL.
func TestAdvBatchReuseAfterApply(t *testing.T) {
	for _, async := range []bool{false, true} {
		t.Run(fmt.Sprintf("async=%v", async), func(t *testing.T) {
			opts := engine.Options{Sync: engine.SyncNever, AsyncWAL: async}
			db, fs := advOpen(t, opts)
			b := db.NewBatch()
			for round := range 20 {
				b.Reset()
				for i := range 20 {
					b.Put(fmt.Appendf(nil, "r%02d-k%02d", round, i), fmt.Appendf(nil, "good-%02d-%02d", round, i))
				}
				if err := db.Apply(b); err != nil {
					t.Fatal(err)
				}
				b.Reset()
				for i := range 20 { // same lengths: lands on the same arena bytes
					b.Put(fmt.Appendf(nil, "r%02d-K%02d", round, i), fmt.Appendf(nil, "EVIL-%02d-%02d", round, i))
				}
			}
			db = advMove(t, db, fs, opts, "reopen")
			got, err := dump(db)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 400 {
				t.Fatalf("after reopen: %d keys, want 400", len(got))
			}
			for k, v := range got {
				if want := "good-" + k[1:3] + "-" + k[5:7]; string(v) != want {
					t.Fatalf("%s = %q, want %q", k, v, want)
				}
			}
		})
	}
}

// TestAdvSameKeyTwiceInBatch: the later operation on a key wins, whatever
// the earlier one, in whichever tier the key lived before.
func TestAdvSameKeyTwiceInBatch(t *testing.T) {
	type op struct {
		del bool
		v   string
	}
	cases := []struct {
		name string
		ops  []op
		want string // "" = absent
	}{
		{"put-put", []op{{v: "a"}, {v: "b"}}, "b"},
		{"put-delete", []op{{v: "a"}, {del: true}}, ""},
		{"delete-put", []op{{del: true}, {v: "b"}}, "b"},
		{"delete-delete", []op{{del: true}, {del: true}}, ""},
		{"put-delete-put", []op{{v: "a"}, {del: true}, {v: "c"}}, "c"},
		{"put-empty", []op{{v: "a"}, {v: ""}}, "="},
		{"empty-delete", []op{{v: ""}, {del: true}}, ""},
	}
	for _, existing := range []string{"absent", "mem", "disk"} {
		for _, c := range cases {
			t.Run("existing="+existing+"/"+c.name, func(t *testing.T) {
				db, fs := advOpen(t, advSmall)
				if existing != "absent" {
					if err := db.Put([]byte("k"), []byte("old")); err != nil {
						t.Fatal(err)
					}
					db = advMove(t, db, fs, advSmall, existing)
				}
				b := db.NewBatch()
				for _, o := range c.ops {
					if o.del {
						b.Delete([]byte("k"))
					} else {
						b.Put([]byte("k"), []byte(o.v))
					}
				}
				if b.Len() != len(c.ops) {
					t.Fatalf("Len %d, want %d", b.Len(), len(c.ops))
				}
				if err := db.Apply(b); err != nil {
					t.Fatal(err)
				}
				for _, when := range []string{"mem", "disk", "reopen"} {
					db = advMove(t, db, fs, advSmall, when)
					v, err := db.Get([]byte("k"))
					switch c.want {
					case "":
						if !errors.Is(err, engine.ErrNotFound) {
							t.Fatalf("%s: got (%q, %v), want ErrNotFound", when, v, err)
						}
					case "=":
						if err != nil || v == nil || len(v) != 0 {
							t.Fatalf("%s: got (%q, %v), want an empty value", when, v, err)
						}
					default:
						if err != nil || string(v) != c.want {
							t.Fatalf("%s: got (%q, %v), want %q", when, v, err, c.want)
						}
					}
				}
			})
		}
	}
}

// TestAdvEmptyValueEverywhere: a zero-length value (nil or empty) is a
// value, distinct from absent, through Get and iterators, in both tiers and
// after a reopen; deleting it makes it absent.
func TestAdvEmptyValueEverywhere(t *testing.T) {
	for _, tier := range advTiers {
		t.Run("tier="+tier, func(t *testing.T) {
			db, fs := advOpen(t, advSmall)
			b := db.NewBatch()
			b.Put([]byte("batch-nil"), nil)
			b.Put([]byte("batch-empty"), []byte{})
			if err := db.Apply(b); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"put-nil", "put-empty", "deleted"} {
				var v []byte
				if k == "put-empty" {
					v = []byte{}
				}
				if err := db.Put([]byte(k), v); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Delete([]byte("deleted")); err != nil {
				t.Fatal(err)
			}
			db = advMove(t, db, fs, advSmall, tier)
			present := []string{"batch-empty", "batch-nil", "put-empty", "put-nil"}
			for _, k := range present {
				v, err := db.Get([]byte(k))
				if err != nil || v == nil || len(v) != 0 {
					t.Fatalf("Get(%s) = (%q, %v), want a non-nil empty value", k, v, err)
				}
			}
			for _, k := range []string{"deleted", "never"} {
				if v, err := db.Get([]byte(k)); !errors.Is(err, engine.ErrNotFound) {
					t.Fatalf("Get(%s) = (%q, %v), want ErrNotFound", k, v, err)
				}
			}
			it, err := db.NewIter(&engine.IterOptions{UpperBound: []byte("~")})
			if err != nil {
				t.Fatal(err)
			}
			defer it.Close()
			var keys []string
			for ok := it.First(); ok; ok = it.Next() {
				if v := it.Value(); v == nil || len(v) != 0 {
					t.Fatalf("iterator value of %s = %q, want a non-nil empty value", it.Key(), v)
				}
				keys = append(keys, string(it.Key()))
			}
			if fmt.Sprint(keys) != fmt.Sprint(present) {
				t.Fatalf("iterator keys %q, want %q", keys, present)
			}
		})
	}
}

// TestAdvDeleteAbsentAndDiskOnly: deleting an absent key is no error and
// creates nothing; deleting a key that lives only on disk hides it for
// good, also once the tombstone itself is written back and after reopen.
func TestAdvDeleteAbsentAndDiskOnly(t *testing.T) {
	db, fs := advOpen(t, advSmall)
	if err := db.Delete([]byte("never")); err != nil {
		t.Fatalf("delete of an absent key: %v", err)
	}
	if err := db.Put([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	db = advMove(t, db, fs, advSmall, "disk")
	if err := db.Delete([]byte("k")); err != nil {
		t.Fatal(err)
	}
	for _, when := range []string{"mem", "disk", "reopen", "disk"} {
		db = advMove(t, db, fs, advSmall, when)
		for _, k := range []string{"k", "never"} {
			if v, err := db.Get([]byte(k)); !errors.Is(err, engine.ErrNotFound) {
				t.Fatalf("%s: Get(%s) = (%q, %v), want ErrNotFound", when, k, v, err)
			}
		}
		it, err := db.NewIter(&engine.IterOptions{UpperBound: []byte("~")})
		if err != nil {
			t.Fatal(err)
		}
		if it.First() {
			t.Fatalf("%s: iterator finds %q", when, it.Key())
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAdvSizeLimits: a key of exactly MaxKeyBytes and a value of exactly
// MaxValueBytes are accepted (and survive a reopen); one byte more is
// refused by every entry point, with nothing written.
func TestAdvSizeLimits(t *testing.T) {
	opts := engine.Options{MaxKeyBytes: 10, MaxValueBytes: 20}
	db, fs := advOpen(t, opts)
	key := bytes.Repeat([]byte{'k'}, 10)
	val := bytes.Repeat([]byte{'v'}, 20)
	longKey := bytes.Repeat([]byte{'k'}, 11)
	longVal := bytes.Repeat([]byte{'v'}, 21)
	if err := db.Put(key, val); err != nil {
		t.Fatalf("put at the limits: %v", err)
	}
	b := db.NewBatch()
	b.Put(append(key[:9:9], 'b'), val)
	if err := db.Apply(b); err != nil {
		t.Fatalf("batch at the limits: %v", err)
	}
	cases := []struct {
		name string
		call func() error
		want error
	}{
		{"Put/key", func() error { return db.Put(longKey, []byte("v")) }, engine.ErrKeyTooLarge},
		{"Put/value", func() error { return db.Put([]byte("x"), longVal) }, engine.ErrValueTooLarge},
		{"Delete/key", func() error { return db.Delete(longKey) }, engine.ErrKeyTooLarge},
		{"Get/key", func() error { _, err := db.Get(longKey); return err }, engine.ErrKeyTooLarge},
		{"Batch/key", func() error { b := db.NewBatch(); b.Put([]byte("x"), nil); b.Put(longKey, nil); return db.Apply(b) }, engine.ErrKeyTooLarge},
		{"Batch/delete-key", func() error { b := db.NewBatch(); b.Put([]byte("x"), nil); b.Delete(longKey); return db.Apply(b) }, engine.ErrKeyTooLarge},
		{"Batch/value", func() error {
			b := db.NewBatch()
			b.Put([]byte("x"), nil)
			b.Put([]byte("y"), longVal)
			return db.Apply(b)
		}, engine.ErrValueTooLarge},
		{"Batch/empty-key", func() error { b := db.NewBatch(); b.Put([]byte("x"), nil); b.Delete(nil); return db.Apply(b) }, engine.ErrEmptyKey},
		{"Batch/superseded-bad-value", func() error {
			b := db.NewBatch()
			b.Put([]byte("x"), longVal)
			b.Put([]byte("x"), []byte("fine"))
			return db.Apply(b)
		}, engine.ErrValueTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	db = advMove(t, db, fs, opts, "reopen")
	for _, k := range [][]byte{key, append(key[:9:9], 'b')} {
		if v, err := db.Get(k); err != nil || !bytes.Equal(v, val) {
			t.Fatalf("after reopen: Get(%s) = (%q, %v)", k, v, err)
		}
	}
	for _, k := range []string{"x", "y"} {
		if _, err := db.Get([]byte(k)); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("a refused write stored %s: %v", k, err)
		}
	}
	if s := db.Stats(); s.ReplayedRecords != 0 {
		// A clean close checkpointed: the refused writes left no WAL records either.
		t.Fatalf("replayed %d records after a clean close", s.ReplayedRecords)
	}
}

// TestAdvDefaultMaxKeyBytes: a key of exactly the default limit (64 KiB - 1)
// goes through both tiers and a reopen; one byte more is refused.
func TestAdvDefaultMaxKeyBytes(t *testing.T) {
	opts := engine.Options{MemTierBytes: 64 << 10}
	db, fs := advOpen(t, opts)
	key := bytes.Repeat([]byte{0xff}, engine.DefaultMaxKeyBytes)
	if err := db.Put(key, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := db.Put(append(key, 0), []byte("v")); !errors.Is(err, engine.ErrKeyTooLarge) {
		t.Fatalf("key of %d bytes: %v", len(key)+1, err)
	}
	for _, when := range []string{"mem", "reopen"} {
		db = advMove(t, db, fs, opts, when)
		if v, err := db.Get(key); err != nil || string(v) != "v" {
			t.Fatalf("%s: got (%q, %v)", when, v, err)
		}
	}
}

// TestAdvOptionsNotModified: Open copies the caller's Options.
func TestAdvOptionsNotModified(t *testing.T) {
	fs := vfs.NewMem()
	opts := &engine.Options{FS: fs, MemTierBytes: 1 << 10}
	want := *opts
	db, err := engine.Open("db", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if *opts != want {
		t.Fatalf("Open changed the caller's Options: %+v, was %+v", *opts, want)
	}
	var zero engine.Options
	zero.FS = vfs.NewMem()
	wantZero := zero
	db2, err := engine.Open("db", &zero)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if zero != wantZero {
		t.Fatalf("Open filled the caller's zero Options: %+v", zero)
	}
}

// TestAdvSizeBoundaries round-trips keys and values at encoding boundaries
// (varint and power-of-two lengths), compressible and not, through the
// memory tier, an iterator, the disk tier (with promotion back), and a
// reopen; values are mutated by the caller after every Get.
func TestAdvSizeBoundaries(t *testing.T) {
	keySizes := []int{1, 2, 127, 128, 255, 256, 1000}
	valSizes := []int{0, 1, 63, 64, 65, 127, 128, 255, 256, 4095, 4096, 16383, 16384, 65535, 65536, 70000}
	opts := engine.Options{MemTierBytes: 256 << 10, Policy: engine.PolicyLRU, MaxKeyBytes: 1000}
	db, fs := advOpen(t, opts)
	m := newModel()
	for ki, ks := range keySizes {
		for vi, vs := range valSizes {
			k := bytes.Repeat([]byte{byte('a' + ki)}, ks)
			k[len(k)-1] = byte(vi) // distinct keys of the same size
			v := make([]byte, vs)
			for i := range v {
				if (ki+vi)%2 == 0 {
					v[i] = byte("compressible"[i%12]) // the tier tries to compress these
				} else {
					v[i] = byte(i*7919 + i>>3*31 + vi)
				}
			}
			if err := db.Put(k, v); err != nil {
				t.Fatalf("key %d bytes, value %d bytes: %v", ks, vs, err)
			}
			m.put(k, v)
		}
	}
	check := func(when string) {
		t.Helper()
		got, err := dump(db)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if err := m.diff(got); err != nil {
			t.Fatalf("%s: scan: %v", when, err)
		}
		for range 2 { // the second round reads promoted copies
			for k, want := range m.kv {
				v, err := db.Get([]byte(k))
				if err != nil || !bytes.Equal(v, want) {
					t.Fatalf("%s: key of %d bytes: got %d bytes (%v), want %d", when, len(k), len(v), err, len(want))
				}
				for i := range v {
					v[i] ^= 0xff
				}
			}
		}
	}
	check("memory tier")
	db = advMove(t, db, fs, opts, "reopen")
	check("after reopen (disk tier, then promoted)")
	if s := db.Stats(); s.Promotions == 0 || s.DiskTierHits == 0 {
		t.Fatalf("nothing came from the disk tier: %s", advCounters(s))
	}
	check("promoted")
}
