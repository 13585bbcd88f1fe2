package fuzz_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
	"github.com/tierkv/tierkv/wal"
)

// FuzzBatch applies arbitrary batches through DB.Apply and wal.Log.Append;
// see the package documentation. Input grammar: a config byte (bits 0-1
// policy, bit 2 large budget), then batches until the input ends: a count,
// then per operation a flags byte (bit 0 delete, bit 1 key from a small
// pool), the key (pool index, or length and bytes) and, for a put, a value
// (length code; raw bytes or a repeated byte).
func FuzzBatch(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newBatchRun(t, &source{data: data})
		defer r.close()
		r.run()
	})
}

const (
	batchMaxKey    = 24
	batchMaxValue  = 300
	maxBatches     = 6
	maxBatchLen    = 12
	batchFlagDel   = 1
	batchFlagPool  = 2
	batchValueRaw  = 1
	batchPoolSize  = 4
	batchKeyLenMod = 32
)

// batchPool holds keys that collide often, within and across batches.
var batchPool = [batchPoolSize][]byte{{0x00}, {0xff, 0x00}, []byte("dup"), []byte("dup\x00")}

type walBatch struct {
	seq uint64
	ops []wal.Op
}

type batchRun struct {
	t     testing.TB
	s     *source
	opts  engine.Options
	fs    *vfs.MemFS
	db    *engine.DB
	m     *model
	touch [][]byte // every key of every batch, valid or not

	walFS   vfs.FS
	log     *wal.Log
	written []walBatch
	lines   []string
}

func newBatchRun(t testing.TB, s *source) *batchRun {
	cfg := s.u8()
	r := &batchRun{t: t, s: s, fs: vfs.NewCrashableMem(), m: newModel(), walFS: vfs.NewMem()}
	r.opts = engine.Options{
		MemTierBytes:    []int64{1 << 10, 64 << 20}[(cfg>>2)&1],
		BlockCacheBytes: 1 << 20,
		Policy:          policies[cfg&3],
		MaxKeyBytes:     batchMaxKey,
		MaxValueBytes:   batchMaxValue,
	}
	r.logf("open policy=%s mem=%d", r.opts.Policy, r.opts.MemTierBytes)
	r.open()
	var err error
	if r.log, err = wal.Open("wal", &wal.Options{FS: r.walFS, SegmentBytes: 1 << 10}); err != nil {
		r.fatalf("wal.Open: %v", err)
	}
	return r
}

func (r *batchRun) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("%s\noperations:\n%s", fmt.Sprintf(format, args...), listing(r.lines, len(r.lines)-1))
}

func (r *batchRun) logf(format string, args ...any) {
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

func (r *batchRun) open() {
	o := r.opts
	o.FS = r.fs
	db, err := engine.Open(dbDir, &o)
	if err != nil {
		r.fatalf("engine.Open: %v", err)
	}
	r.db = db
}

func (r *batchRun) close() {
	if r.db != nil {
		_ = r.db.Close()
	}
	if r.log != nil {
		_ = r.log.Close()
	}
}

// entry reads one operation.
func (r *batchRun) entry() mop {
	f := r.s.u8()
	op := mop{del: f&batchFlagDel != 0}
	if f&batchFlagPool != 0 {
		op.key = bytes.Clone(batchPool[r.s.u8()%batchPoolSize])
	} else {
		op.key = r.s.take(int(r.s.u8()) % batchKeyLenMod)
	}
	if !op.del {
		l := r.s.u8()
		n := int(l>>1) * 3
		if l&batchValueRaw != 0 {
			op.value = r.s.take(n)
		} else {
			op.value = bytes.Repeat([]byte{r.s.u8()}, n)
		}
	}
	return op
}

// wantErr is the error Apply must return for ops: that of the first
// invalid operation, whatever later operations of the same key do.
func wantErr(ops []mop) error {
	for _, op := range ops {
		switch {
		case len(op.key) == 0:
			return engine.ErrEmptyKey
		case len(op.key) > batchMaxKey:
			return engine.ErrKeyTooLarge
		case !op.del && len(op.value) > batchMaxValue:
			return engine.ErrValueTooLarge
		}
	}
	return nil
}

func describe(ops []mop) string {
	parts := make([]string, len(ops))
	for i, op := range ops {
		if op.del {
			parts[i] = fmt.Sprintf("del %q", op.key)
		} else {
			parts[i] = fmt.Sprintf("put %q=%s", op.key, short(op.value))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (r *batchRun) run() {
	b := r.db.NewBatch()
	for i := 0; i < maxBatches && r.s.more(); i++ {
		ops := make([]mop, int(r.s.u8())%(maxBatchLen+1))
		for j := range ops {
			ops[j] = r.entry()
			r.touch = append(r.touch, ops[j].key)
		}
		r.logf("batch %d %s", i, describe(ops))
		b.Reset()
		r.applyEngine(b, ops)
		r.appendWAL(ops)
	}
	r.checkEngine("after the batches")
	r.crashAndCheck()
	if err := r.db.Checkpoint(); err != nil {
		r.fatalf("checkpoint: %v", err)
	}
	r.logf("checkpoint, close+reopen")
	if err := r.db.Close(); err != nil {
		r.fatalf("close: %v", err)
	}
	r.open()
	r.checkEngine("after reopen")
	r.checkWAL()
}

// applyEngine builds the batch from buffers it scribbles over at once (the
// batch must have copied them) and applies it.
func (r *batchRun) applyEngine(b *engine.Batch, ops []mop) {
	var kbuf, vbuf []byte
	for _, op := range ops {
		kbuf = append(kbuf[:0], op.key...)
		if op.del {
			b.Delete(kbuf)
		} else {
			vbuf = append(vbuf[:0], op.value...)
			b.Put(kbuf, vbuf)
			clear(vbuf)
		}
		for i := range kbuf {
			kbuf[i] ^= 0x5a
		}
	}
	if b.Len() != len(ops) {
		r.fatalf("Batch.Len() = %d, want %d", b.Len(), len(ops))
	}
	err, want := r.db.Apply(b), wantErr(ops)
	switch {
	case want == nil && err != nil:
		r.fatalf("Apply: %v", err)
	case want != nil && !errors.Is(err, want):
		r.fatalf("Apply of an invalid batch: got %v, want %v", err, want)
	case want == nil:
		r.m.apply(ops)
	}
	if err != nil {
		r.logf("  -> %v", err)
	}
}

func toWAL(ops []mop) []wal.Op {
	out := make([]wal.Op, len(ops))
	for i, op := range ops {
		out[i] = wal.Op{Kind: wal.OpPut, Key: op.key, Value: nonNil(op.value)}
		if op.del {
			out[i] = wal.Op{Kind: wal.OpDelete, Key: op.key}
		}
	}
	return out
}

// appendWAL appends ops as they are (duplicates and all) to the log.
func (r *batchRun) appendWAL(ops []mop) {
	seq, err := r.log.Append(toWAL(ops))
	var want error
	switch {
	case len(ops) == 0:
		want = wal.ErrEmptyBatch
	case hasEmptyKey(ops):
		want = wal.ErrEmptyKey
	}
	if want != nil {
		if !errors.Is(err, want) {
			r.fatalf("wal Append: got %v, want %v", err, want)
		}
		return
	}
	if err != nil {
		r.fatalf("wal Append: %v", err)
	}
	if n := len(r.written); n > 0 && seq <= r.written[n-1].seq {
		r.fatalf("wal Append: seq %d after %d", seq, r.written[n-1].seq)
	}
	r.written = append(r.written, walBatch{seq: seq, ops: cloneOps(toWAL(ops))})
}

func (r *batchRun) checkEngine(when string) {
	for _, k := range r.touch {
		if len(k) == 0 || len(k) > batchMaxKey {
			continue
		}
		got, err := r.db.Get(k)
		want, ok := r.m.get(k)
		switch {
		case !ok && !errors.Is(err, engine.ErrNotFound):
			r.fatalf("%s: get %q: got (%s, %v), want ErrNotFound", when, k, short(got), err)
		case ok && (err != nil || got == nil || !bytes.Equal(got, want)):
			r.fatalf("%s: get %q: got (%s, %v), want %s", when, k, short(got), err, short(want))
		}
	}
	got, err := dump(r.db)
	if err != nil {
		r.fatalf("%s: scan: %v", when, err)
	}
	if d := r.m.diff(got); d != "" {
		r.fatalf("%s: the DB differs from the model: %s", when, d)
	}
}

// crashAndCheck crashes keeping no unsynced data: with SyncAlways every
// applied batch must survive whole.
func (r *batchRun) crashAndCheck() {
	clone := r.fs.CrashClone(vfs.CrashCloneCfg{})
	r.logf("crash (no unsynced data kept)")
	if err := r.db.Close(); err != nil {
		r.fatalf("close: %v", err)
	}
	r.fs = clone
	r.open()
	r.checkEngine("after crash recovery")
}

// checkWAL reopens the log and expects every appended batch back, exactly,
// through Replay and through ReadSegment of the segment files.
func (r *batchRun) checkWAL() {
	if err := r.log.Close(); err != nil {
		r.fatalf("wal Close: %v", err)
	}
	l, err := wal.Open("wal", &wal.Options{FS: r.walFS})
	r.log = l
	if err != nil {
		r.fatalf("wal reopen: %v", err)
	}
	var replayed []walBatch
	if err := l.Replay(0, func(b *wal.Batch) error {
		replayed = append(replayed, walBatch{b.Seq, cloneOps(b.Ops)})
		return nil
	}); err != nil {
		r.fatalf("wal Replay: %v", err)
	}
	r.compareWAL("Replay", replayed)
	var read []walBatch
	for _, seg := range l.Segments() {
		data := readFile(r.t, r.walFS, r.walFS.PathJoin("wal", seg.Name))
		if err := wal.ReadSegment(bytes.NewReader(data), func(b *wal.Batch, _ int64) error {
			read = append(read, walBatch{b.Seq, cloneOps(b.Ops)})
			return nil
		}); err != nil {
			r.fatalf("ReadSegment %s: %v", seg.Name, err)
		}
	}
	r.compareWAL("ReadSegment", read)
}

func (r *batchRun) compareWAL(how string, got []walBatch) {
	if len(got) != len(r.written) {
		r.fatalf("wal %s: %d batches, want %d", how, len(got), len(r.written))
	}
	for i, w := range r.written {
		if got[i].seq != w.seq || !sameOps(got[i].ops, w.ops) {
			r.fatalf("wal %s: batch %d is seq %d %v, want seq %d %v", how, i, got[i].seq, got[i].ops, w.seq, w.ops)
		}
	}
}

// batchSeeds returns FuzzBatch's generated seeds: batches with duplicates,
// binary keys, empty values, compressible and raw values, and invalid ones.
func batchSeeds() map[string][]byte {
	seeds := map[string][]byte{}
	for i := range 8 {
		rng := rand.New(rand.NewPCG(uint64(200+i), 3))
		k := &sink{}
		k.u8(byte(i&3) | byte(i>>2&1)<<2)
		for range 1 + rng.IntN(maxBatches) {
			n := rng.IntN(maxBatchLen + 1)
			k.u8(byte(n))
			for range n {
				var f byte
				if rng.IntN(4) == 0 {
					f |= batchFlagDel
				}
				if rng.IntN(2) == 0 {
					f |= batchFlagPool
				}
				k.u8(f)
				if f&batchFlagPool != 0 {
					k.u8(byte(rng.IntN(batchPoolSize)))
				} else {
					klen := 1 + rng.IntN(12)
					if rng.IntN(25) == 0 {
						klen = []int{0, batchMaxKey + 1}[rng.IntN(2)] // invalid
					}
					k.u8(byte(klen))
					for range klen {
						k.u8(byte(rng.IntN(256)))
					}
				}
				if f&batchFlagDel != 0 {
					continue
				}
				units := rng.IntN(40)
				switch rng.IntN(10) {
				case 0:
					units = 0
				case 1:
					units = 90 + rng.IntN(38) // long; over the limit from 101 units
				}
				if rng.IntN(2) == 0 {
					k.u8(byte(units<<1) | batchValueRaw)
					for range units * 3 {
						k.u8(byte(rng.IntN(256)))
					}
				} else {
					k.u8(byte(units << 1))
					k.u8(byte('a' + rng.IntN(26)))
				}
			}
		}
		seeds[seedName("batches", i)] = k.bytes()
	}
	return seeds
}
