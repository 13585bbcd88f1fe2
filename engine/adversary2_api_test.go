package engine_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/disktier"
	"github.com/tierkv/tierkv/engine"
)

// TestAdv2BatchMisuse applies batches the way a careless caller would: nil,
// empty, reset before or after Apply, applied twice, made by another (even
// a closed) DB, reused after a rejected Apply. Each case states what the
// DB must hold afterwards, checked before and after a reopen; a no-op must
// not even log a record.
func TestAdv2BatchMisuse(t *testing.T) {
	type kv = map[string]string
	cases := []struct {
		name  string
		run   func(t *testing.T, db *engine.DB) error
		want  kv
		noLog bool // nothing may reach the WAL
	}{
		{"nil", func(t *testing.T, db *engine.DB) error { return db.Apply(nil) }, kv{}, true},
		{"empty", func(t *testing.T, db *engine.DB) error { return db.Apply(db.NewBatch()) }, kv{}, true},
		{"reset-before-apply", func(t *testing.T, db *engine.DB) error {
			b := db.NewBatch()
			b.Put([]byte("a"), []byte("1"))
			b.Delete([]byte("b"))
			b.Reset()
			if b.Len() != 0 {
				t.Fatalf("Len after Reset = %d", b.Len())
			}
			return db.Apply(b)
		}, kv{}, true},
		{"reuse-after-reset", func(t *testing.T, db *engine.DB) error {
			b := db.NewBatch()
			b.Put([]byte("a"), bytes.Repeat([]byte("1"), 300)) // grows the arena
			if err := db.Apply(b); err != nil {
				return err
			}
			if err := db.Put([]byte("a"), []byte("overwritten")); err != nil {
				return err
			}
			b.Reset()
			b.Put([]byte("b"), []byte("2")) // must not re-apply a
			return db.Apply(b)
		}, kv{"a": "overwritten", "b": "2"}, false},
		{"apply-twice", func(t *testing.T, db *engine.DB) error {
			b := db.NewBatch()
			b.Put([]byte("a"), []byte("batch"))
			b.Delete([]byte("c"))
			if err := db.Apply(b); err != nil {
				return err
			}
			if err := db.Put([]byte("a"), []byte("later")); err != nil {
				return err
			}
			if err := db.Put([]byte("c"), []byte("later")); err != nil {
				return err
			}
			return db.Apply(b) // a second, later write of the same operations
		}, kv{"a": "batch"}, false},
		{"other-db", func(t *testing.T, db *engine.DB) error {
			other, _ := advOpen(t, engine.Options{})
			b := other.NewBatch()
			b.Put([]byte("a"), []byte("from other"))
			if err := db.Apply(b); err != nil {
				return err
			}
			if _, err := other.Get([]byte("a")); !errors.Is(err, engine.ErrNotFound) {
				t.Fatalf("the batch's maker got the write: %v", err)
			}
			return nil
		}, kv{"a": "from other"}, false},
		{"closed-db", func(t *testing.T, db *engine.DB) error {
			other, _ := advOpen(t, engine.Options{})
			if err := other.Close(); err != nil {
				return err
			}
			b := other.NewBatch()
			b.Put([]byte("a"), []byte("x"))
			if err := other.Apply(b); !errors.Is(err, engine.ErrClosed) {
				t.Fatalf("Apply on the closed DB: %v, want ErrClosed", err)
			}
			return db.Apply(b)
		}, kv{"a": "x"}, false},
		{"rejected-then-reset", func(t *testing.T, db *engine.DB) error {
			b := db.NewBatch()
			b.Put([]byte("a"), []byte("1"))
			b.Put(nil, []byte("2"))
			if err := db.Apply(b); !errors.Is(err, engine.ErrEmptyKey) {
				t.Fatalf("Apply with an empty key: %v, want ErrEmptyKey", err)
			}
			b.Reset()
			b.Put([]byte("b"), []byte("3"))
			return db.Apply(b)
		}, kv{"b": "3"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := engine.Options{FS: vfs.NewMem()}
			db, fs := advOpen(t, opts)
			before := db.Stats()
			if err := c.run(t, db); err != nil {
				t.Fatal(err)
			}
			if after := db.Stats(); c.noLog && (after.LastSeq != before.LastSeq || after.Writes != before.Writes || after.WALBytes != before.WALBytes) {
				t.Fatalf("a no-op logged something: LastSeq %d->%d, Writes %d->%d, WALBytes %d->%d",
					before.LastSeq, after.LastSeq, before.Writes, after.Writes, before.WALBytes, after.WALBytes)
			}
			for _, tier := range []string{"mem", "reopen"} {
				db = advMove(t, db, fs, opts, tier)
				got, err := dump(db)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(adv2Strings(got)) != fmt.Sprint(c.want) {
					t.Fatalf("%s: DB holds %v, want %v", tier, adv2Strings(got), c.want)
				}
			}
		})
	}
}

func adv2Strings(m map[string][]byte) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

// TestAdv2LimitsLargerThanEverything writes keys and values of exactly the
// limits, where one record is larger than a WAL segment and a value larger
// than the whole memory tier, under SyncAlways and every policy; they must
// survive a crash right after the acknowledgement, and one byte more must
// be refused without a trace.
func TestAdv2LimitsLargerThanEverything(t *testing.T) {
	const maxKey, maxVal = 1000, 20000
	for _, p := range adv2Policies {
		t.Run("policy="+string(p), func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			opts := engine.Options{FS: fs, Policy: p, MaxKeyBytes: maxKey, MaxValueBytes: maxVal, MemTierBytes: 4 << 10, WALSegmentBytes: 4 << 10}
			db, err := engine.Open("db", &opts)
			if err != nil {
				t.Fatal(err)
			}
			m := newModel()
			key := func(i int) []byte { return append(bytes.Repeat([]byte{byte('a' + i)}, maxKey-1), 0) }
			val := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, maxVal) }
			for i := range 3 {
				m.writeBoth(t, db, key(i), val(i))
			}
			b := db.NewBatch()
			for i := 3; i < 6; i++ {
				b.Put(key(i), val(i))
				m.put(key(i), val(i))
			}
			if err := db.Apply(b); err != nil {
				t.Fatal(err)
			}
			m.writeBoth(t, db, key(1), nil)
			bad := []struct {
				name string
				err  error
				k, v []byte
			}{
				{"key+1", engine.ErrKeyTooLarge, append(key(7), 'x'), nil},
				{"value+1", engine.ErrValueTooLarge, key(7), append(val(7), 'x')},
			}
			for _, c := range bad {
				if err := db.Put(c.k, c.v); !errors.Is(err, c.err) {
					t.Fatalf("Put %s: %v, want %v", c.name, err, c.err)
				}
				b.Reset()
				b.Put(key(8), nil)
				b.Put(c.k, c.v)
				if err := db.Apply(b); !errors.Is(err, c.err) {
					t.Fatalf("Apply %s: %v, want %v", c.name, err, c.err)
				}
			}
			if s := db.Stats(); s.MemTierBytes > opts.MemTierBytes {
				t.Fatalf("MemTierBytes %d over the budget %d", s.MemTierBytes, opts.MemTierBytes)
			}
			opts.FS = fs.CrashClone(vfs.CrashCloneCfg{})
			_ = db.Close()
			db = adv2CheckImage(t, "db", &opts, m)
			for k, v := range m.kv {
				if g, err := db.Get([]byte(k)); err != nil || !bytes.Equal(g, v) {
					t.Fatalf("Get of a %d-byte key: %d bytes, %v", len(k), len(g), err)
				}
			}
		})
	}
}

// TestAdv2MemTableBytesBounds opens DBs with MemTableBytes at and just past
// the documented bounds [disktier.MinMemTableBytes,
// disktier.MaxMemTableBytes]: at them Open succeeds and the DB works; past
// them Open refuses with ErrInvalidOptions. At the maximum Open failed:
// Pebble requires MemTableSize < 4 GiB - 1, one below the bound.
func TestAdv2MemTableBytesBounds(t *testing.T) {
	cases := []struct {
		bytes int64
		ok    bool
	}{
		{disktier.MinMemTableBytes, true},
		{disktier.MaxMemTableBytes, true},
		{disktier.MinMemTableBytes - 1, false},
		{disktier.MaxMemTableBytes + 1, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("bytes=%d", c.bytes), func(t *testing.T) {
			db, err := engine.Open("db", &engine.Options{FS: vfs.NewMem(), MemTableBytes: c.bytes})
			if !c.ok {
				if !errors.Is(err, engine.ErrInvalidOptions) {
					t.Fatalf("Open: %v, want ErrInvalidOptions", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open at the bound: %v", err)
			}
			defer db.Close()
			if err := db.Put([]byte("k"), []byte("v")); err != nil {
				t.Fatal(err)
			}
			if err := db.Checkpoint(); err != nil {
				t.Fatal(err)
			}
			if v, err := db.Get([]byte("k")); err != nil || string(v) != "v" {
				t.Fatalf("Get: %q, %v", v, err)
			}
		})
	}
}
