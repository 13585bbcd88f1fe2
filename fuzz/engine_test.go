package fuzz_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// FuzzEngine runs a program decoded from the input against the engine and
// a model, crashes included; see the package documentation.
func FuzzEngine(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, prog := decodeProgram(data)
		r := newEngineRun(t, cfg, prog)
		defer r.closeQuietly()
		r.run()
	})
}

const dbDir = "db"

// engineRun executes one FuzzEngine program.
type engineRun struct {
	t     testing.TB
	cfg   engineConfig
	prog  []engOp
	cur   int      // index of the operation running
	notes []string // what each operation observed, for the failure listing

	fs *vfs.MemFS
	db *engine.DB

	model *model
	// floor is the state every crash must keep at least, and pending the
	// writes acknowledged since (one entry per Put, Delete or Apply): a
	// crash recovers floor plus some prefix of pending (all of it with
	// SyncAlways).
	floor   *model
	pending [][]mop

	nextValue int    // makes every written value unique
	gets      uint64 // Gets that returned a value or ErrNotFound since Open
}

func newEngineRun(t testing.TB, cfg engineConfig, prog []engOp) *engineRun {
	r := &engineRun{t: t, cfg: cfg, prog: prog, cur: -1, fs: vfs.NewCrashableMem(), model: newModel()}
	r.notes = make([]string, len(prog))
	r.floor = r.model.clone()
	r.open("open")
	return r
}

func (r *engineRun) run() {
	for i, op := range r.prog {
		r.cur = i
		r.exec(op)
	}
	r.cur = -1
	r.checkAll("end of program")
	r.checkStats()
	r.reopen()
	if testing.Verbose() {
		r.t.Logf("config: %s\nprogram:\n%s", r.cfg, listing(r.lines(), -1))
	}
}

func (r *engineRun) exec(op engOp) {
	switch op.kind {
	case opPut:
		v := r.value(op.vlen)
		r.write([]mop{{key: op.key, value: v}}, func() error { return r.db.Put(op.key, v) })
	case opDelete:
		r.write([]mop{{del: true, key: op.key}}, func() error { return r.db.Delete(op.key) })
	case opBatch:
		r.batch(op.batch)
	case opGet:
		r.get(op.key)
	case opIter:
		r.iterate(op)
	case opCheckpoint:
		if err := r.db.Checkpoint(); err != nil {
			r.fatalf("checkpoint: %v", err)
		}
		r.durable()
	case opCompact:
		if err := r.db.Compact(op.lower, op.upper); err != nil {
			r.fatalf("compact: %v", err)
		}
		r.durable()
		r.checkAll("after compact")
	case opReopen:
		r.reopen()
	case opCrash:
		r.crash(crashPercents[op.crashPct], op.crashSeed, op.crashRO)
	}
}

func (r *engineRun) fatalf(format string, args ...any) {
	r.t.Helper()
	where := "after the program"
	if r.cur >= 0 {
		where = fmt.Sprintf("at operation %d (%s)", r.cur, r.prog[r.cur])
	}
	r.t.Fatalf("%s: %s\nconfig: %s\nprogram (%d operations):\n%s",
		where, fmt.Sprintf(format, args...), r.cfg, len(r.prog), listing(r.lines(), r.cur))
}

// lines renders the program with what each operation observed.
func (r *engineRun) lines() []string {
	lines := make([]string, len(r.prog))
	for i, op := range r.prog {
		lines[i] = op.String()
		if r.notes[i] != "" {
			lines[i] += "  -> " + r.notes[i]
		}
	}
	return lines
}

func (r *engineRun) note(format string, args ...any) {
	if r.cur >= 0 {
		if r.notes[r.cur] != "" {
			r.notes[r.cur] += "; "
		}
		r.notes[r.cur] += fmt.Sprintf(format, args...)
	}
}

// value returns n bytes unique to this write (and compressible when large).
func (r *engineRun) value(n int) []byte {
	r.nextValue++
	unit := fmt.Appendf(nil, "v%d.", r.nextValue)
	return bytes.Repeat(unit, n/len(unit)+1)[:n]
}

func (r *engineRun) open(why string) {
	db, err := engine.Open(dbDir, ptr(r.cfg.options(r.fs)))
	if err != nil {
		r.fatalf("%s: engine.Open: %v", why, err)
	}
	r.db, r.gets = db, 0
}

func ptr[T any](v T) *T { return &v }

// durable records that everything acknowledged so far survives any crash.
func (r *engineRun) durable() {
	r.floor, r.pending = r.model.clone(), nil
}

func hasEmptyKey(ops []mop) bool {
	for _, op := range ops {
		if len(op.key) == 0 {
			return true
		}
	}
	return false
}

// write runs one acknowledged write of ops; any empty key must make it
// fail with ErrEmptyKey and change nothing.
func (r *engineRun) write(ops []mop, do func() error) {
	err := do()
	if hasEmptyKey(ops) {
		if !errors.Is(err, engine.ErrEmptyKey) {
			r.fatalf("write with an empty key: got %v, want ErrEmptyKey", err)
		}
		r.note("ErrEmptyKey")
		return
	}
	if err != nil {
		r.fatalf("write: %v", err)
	}
	r.model.apply(ops)
	r.pending = append(r.pending, ops)
}

func (r *engineRun) batch(entries []batchEntry) {
	b := r.db.NewBatch()
	ops := make([]mop, len(entries))
	for i, e := range entries {
		if e.del {
			ops[i] = mop{del: true, key: e.key}
			b.Delete(e.key)
		} else {
			ops[i] = mop{key: e.key, value: r.value(e.vlen)}
			b.Put(e.key, ops[i].value)
		}
	}
	if b.Len() != len(entries) {
		r.fatalf("batch.Len() = %d, want %d", b.Len(), len(entries))
	}
	r.write(ops, func() error { return r.db.Apply(b) })
}

func (r *engineRun) get(key []byte) {
	got, err := r.db.Get(key)
	if len(key) == 0 {
		if !errors.Is(err, engine.ErrEmptyKey) {
			r.fatalf("get of the empty key: got (%s, %v), want ErrEmptyKey", short(got), err)
		}
		return
	}
	want, ok := r.model.get(key)
	switch {
	case !ok && !errors.Is(err, engine.ErrNotFound):
		r.fatalf("get %q: got (%s, %v), want ErrNotFound", key, short(got), err)
	case ok && err != nil:
		r.fatalf("get %q: got error %v, want %s", key, err, short(want))
	case ok && (got == nil || !bytes.Equal(got, want)):
		r.fatalf("get %q: got %s, want %s", key, short(got), short(want))
	}
	r.gets++
	if ok {
		r.note("%d bytes", len(got))
	} else {
		r.note("not found")
	}
}

func (r *engineRun) iterate(op engOp) {
	it, err := r.db.NewIter(&engine.IterOptions{LowerBound: op.lower, UpperBound: op.upper})
	if err != nil {
		r.fatalf("NewIter: %v", err)
	}
	defer it.Close()
	mit := r.model.clone().iter(op.lower, op.upper)
	var seen []string
	for i, st := range op.steps {
		var got, want bool
		switch st.kind {
		case stepFirst:
			got, want = it.First(), mit.First()
		case stepLast:
			got, want = it.Last(), mit.Last()
		case stepSeekGE:
			got, want = it.SeekGE(st.key), mit.SeekGE(st.key)
		case stepSeekLT:
			got, want = it.SeekLT(st.key), mit.SeekLT(st.key)
		case stepNext:
			got, want = it.Next(), mit.Next()
		case stepPrev:
			got, want = it.Prev(), mit.Prev()
		case stepPut:
			v := r.value(st.vlen)
			r.write([]mop{{key: st.key, value: v}}, func() error { return r.db.Put(st.key, v) })
			continue
		case stepDelete:
			r.write([]mop{{del: true, key: st.key}}, func() error { return r.db.Delete(st.key) })
			continue
		case stepCheckpoint:
			if err := r.db.Checkpoint(); err != nil {
				r.fatalf("checkpoint under an open iterator: %v", err)
			}
			r.durable()
			continue
		case stepGet:
			r.get(st.key)
			continue
		}
		checkIterStep(r.fatalf, fmt.Sprintf("step %d %s", i, st), it, mit, got, want)
		if got {
			seen = append(seen, fmt.Sprintf("%q", it.Key()))
		} else {
			seen = append(seen, "-")
		}
	}
	r.note("%s", strings.Join(seen, " "))
	checkIterClose(r.fatalf, it)
}

// checkIterStep compares one positioning call of an iterator with the model.
func checkIterStep(fatalf func(string, ...any), what string, it *engine.Iterator, mit *modelIter, got, want bool) {
	if got != want || it.Valid() != want {
		if want {
			fatalf("iterator %s: got %v (valid %v), want %q", what, got, it.Valid(), mit.Key())
		}
		fatalf("iterator %s: got %v at %q, want false", what, got, it.Key())
	}
	if want && (!bytes.Equal(it.Key(), mit.Key()) || !bytes.Equal(it.Value(), mit.Value())) {
		fatalf("iterator %s: at %q = %s, want %q = %s", what, it.Key(), short(it.Value()), mit.Key(), short(mit.Value()))
	}
	if want && it.Value() == nil {
		fatalf("iterator %s: nil value at %q", what, it.Key())
	}
}

// checkIterClose checks an iterator's end: no error, a clean Close, and a
// closed iterator that is safe to use and says ErrClosed.
func checkIterClose(fatalf func(string, ...any), it *engine.Iterator) {
	if err := it.Error(); err != nil {
		fatalf("iterator error: %v", err)
	}
	if err := it.Close(); err != nil {
		fatalf("iterator close: %v", err)
	}
	if it.First() || it.Next() || it.Prev() || it.SeekGE([]byte("a")) || it.Valid() || it.Key() != nil {
		fatalf("closed iterator still positions")
	}
	if err := it.Error(); !errors.Is(err, engine.ErrClosed) {
		fatalf("closed iterator: Error() = %v, want ErrClosed", err)
	}
	if err := it.Close(); err != nil {
		fatalf("second iterator close: %v", err)
	}
}

// dump reads the whole DB with an iterator, checking the order.
func dump(db *engine.DB) (map[string][]byte, error) {
	it, err := db.NewIter(nil)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	got := map[string][]byte{}
	var prev []byte
	for ok := it.First(); ok; ok = it.Next() {
		if prev != nil && bytes.Compare(prev, it.Key()) >= 0 {
			return nil, fmt.Errorf("keys out of order: %q then %q", prev, it.Key())
		}
		prev = append(prev[:0], it.Key()...)
		got[string(it.Key())] = bytes.Clone(nonNil(it.Value()))
	}
	return got, it.Error()
}

// checkAll compares a full scan, and a Get of every model key, with the model.
func (r *engineRun) checkAll(when string) {
	got, err := dump(r.db)
	if err != nil {
		r.fatalf("%s: scan: %v", when, err)
	}
	if d := r.model.diff(got); d != "" {
		r.fatalf("%s: the DB differs from the model: %s", when, d)
	}
	for _, k := range r.model.keys(nil, nil) {
		v, err := r.db.Get(k)
		if err != nil || !bytes.Equal(v, r.model.kv[string(k)]) {
			r.fatalf("%s: get %q = (%s, %v), want %s", when, k, short(v), err, short(r.model.kv[string(k)]))
		}
		r.gets++
	}
}

func (r *engineRun) checkStats() {
	st := r.db.Stats()
	if st.MemTierHits+st.DiskTierHits+st.NotFound != st.Gets {
		r.fatalf("stats: MemTierHits %d + DiskTierHits %d + NotFound %d != Gets %d", st.MemTierHits, st.DiskTierHits, st.NotFound, st.Gets)
	}
	if st.Gets != r.gets {
		r.fatalf("stats: Gets = %d, want %d", st.Gets, r.gets)
	}
}

func (r *engineRun) reopen() {
	r.checkStats()
	if err := r.db.Close(); err != nil {
		r.fatalf("close: %v", err)
	}
	if err := r.db.Put([]byte("x"), nil); !errors.Is(err, engine.ErrClosed) {
		r.fatalf("put after close: got %v, want ErrClosed", err)
	}
	r.db = nil
	r.durable()
	r.open("reopen")
	r.checkAll("after reopen")
}

// crash clones the filesystem as a crash would leave it, closes the old DB
// (its filesystem is discarded) and recovers on the clone.
func (r *engineRun) crash(pct int, seed byte, readOnlyFirst bool) {
	clone := r.fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(uint64(seed), 0x5eed))})
	if err := r.db.Close(); err != nil {
		r.fatalf("close of the crashed DB: %v", err)
	}
	r.db, r.fs = nil, clone
	var roView map[string][]byte
	if readOnlyFirst {
		roView = r.readOnlyLook()
	}
	r.open("recovery after crash")
	got, err := dump(r.db)
	if err != nil {
		r.fatalf("scan after crash: %v", err)
	}
	if roView != nil {
		if d := (&model{kv: roView}).diff(got); d != "" {
			r.fatalf("recovery differs from what a read-only open of the crashed DB showed: %s", d)
		}
	}
	n, ok := r.matchPrefix(got)
	if !ok {
		r.fatalf("the recovered state is none the contract allows for sync=%s: %s", syncModes[r.cfg.sync], r.explainMismatch(got))
	}
	r.note("recovered %d of %d writes since the last durable point", n, len(r.pending))
	r.model = r.floor.clone()
	for _, ops := range r.pending[:n] {
		r.model.apply(ops)
	}
	// Recovery makes what it kept durable: the next crash must keep it.
	r.durable()
	r.checkAll("after crash recovery")
}

// matchPrefix returns the n such that floor plus pending[:n] equals got,
// trying only the n the sync mode allows.
func (r *engineRun) matchPrefix(got map[string][]byte) (int, bool) {
	m := r.floor.clone()
	lo := 0
	if syncModes[r.cfg.sync] == engine.SyncAlways {
		lo = len(r.pending)
	}
	for n := 0; n <= len(r.pending); n++ {
		if n >= lo && m.diff(got) == "" {
			return n, true
		}
		if n < len(r.pending) {
			m.apply(r.pending[n])
		}
	}
	return 0, false
}

func (r *engineRun) explainMismatch(got map[string][]byte) string {
	all := r.floor.clone()
	for _, ops := range r.pending {
		all.apply(ops)
	}
	return fmt.Sprintf("%d writes acknowledged since the last durable point; against all of them: %s; against none of them: %s",
		len(r.pending), all.diff(got), r.floor.diff(got))
}

// closeQuietly releases the DB after a failure.
func (r *engineRun) closeQuietly() {
	if r.db != nil {
		_ = r.db.Close()
	}
}

// readOnlyLook opens the crashed DB read-only: it must show a state the
// contract allows, refuse writes, and change no file but the lock file.
func (r *engineRun) readOnlyLook() map[string][]byte {
	before := snapshotFiles(r.t, r.fs, dbDir)
	o := r.cfg.options(r.fs)
	o.ReadOnly = true
	db, err := engine.Open(dbDir, &o)
	if err != nil {
		r.fatalf("read-only open after crash: %v", err)
	}
	got, err := dump(db)
	if err != nil {
		r.fatalf("read-only scan after crash: %v", err)
	}
	if _, ok := r.matchPrefix(got); !ok {
		r.fatalf("read-only open after crash: the state is none the contract allows: %s", r.explainMismatch(got))
	}
	if err := db.Put([]byte("k000"), []byte("x")); !errors.Is(err, engine.ErrReadOnly) {
		r.fatalf("put on a read-only DB: got %v, want ErrReadOnly", err)
	}
	if err := db.Close(); err != nil {
		r.fatalf("close of the read-only DB: %v", err)
	}
	if after := snapshotFiles(r.t, r.fs, dbDir); !maps.EqualFunc(before, after, bytes.Equal) {
		r.fatalf("a read-only open changed files: %s", filesDiff(before, after))
	}
	r.note("read-only open saw %d keys", len(got))
	return got
}

// snapshotFiles returns the contents of every file under dir but the lock.
func snapshotFiles(t testing.TB, fs vfs.FS, dir string) map[string][]byte {
	files := map[string][]byte{}
	names, err := fs.List(dir)
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	for _, name := range names {
		path := fs.PathJoin(dir, name)
		st, err := fs.Stat(path)
		if err != nil {
			t.Fatalf("stat %s: %v", path, err)
		}
		if st.IsDir() {
			maps.Copy(files, snapshotFiles(t, fs, path))
		} else if name != "LOCK" {
			files[path] = readFile(t, fs, path)
		}
	}
	return files
}

func filesDiff(before, after map[string][]byte) string {
	var d []string
	for _, name := range slices.Sorted(maps.Keys(before)) {
		if a, ok := after[name]; !ok {
			d = append(d, "removed "+name)
		} else if !bytes.Equal(a, before[name]) {
			d = append(d, fmt.Sprintf("changed %s (%d -> %d bytes)", name, len(before[name]), len(a)))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(after)) {
		if _, ok := before[name]; !ok {
			d = append(d, "created "+name)
		}
	}
	return strings.Join(d, ", ")
}
