package fuzz_test

import "math/rand/v2"

// progGen generates valid FuzzEngine programs for the seed corpus.
type progGen struct {
	rng   *rand.Rand
	cfg   engineConfig
	space int
}

func newProgGen(seed uint64, cfg engineConfig) *progGen {
	return &progGen{rng: rand.New(rand.NewPCG(seed, 0xf022)), cfg: cfg, space: keySpaces[cfg.keys]}
}

func (g *progGen) key() []byte {
	switch r := g.rng.IntN(100); {
	case r < 2:
		return []byte{}
	case r < 10:
		k := make([]byte, 1+g.rng.IntN(8))
		for i := range k {
			k[i] = byte(g.rng.IntN(256))
		}
		k[0] = []byte{0x00, 0xff}[g.rng.IntN(2)] // never mistaken for a key of the space
		return k
	}
	return spaceKey(g.rng.IntN(g.space))
}

func (g *progGen) vlen() int {
	switch r := g.rng.IntN(20); {
	case r == 0:
		return 0
	case r == 1:
		return (1 + g.rng.IntN(8)) << 10
	}
	return 1 + g.rng.IntN(120)
}

// bound returns nil (no bound) or a key.
func (g *progGen) bound() []byte {
	if g.rng.IntN(2) == 0 {
		return nil
	}
	return g.key()
}

func (g *progGen) op() engOp {
	switch r := g.rng.IntN(100); {
	case r < 30:
		return engOp{kind: opPut, key: g.key(), vlen: g.vlen()}
	case r < 40:
		return engOp{kind: opDelete, key: g.key()}
	case r < 52:
		op := engOp{kind: opBatch}
		for range 1 + g.rng.IntN(maxBatchOps) {
			e := batchEntry{del: g.rng.IntN(4) == 0, key: g.key()}
			if !e.del {
				e.vlen = g.vlen()
			}
			op.batch = append(op.batch, e)
		}
		return op
	case r < 72:
		return engOp{kind: opGet, key: g.key()}
	case r < 84:
		return g.iter()
	case r < 89:
		return engOp{kind: opCheckpoint}
	case r < 92:
		return engOp{kind: opReopen}
	case r < 98:
		return engOp{kind: opCrash, crashPct: g.rng.IntN(len(crashPercents)), crashRO: g.rng.IntN(3) == 0, crashSeed: byte(g.rng.IntN(256))}
	}
	return engOp{kind: opCompact, lower: g.bound(), upper: g.bound()}
}

func (g *progGen) iter() engOp {
	op := engOp{kind: opIter, lower: g.bound(), upper: g.bound()}
	for range 1 + g.rng.IntN(maxIterSteps) {
		st := iterStep{kind: stepOf(randomStepCode(g.rng))}
		if st.kind.hasKey() {
			st.key = g.key()
		}
		if st.kind == stepPut {
			st.vlen = g.vlen()
		}
		op.steps = append(op.steps, st)
	}
	return op
}

func (g *progGen) program(n int) []engOp {
	ops := make([]engOp, n)
	for i := range ops {
		ops[i] = g.op()
	}
	return ops
}

// engineSeeds returns the generated seed inputs of FuzzEngine: random
// programs over a spread of configurations, and a few scenarios written
// out by hand.
func engineSeeds() map[string][]byte {
	seeds := map[string][]byte{}
	cfgRNG := rand.New(rand.NewPCG(1, 2))
	for i := range 12 {
		cfg := engineConfig{
			policy:        i % len(policies),
			sync:          i % len(syncModes),
			mem:           []int{0, 1, 0, 3}[i%4],
			keys:          cfgRNG.IntN(len(keySpaces)),
			smallSegments: cfgRNG.IntN(2) == 0,
			bgCheckpoints: i%5 == 4,
			asyncWAL:      i%6 == 5, // unsynced modes only: i%3 == 2 is SyncNever
		}
		seeds[seedName("random", i)] = encodeProgram(cfg, newProgGen(uint64(i), cfg).program(40+5*i))
	}
	k := func(i int) []byte { return spaceKey(i) }
	put := func(i, n int) engOp { return engOp{kind: opPut, key: k(i), vlen: n} }
	crash := func(pct int) engOp { return engOp{kind: opCrash, crashPct: pct, crashSeed: 7} }
	never := engineConfig{sync: 2, mem: 0, keys: 1, smallSegments: true}
	// Unsynced writes, then crashes keeping none, some and all of them.
	seeds["seed-never-crash"] = encodeProgram(never, []engOp{
		put(1, 10), put(2, 2048), {kind: opCheckpoint}, put(3, 30), {kind: opDelete, key: k(1)},
		put(4, 4096), crash(0), put(5, 50), put(2, 0), crash(2), put(6, 8192), put(7, 1), crash(4),
		{kind: opGet, key: k(2)}, {kind: opGet, key: k(1)},
	})
	// A batch is all or nothing, also with an empty key in it and across a crash.
	always := engineConfig{sync: 0, mem: 1, keys: 1}
	seeds["seed-batch-crash"] = encodeProgram(always, []engOp{
		{kind: opBatch, batch: []batchEntry{{key: k(1), vlen: 5}, {key: k(1), vlen: 0}, {del: true, key: k(2)}, {key: k(3), vlen: 3072}}},
		{kind: opBatch, batch: []batchEntry{{key: k(4), vlen: 5}, {key: []byte{}, vlen: 1}}},
		crash(1), {kind: opGet, key: k(1)}, {kind: opGet, key: k(4)},
	})
	// Iterators with inverted, empty and binary bounds over both tiers.
	seeds["seed-iter-bounds"] = encodeProgram(engineConfig{mem: 0, keys: 1, policy: 1}, []engOp{
		put(1, 100), put(3, 100), put(5, 100), put(7, 100), {kind: opReopen}, put(4, 10), {kind: opDelete, key: k(5)},
		{kind: opIter, lower: k(6), upper: k(2), steps: []iterStep{{kind: stepFirst}, {kind: stepLast}}},
		{kind: opIter, lower: []byte{}, upper: []byte{0xff}, steps: []iterStep{{kind: stepLast}, {kind: stepPrev}, {kind: stepNext}, {kind: stepNext}, {kind: stepPrev}}},
		{kind: opIter, lower: k(2), steps: []iterStep{{kind: stepSeekLT, key: k(9)}, {kind: stepPrev}, {kind: stepPut, key: k(2), vlen: 1}, {kind: stepPrev}, {kind: stepPrev}, {kind: stepNext}}},
		{kind: opCompact, lower: k(3), upper: k(1)}, {kind: opCompact},
	})
	return seeds
}

// randomStepCode returns a step byte: every step, Next and Prev twice as often.
func randomStepCode(rng *rand.Rand) byte {
	switch c := byte(rng.IntN(12)); c {
	case 10:
		return stepCode(stepCheckpoint)
	case 11:
		return stepCode(stepGet)
	default:
		return c
	}
}
