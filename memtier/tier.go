package memtier

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/google/btree"
	"github.com/tierkv/tierkv/memtier/policy"
)

// btreeDegree is the ordered index's B-tree degree: nodes of up to 63
// items keep the tree shallow; its cost per item measured 13 bytes after
// random inserts and 19 after sequential ones (half-full leaves), and 16 and
// 64 did no better.
const btreeDegree = 32

// promotePrebuildBytes is the value size from which Promote builds the
// record before asking the policy, outside the writers' lock (see Promote).
const promotePrebuildBytes = 64 << 10

// Per-id state bits (Tier.states).
const (
	stateInPolicy  = 1 << iota // tracked by the policy
	statePending               // a dirty victim awaiting write-back
	stateQueued                // listed in Tier.queue (maybe stale)
	stateTreeStale             // the ordered index holds an older version (listed in Tier.treeLag)
)

// The ordered index lags behind overwrites (see Tier.treeLag) by at most
// treeLagMax keys, and by superseded versions of at most
// max(treeLagMinBytes, BudgetBytes/treeLagBudgetShare) bytes.
const (
	treeLagMax         = 1024
	treeLagStep        = 16 // replayed at once past a bound
	treeLagMinBytes    = 64 << 10
	treeLagBudgetShare = 256
)

// Tier is the memory tier. All methods are safe for concurrent use, except
// that Evict, Dirty and MarkClean must not run concurrently with each other
// (the engine serializes them under its write-back mutex).
type Tier struct {
	opts       Options
	maxCharge  int64  // largest charge admitted to the policy
	hashMask   uint64 // all ones; tests narrow it to force collisions
	shards     []shard
	stripes    []stripe
	stripeMask uint32
	closed     atomic.Bool
	gens       [genGroups]atomic.Uint64 // eviction generations (see Generation)
	sampleBits uint                     // record 1 access in 2^sampleBits (AccessSampling)
	lossless   bool                     // tests: apply every access at once, under pmu
	pendingN   atomic.Int64             // mirrors the number of pending ids, for NeedsWriteBack
	comp       *compressor

	// pmu serializes writers and guards the policy and everything below
	// (and all stores into the shards and recs).
	pmu        sync.Mutex
	pol        policy.Policy
	states     []uint8     // state bits by policy id
	tags       []uint32    // tag of the key resident under each policy id (0: free; slots.go)
	free       []policy.ID // ids to reuse
	queue      []policy.ID // pending write-back, oldest first; entries may be stale
	victims    []policy.ID // scratch
	entries    int64
	bytes      int64
	dirty      int64
	promotions uint64
	rejected   uint64
	evictions  uint64

	// An overwrite does not update the ordered index at once: it queues
	// the id in treeLag (once) and leaves the superseded version in the
	// B-tree until the next Snapshot replays the queue (syncTreeLocked),
	// or until, past the lag's bounds, later overwrites replay it oldest
	// first. Only Snapshot reads the B-tree, so nobody sees the lag; a key
	// overwritten many times in between costs one B-tree descent instead
	// of one per write.
	treeLag      []lagged // from treeLagHead on
	treeLagHead  int
	treeLagBytes int64 // bytes of the superseded versions the tree holds (an upper bound)
	treeLagLimit int64

	// The ordered index is dropped by a tier that changes a lot between
	// Snapshots and rebuilt by the next one (see ordered.go).
	treeOff         bool  // tree is empty and not maintained
	treeWork        int64 // B-tree operations since the last Snapshot
	treeDropMin     int64 // entries below which the tree is always kept (tests lower it)
	treeDropShift   uint  // the work bound is entries >> treeDropShift (tests raise it)
	treeDrops       uint64
	treeRebuilds    uint64
	sortedSnapshots uint64      // Snapshots built by sorting, the index dropped
	catchUp         *catchUpLog // changes since a sorted Snapshot began (nil: none recorded)

	treeMu sync.Mutex // guards tree's structure (writers and Clone)
	tree   *btree.BTreeG[*entry]
}

func lessEntry(a, b *entry) bool { return a.key() < b.key() }

// New returns an empty tier. It returns ErrBadOptions (wrapped, listing
// every problem) if opts is invalid; opts is not modified.
func New(opts *Options) (*Tier, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := withDefaults(opts)
	pol, err := policy.New(o.Policy, policy.Options{Capacity: max(o.BudgetBytes, 1), Seed: o.Seed})
	if err != nil {
		return nil, err
	}
	t := &Tier{
		opts:          o,
		maxCharge:     int64(float64(o.BudgetBytes) * o.MaxEntryFraction),
		hashMask:      ^uint64(0),
		shards:        make([]shard, o.Shards),
		stripes:       make([]stripe, numStripes()),
		sampleBits:    uint(bits.TrailingZeros(uint(o.AccessSampling))),
		pol:           pol,
		comp:          newCompressor(o.CompressMinBytes),
		tree:          btree.NewG(btreeDegree, lessEntry),
		treeDropMin:   treeDropMinEntries,
		treeDropShift: treeDropShift,
	}
	t.stripeMask = uint32(len(t.stripes) - 1)
	t.treeLagLimit = max(treeLagMinBytes, o.BudgetBytes/treeLagBudgetShare)
	for i := range t.shards {
		t.shards[i].tab.Store(newTable(minTable))
	}
	return t, nil
}

func (t *Tier) hash(key string) uint64 { return hashKey(key, t.opts.Seed, t.hashMask) }

func (t *Tier) shardOf(h uint64) *shard { return t.shardOfTag(tagOf(h)) }

// Get appends the resident value of key to dst and returns the extended
// slice (owned by the caller). tombstone reports a resident delete; ok is
// false when no version of key is resident. It takes no lock that a writer
// holds (the point index is read with atomic loads), records the access
// (lossily) and allocates nothing when dst has room and the value is stored
// uncompressed. Safe for concurrent use.
func (t *Tier) Get(key, dst []byte) (value []byte, seq uint64, tombstone, ok bool) {
	if t.closed.Load() {
		return dst, 0, false, false
	}
	k := stringOf(key)
	h := t.hash(k)
	id, e := t.shardOf(h).find(h, k)
	if e == nil {
		t.record(access{h: h})
		return dst, 0, false, false
	}
	t.record(access{e: e, h: h, id: id})
	switch m := atomic.LoadUint32(&e.meta); {
	case m&flagTombstone != 0:
		return dst, e.seq, true, true
	case m&(flagCompressed|flagLong) == 0:
		// The common case, from the one header word already loaded.
		if n := int(e.vlen); n > 0 {
			dst = append(dst, unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(e), hdrSize+int(m>>flagBits))), n)...)
		}
		return dst, e.seq, false, true
	}
	return e.appendValue(dst), e.seq, false, true
}

// genGroups is the number of eviction generations: keys are grouped by
// hash, finer than the shards, so that a promotion is rarely refused
// because some unrelated key left.
const genGroups = 1024

func (t *Tier) genOf(h uint64) *atomic.Uint64 { return t.genOfTag(tagOf(h)) }

// genOfTag returns the generation of the keys whose tag is tag (so that an
// eviction, which knows its id's tag, need not hash the key again).
func (t *Tier) genOfTag(tag uint64) *atomic.Uint64 { return &t.gens[(tag>>1)&(genGroups-1)] }

// Generation returns the eviction generation of key's group (one of 1024
// by key hash; the "shard" of the engine's protocol), a counter bumped
// whenever an entry of that group leaves the tier. Read it after a miss and
// before reading the disk tier, and pass it to Promote. Lock-free; safe for
// concurrent use.
func (t *Tier) Generation(key []byte) uint64 {
	return t.genOf(t.hash(stringOf(key))).Load()
}

// Put publishes a new dirty version of key at seq: value, or a delete if
// tombstone (value is then ignored). Put copies key and value. If a version
// with a higher or equal seq is resident nothing changes. Otherwise the
// write is always accepted: clean victims the policy names leave at once,
// dirty ones stay resident and are queued for Evict. A version charged more
// than MaxEntryFraction of the budget is queued for write-back at once
// instead of entering the policy. A Put after Close does nothing.
func (t *Tier) Put(key, value []byte, seq uint64, tombstone bool) {
	if t.closed.Load() {
		return
	}
	flags := uint32(flagDirty)
	if tombstone {
		flags |= flagTombstone
	}
	ne := makeEntry(key, value, seq, flags, t.comp)
	h := t.hash(ne.key())
	sh := t.shardOf(h)

	t.pmu.Lock()
	defer t.pmu.Unlock()
	id, old := sh.find(h, ne.key())
	if old == nil {
		id = t.allocIDLocked()
		t.insertLocked(sh, h, id, ne)
		if ne.charge() > t.maxCharge {
			t.enqueueLocked(id)
			return
		}
		t.states[id] |= stateInPolicy
		t.victims = t.pol.Insert(id, h, ne.charge(), t.victims[:0])
		t.evictVictimsLocked()
		return
	}
	if old.seq >= seq {
		return
	}
	t.replaceLocked(id, old, ne)
	t.repolicyLocked(id, ne, h)
}

// repolicyLocked tells the policy about a new version of a resident key.
func (t *Tier) repolicyLocked(id policy.ID, ne *entry, h uint64) {
	large := ne.charge() > t.maxCharge
	inPolicy := t.states[id]&stateInPolicy != 0
	switch {
	case inPolicy && large:
		t.pol.Remove(id)
		t.states[id] &^= stateInPolicy
		t.enqueueLocked(id)
	case inPolicy:
		t.victims = t.pol.Update(id, ne.charge(), t.victims[:0])
		t.evictVictimsLocked()
	case !large:
		// A dirty victim rewritten before its write-back is hot again: it
		// re-enters the policy (its stale queue slot is skipped).
		t.setPendingLocked(id, false)
		t.states[id] |= stateInPolicy
		t.victims = t.pol.Insert(id, h, ne.charge(), t.victims[:0])
		t.evictVictimsLocked()
	}
}

// Promote offers a clean version of key read from the disk tier. It is
// dropped (false) if any version of key is resident, if key's generation
// (see Generation) is no longer gen, if the version is charged more than
// MaxEntryFraction of the budget, or if the policy does not admit it.
// Promote copies key and value, and (below 64 KiB of value) only once the
// policy has admitted them: most offers are refused, and a refusal
// allocates and compresses nothing.
func (t *Tier) Promote(key, value []byte, seq uint64, gen uint64) bool {
	if t.closed.Load() {
		return false
	}
	k := stringOf(key)
	h := t.hash(k)
	sh := t.shardOf(h)
	// The policy is asked with the uncompressed charge, an upper bound;
	// once the record is built, Update lowers it if compression saved.
	cost := int64(len(key)+len(value)) + EntryOverhead
	var ne *entry
	if cost > t.maxCharge || len(value) >= promotePrebuildBytes {
		// Only compression could bring it under the bound, or copying and
		// compressing it would hold the writers' lock too long (rare: a
		// large value): build the record now, outside the lock.
		ne = makeEntry(key, value, seq, 0, t.comp)
		cost = ne.charge()
	}

	t.pmu.Lock()
	defer t.pmu.Unlock()
	if cost > t.maxCharge || t.genOf(h).Load() != gen {
		t.rejected++
		return false
	}
	if _, old := sh.find(h, k); old != nil {
		t.rejected++
		return false
	}
	id := t.allocIDLocked()
	admitted, victims := t.pol.Promote(id, h, cost, t.victims[:0])
	t.victims = victims
	if !admitted {
		t.free = append(t.free, id)
		t.rejected++
		return false
	}
	if ne == nil {
		ne = makeEntry(key, value, seq, 0, t.comp)
	}
	t.states[id] = stateInPolicy
	t.insertLocked(sh, h, id, ne)
	t.promotions++
	t.evictVictimsLocked()
	if t.entryOfLocked(id) != ne {
		return false // it was its own victim
	}
	if c := ne.charge(); c < cost {
		t.victims = t.pol.Update(id, c, t.victims[:0])
		t.evictVictimsLocked()
	}
	return t.entryOfLocked(id) == ne
}

// Close stops the tier: later Puts and Promotes do nothing, Gets miss and
// Evict returns ErrClosed. The tier starts no goroutines, so none can leak.
// Close is idempotent and safe for concurrent use.
func (t *Tier) Close() { t.closed.Store(true) }
