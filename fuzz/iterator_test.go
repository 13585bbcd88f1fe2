package fuzz_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// FuzzIterator checks iterators over keys split between the tiers; see the
// package documentation. Input grammar: a config byte (bits 0-1 policy, bit
// 2 large budget); a count and that many puts (the disk tier, after a
// reopen); a count and that many phase-two operations (put, delete, get,
// checkpoint: the memory tier shadowing the disk tier); then iterators
// (bounds flags, bounds, step count, steps) until the input ends.
func FuzzIterator(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &iterRun{t: t, s: &source{data: data}, m: newModel()}
		defer r.close()
		r.run()
	})
}

// iterAlphabet makes keys dense: few bytes, including the extremes.
var iterAlphabet = [...]byte{0x00, 0x01, 'a', 'b', 'c', 0x7f, 0xfe, 0xff}

const (
	iterKeyEmpty = 0xFF
	maxIterators = 8
)

type iterRun struct {
	t     testing.TB
	s     *source
	fs    vfs.FS
	opts  engine.Options
	db    *engine.DB
	m     *model
	log   []string
	value int
}

func (r *iterRun) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("%s\noperations:\n%s", fmt.Sprintf(format, args...), listing(r.log, len(r.log)-1))
}

func (r *iterRun) logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

// key reads a key: a length code (0xFF: the empty key) and that many
// alphabet indices.
func (r *iterRun) key() []byte {
	l := r.s.u8()
	if l == iterKeyEmpty {
		return []byte{}
	}
	k := make([]byte, 1+int(l)%3)
	for i := range k {
		k[i] = iterAlphabet[r.s.u8()%byte(len(iterAlphabet))]
	}
	return k
}

func (r *iterRun) run() {
	cfg := r.s.u8()
	r.opts = engine.Options{
		FS:              vfs.NewMem(),
		MemTierBytes:    []int64{2 << 10, 64 << 20}[(cfg>>2)&1],
		BlockCacheBytes: 1 << 20,
		Policy:          policies[cfg&3],
	}
	r.logf("open policy=%s mem=%d", r.opts.Policy, r.opts.MemTierBytes)
	r.open()
	for range int(r.s.u8()) % 64 {
		r.put(r.key(), int(r.s.u8())%48)
	}
	r.logf("close+reopen: every key now lives in the disk tier only")
	r.reopen()
	for range int(r.s.u8()) % 32 {
		switch r.s.u8() % 6 {
		case 0, 1, 5:
			r.put(r.key(), int(r.s.u8())%48)
		case 2:
			r.del(r.key())
		case 3:
			r.get(r.key())
		case 4:
			r.logf("checkpoint")
			if err := r.db.Checkpoint(); err != nil {
				r.fatalf("checkpoint: %v", err)
			}
		}
	}
	for i := 0; i < maxIterators && r.s.more(); i++ {
		r.iterate()
	}
}

func (r *iterRun) open() {
	db, err := engine.Open(dbDir, &r.opts)
	if err != nil {
		r.fatalf("open: %v", err)
	}
	r.db = db
}

func (r *iterRun) reopen() {
	if err := r.db.Close(); err != nil {
		r.fatalf("close: %v", err)
	}
	r.open()
}

func (r *iterRun) close() {
	if r.db != nil {
		_ = r.db.Close()
	}
}

func (r *iterRun) put(k []byte, n int) {
	r.value++
	v := bytes.Repeat(fmt.Appendf(nil, "w%d.", r.value), n)[:n]
	r.logf("put %q (%d bytes)", k, n)
	r.write(mop{key: k, value: v}, r.db.Put(k, v))
}

func (r *iterRun) del(k []byte) {
	r.logf("delete %q", k)
	r.write(mop{del: true, key: k}, r.db.Delete(k))
}

func (r *iterRun) write(op mop, err error) {
	if len(op.key) == 0 {
		if !errors.Is(err, engine.ErrEmptyKey) {
			r.fatalf("write of the empty key: got %v, want ErrEmptyKey", err)
		}
		return
	}
	if err != nil {
		r.fatalf("write: %v", err)
	}
	r.m.apply([]mop{op})
}

func (r *iterRun) get(k []byte) {
	r.logf("get %q", k)
	got, err := r.db.Get(k)
	want, ok := r.m.get(k)
	switch {
	case len(k) == 0:
		if !errors.Is(err, engine.ErrEmptyKey) {
			r.fatalf("get of the empty key: got %v, want ErrEmptyKey", err)
		}
	case !ok && !errors.Is(err, engine.ErrNotFound):
		r.fatalf("get %q: got (%s, %v), want ErrNotFound", k, short(got), err)
	case ok && (err != nil || !bytes.Equal(got, want)):
		r.fatalf("get %q: got (%s, %v), want %s", k, short(got), err, short(want))
	}
}

func (r *iterRun) iterate() {
	var lower, upper []byte
	flags := r.s.u8()
	if flags&1 != 0 {
		lower = r.key()
	}
	if flags&2 != 0 {
		upper = r.key()
	}
	r.logf("iter %s over %d keys", boundsString(lower, upper), len(r.m.kv))
	it, err := r.db.NewIter(&engine.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		r.fatalf("NewIter: %v", err)
	}
	defer it.Close()
	mit := r.m.clone().iter(lower, upper)
	for range 1 + int(r.s.u8())%32 {
		st := iterStep{kind: stepOf(r.s.u8())}
		if st.kind.hasKey() {
			st.key = r.key()
		}
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
			r.put(st.key, int(r.s.u8())%48)
			continue
		case stepDelete:
			r.del(st.key)
			continue
		case stepCheckpoint:
			r.logf("  [checkpoint]")
			if err := r.db.Checkpoint(); err != nil {
				r.fatalf("checkpoint under an open iterator: %v", err)
			}
			continue
		case stepGet:
			r.get(st.key)
			continue
		}
		r.logf("  %s -> %s", st, iterPos(got, it))
		checkIterStep(r.fatalf, st.String(), it, mit, got, want)
	}
	checkIterClose(r.fatalf, it)
}

func iterPos(ok bool, it *engine.Iterator) string {
	if !ok {
		return "false"
	}
	return strings.TrimSpace(fmt.Sprintf("%q", it.Key()))
}

// iteratorSeeds returns FuzzIterator's generated seeds: dense key sets of
// several sizes with shadowing, deletes and promotions, walked in both
// directions.
func iteratorSeeds() map[string][]byte {
	seeds := map[string][]byte{}
	for i := range 8 {
		g := newProgGen(uint64(100+i), engineConfig{})
		k := &sink{}
		key := func() {
			if g.rng.IntN(30) == 0 {
				k.u8(iterKeyEmpty)
				return
			}
			n := g.rng.IntN(3)
			k.u8(byte(n))
			for range n + 1 {
				k.u8(byte(g.rng.IntN(len(iterAlphabet))))
			}
		}
		k.u8(byte(i&3) | byte(i>>2&1)<<2)
		n1 := 10 + g.rng.IntN(50)
		k.u8(byte(n1))
		for range n1 {
			key()
			k.u8(byte(g.rng.IntN(48)))
		}
		n2 := 5 + g.rng.IntN(26)
		k.u8(byte(n2))
		for range n2 {
			c := byte(g.rng.IntN(6))
			k.u8(c)
			switch c {
			case 0, 1, 5:
				key()
				k.u8(byte(g.rng.IntN(48)))
			case 2, 3:
				key()
			}
		}
		for range 1 + g.rng.IntN(maxIterators) {
			flags := byte(g.rng.IntN(4))
			k.u8(flags)
			if flags&1 != 0 {
				key()
			}
			if flags&2 != 0 {
				key()
			}
			steps := g.rng.IntN(32)
			k.u8(byte(steps))
			for range steps + 1 {
				c := randomStepCode(g.rng)
				k.u8(c)
				if st := stepOf(c); st.hasKey() {
					key()
					if st == stepPut {
						k.u8(byte(g.rng.IntN(48)))
					}
				}
			}
		}
		seeds[seedName("dense", i)] = k.bytes()
	}
	return seeds
}
