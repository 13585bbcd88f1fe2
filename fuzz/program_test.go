package fuzz_test

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// The configuration space of FuzzEngine.
var (
	policies      = [...]engine.Policy{engine.PolicyWTinyLFU, engine.PolicyLRU, engine.PolicyLFU, engine.PolicyRandom}
	syncModes     = [...]engine.SyncMode{engine.SyncAlways, engine.SyncInterval, engine.SyncNever}
	memBudgets    = [...]int64{1 << 10, 4 << 10, 64 << 10, 64 << 20}
	keySpaces     = [...]int{4, 16, 64, 192}
	crashPercents = [...]int{0, 30, 50, 70, 100}
)

// engineConfig is the part of FuzzEngine's input that picks the Options.
// Fields are indices into the tables above.
type engineConfig struct {
	policy, sync, mem, keys int
	smallSegments           bool // 4 KiB WAL segments: rotation and truncation all the time
	bgCheckpoints           bool // 16 KiB CheckpointWALBytes: background checkpoints race the program
	asyncWAL                bool // Options.AsyncWAL (a no-op under SyncAlways)
}

func decodeConfig(s *source) engineConfig {
	b := s.u8()
	c := engineConfig{
		policy:        int(b & 3),
		sync:          int((b>>2)&3) % len(syncModes),
		mem:           int((b >> 4) & 3),
		smallSegments: b&0x40 != 0,
		bgCheckpoints: b&0x80 != 0,
	}
	k := s.u8()
	c.keys, c.asyncWAL = int(k&3), k&4 != 0
	return c
}

func (c engineConfig) encode(k *sink) {
	b := byte(c.policy) | byte(c.sync)<<2 | byte(c.mem)<<4
	if c.smallSegments {
		b |= 0x40
	}
	if c.bgCheckpoints {
		b |= 0x80
	}
	k.u8(b)
	keys := byte(c.keys)
	if c.asyncWAL {
		keys |= 4
	}
	k.u8(keys)
}

func (c engineConfig) options(fs vfs.FS) engine.Options {
	o := engine.Options{
		FS:              fs,
		MemTierBytes:    memBudgets[c.mem],
		BlockCacheBytes: 1 << 20,
		Policy:          policies[c.policy],
		Sync:            syncModes[c.sync],
		SyncInterval:    time.Millisecond,
		AsyncWAL:        c.asyncWAL,
	}
	if c.smallSegments {
		o.WALSegmentBytes = 4 << 10
	}
	if c.bgCheckpoints {
		o.CheckpointWALBytes = 16 << 10
	}
	return o
}

func (c engineConfig) String() string {
	return fmt.Sprintf("policy=%s sync=%s asyncWAL=%v mem=%d keys=%d smallSegments=%v bgCheckpoints=%v",
		policies[c.policy], syncModes[c.sync], c.asyncWAL, memBudgets[c.mem], keySpaces[c.keys], c.smallSegments, c.bgCheckpoints)
}

type opKind uint8

const (
	opPut opKind = iota
	opDelete
	opBatch
	opGet
	opIter
	opCheckpoint
	opReopen
	opCrash
	opCompact
)

// kindOf maps an opcode byte to an operation, weighting the common ones.
func kindOf(b byte) opKind {
	switch b %= 32; {
	case b < 9:
		return opPut
	case b < 12:
		return opDelete
	case b < 16:
		return opBatch
	case b < 23:
		return opGet
	case b < 26:
		return opIter
	case b < 27:
		return opCheckpoint
	case b < 28:
		return opReopen
	case b < 30:
		return opCrash
	}
	return opCompact
}

// codeOf is the inverse of kindOf: the first opcode byte of each kind.
func codeOf(k opKind) byte {
	return [...]byte{opPut: 0, opDelete: 9, opBatch: 12, opGet: 16, opIter: 23, opCheckpoint: 26, opReopen: 27, opCrash: 28, opCompact: 30}[k]
}

type stepKind uint8

const (
	stepFirst stepKind = iota
	stepLast
	stepSeekGE
	stepSeekLT
	stepNext
	stepPrev
	stepPut        // a write while the iterator is open: it must not show
	stepDelete     // likewise
	stepCheckpoint // write-back and WAL truncation under the open iterator
	stepGet        // a read (maybe a promotion) while the iterator is open
)

// stepOf maps a step byte to a step: bytes below 240 by their value
// modulo 10, the last 16 to the steps added later (so that committed
// crashers keep decoding as they did, unless they use those bytes).
func stepOf(b byte) stepKind {
	switch {
	case b >= 248:
		return stepGet
	case b >= 240:
		return stepCheckpoint
	}
	return [...]stepKind{stepFirst, stepLast, stepSeekGE, stepSeekLT, stepNext, stepNext, stepPrev, stepPrev, stepPut, stepDelete}[b%10]
}

func stepCode(k stepKind) byte {
	return [...]byte{stepFirst: 0, stepLast: 1, stepSeekGE: 2, stepSeekLT: 3, stepNext: 4, stepPrev: 6, stepPut: 8, stepDelete: 9, stepCheckpoint: 240, stepGet: 248}[k]
}

func (k stepKind) hasKey() bool {
	return k == stepSeekGE || k == stepSeekLT || k == stepPut || k == stepDelete || k == stepGet
}

// engOp is one operation of a FuzzEngine program. Values are given by
// length only; the runner fills them with content unique to each write, so
// a stale version can never pass for the current one.
type engOp struct {
	kind         opKind
	key          []byte
	vlen         int
	batch        []batchEntry // opBatch
	lower, upper []byte       // opIter, opCompact; nil: unbounded
	steps        []iterStep   // opIter
	crashPct     int          // opCrash: index into crashPercents
	crashRO      bool         // opCrash: look at the crashed DB read-only first
	crashSeed    byte         // opCrash: seed of the clone's RNG
}

type batchEntry struct {
	del  bool
	key  []byte
	vlen int
}

type iterStep struct {
	kind stepKind
	key  []byte
	vlen int
}

const (
	maxProgramOps = 200
	maxBatchOps   = 8
	maxIterSteps  = 24
	keyEmpty      = 0xFF // key code: the empty key (every write of it must fail)
	keyLiteral    = 0xC0 // key code 0xC0|(n-1): a literal key of n bytes (1..8) follows
	vlenLarge     = 0xF0 // value code 0xF0+i: (i+1) KiB; below: that many bytes
)

// decodeProgram reads a configuration and up to maxProgramOps operations.
func decodeProgram(data []byte) (engineConfig, []engOp) {
	s := &source{data: data}
	cfg := decodeConfig(s)
	space := keySpaces[cfg.keys]
	var ops []engOp
	for s.more() && len(ops) < maxProgramOps {
		ops = append(ops, decodeOp(s, space))
	}
	return cfg, ops
}

func decodeOp(s *source, space int) engOp {
	op := engOp{kind: kindOf(s.u8())}
	switch op.kind {
	case opPut:
		op.key, op.vlen = decodeKey(s, space), decodeVlen(s)
	case opDelete, opGet:
		op.key = decodeKey(s, space)
	case opBatch:
		for range 1 + int(s.u8())%maxBatchOps {
			e := batchEntry{del: s.u8()&1 == 1, key: decodeKey(s, space)}
			if !e.del {
				e.vlen = decodeVlen(s)
			}
			op.batch = append(op.batch, e)
		}
	case opIter:
		op.lower, op.upper = decodeBounds(s, space)
		for range 1 + int(s.u8())%maxIterSteps {
			st := iterStep{kind: stepOf(s.u8())}
			if st.kind.hasKey() {
				st.key = decodeKey(s, space)
			}
			if st.kind == stepPut {
				st.vlen = decodeVlen(s)
			}
			op.steps = append(op.steps, st)
		}
	case opCrash:
		b := s.u8()
		op.crashPct, op.crashRO, op.crashSeed = int(b&0x7f)%len(crashPercents), b&0x80 != 0, s.u8()
	case opCompact:
		op.lower, op.upper = decodeBounds(s, space)
	}
	return op
}

func (op engOp) encode(k *sink) {
	k.u8(codeOf(op.kind))
	switch op.kind {
	case opPut:
		encodeKey(k, op.key)
		encodeVlen(k, op.vlen)
	case opDelete, opGet:
		encodeKey(k, op.key)
	case opBatch:
		k.u8(byte(len(op.batch) - 1))
		for _, e := range op.batch {
			if e.del {
				k.u8(1)
				encodeKey(k, e.key)
				continue
			}
			k.u8(0)
			encodeKey(k, e.key)
			encodeVlen(k, e.vlen)
		}
	case opIter:
		encodeBounds(k, op.lower, op.upper)
		k.u8(byte(len(op.steps) - 1))
		for _, st := range op.steps {
			k.u8(stepCode(st.kind))
			if st.kind.hasKey() {
				encodeKey(k, st.key)
			}
			if st.kind == stepPut {
				encodeVlen(k, st.vlen)
			}
		}
	case opCrash:
		b := byte(op.crashPct)
		if op.crashRO {
			b |= 0x80
		}
		k.u8(b)
		k.u8(op.crashSeed)
	case opCompact:
		encodeBounds(k, op.lower, op.upper)
	}
}

func encodeProgram(cfg engineConfig, ops []engOp) []byte {
	k := &sink{}
	cfg.encode(k)
	for _, op := range ops {
		op.encode(k)
	}
	return k.bytes()
}

func decodeKey(s *source, space int) []byte {
	switch b := s.u8(); {
	case b == keyEmpty:
		return []byte{}
	case b >= keyLiteral:
		return s.take(int(b&7) + 1)
	default:
		return spaceKey(int(b) % space)
	}
}

func spaceKey(i int) []byte { return fmt.Appendf(nil, "k%03d", i) }

func encodeKey(k *sink, key []byte) {
	if len(key) == 0 {
		k.u8(keyEmpty)
		return
	}
	if len(key) == 4 && key[0] == 'k' {
		if i, err := strconv.Atoi(string(key[1:])); err == nil && i < keyLiteral && bytes.Equal(spaceKey(i), key) {
			k.u8(byte(i))
			return
		}
	}
	k.u8(keyLiteral | byte(len(key)-1))
	k.put(key)
}

func decodeVlen(s *source) int {
	if b := int(s.u8()); b < vlenLarge {
		return b
	} else {
		return (b - vlenLarge + 1) << 10
	}
}

func encodeVlen(k *sink, n int) {
	if n < vlenLarge {
		k.u8(byte(n))
		return
	}
	k.u8(byte(vlenLarge + n>>10 - 1))
}

// decodeBounds reads a flags byte (bit 0: lower bound, bit 1: upper bound)
// and the bounds present.
func decodeBounds(s *source, space int) (lower, upper []byte) {
	b := s.u8()
	if b&1 != 0 {
		lower = decodeKey(s, space)
	}
	if b&2 != 0 {
		upper = decodeKey(s, space)
	}
	return lower, upper
}

func encodeBounds(k *sink, lower, upper []byte) {
	var b byte
	if lower != nil {
		b |= 1
	}
	if upper != nil {
		b |= 2
	}
	k.u8(b)
	if lower != nil {
		encodeKey(k, lower)
	}
	if upper != nil {
		encodeKey(k, upper)
	}
}

func (op engOp) String() string {
	switch op.kind {
	case opPut:
		return fmt.Sprintf("put %q (%d bytes)", op.key, op.vlen)
	case opDelete:
		return fmt.Sprintf("delete %q", op.key)
	case opGet:
		return fmt.Sprintf("get %q", op.key)
	case opBatch:
		var parts []string
		for _, e := range op.batch {
			if e.del {
				parts = append(parts, fmt.Sprintf("del %q", e.key))
			} else {
				parts = append(parts, fmt.Sprintf("put %q (%d bytes)", e.key, e.vlen))
			}
		}
		return "batch [" + strings.Join(parts, ", ") + "]"
	case opIter:
		var parts []string
		for _, st := range op.steps {
			parts = append(parts, st.String())
		}
		return fmt.Sprintf("iter %s: %s", boundsString(op.lower, op.upper), strings.Join(parts, " "))
	case opCheckpoint:
		return "checkpoint"
	case opReopen:
		return "close+reopen"
	case opCrash:
		ro := ""
		if op.crashRO {
			ro = ", read-only open first"
		}
		return fmt.Sprintf("crash (keep %d%% of unsynced data, seed %d%s)", crashPercents[op.crashPct], op.crashSeed, ro)
	case opCompact:
		return "compact " + boundsString(op.lower, op.upper)
	}
	return fmt.Sprintf("op(%d)", op.kind)
}

func (st iterStep) String() string {
	switch st.kind {
	case stepFirst:
		return "First"
	case stepLast:
		return "Last"
	case stepSeekGE:
		return fmt.Sprintf("SeekGE(%q)", st.key)
	case stepSeekLT:
		return fmt.Sprintf("SeekLT(%q)", st.key)
	case stepNext:
		return "Next"
	case stepPrev:
		return "Prev"
	case stepPut:
		return fmt.Sprintf("[put %q (%d bytes)]", st.key, st.vlen)
	case stepCheckpoint:
		return "[checkpoint]"
	case stepGet:
		return fmt.Sprintf("[get %q]", st.key)
	}
	return fmt.Sprintf("[delete %q]", st.key)
}

func boundsString(lower, upper []byte) string {
	b := func(k []byte) string {
		if k == nil {
			return "nil"
		}
		return strconv.Quote(string(k))
	}
	return "[" + b(lower) + ", " + b(upper) + ")"
}
