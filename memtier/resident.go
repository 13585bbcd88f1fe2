package memtier

import "github.com/tierkv/tierkv/memtier/policy"

// allocIDLocked returns a free policy id, reusing freed ones first so that
// ids stay dense.
func (t *Tier) allocIDLocked() policy.ID {
	if n := len(t.free); n > 0 {
		id := t.free[n-1]
		t.free = t.free[:n-1]
		return id
	}
	t.states = append(t.states, 0)
	t.tags = append(t.tags, 0)
	return policy.ID(len(t.tags) - 1)
}

// insertLocked makes ne (a key not resident) resident under the fresh id
// in every index and charges it.
func (t *Tier) insertLocked(sh *shard, h uint64, id policy.ID, ne *entry) {
	t.tags[id] = uint32(tagOf(h))
	sh.insert(h, id, ne)
	t.entries++
	t.account(nil, ne)
	switch {
	case !t.treeOff:
		t.treeMu.Lock()
		t.tree.ReplaceOrInsert(ne)
		t.treeMu.Unlock()
		t.noteTreeWorkLocked(1)
	case t.entries > treeDropMaxEntries:
		// Grown past the size whose rebuild a Snapshot may pay: rebuild
		// now, once, and maintain the tree from here on.
		t.rebuildTreeLocked()
	default:
		t.treeWork++ // what maintaining it would have cost (see BeginSnapshot)
		t.catchUp.note(id, nil)
	}
}

// replaceLocked publishes ne in place of old, the resident version of the
// same key under id (the point index names the id, so it is unchanged).
// The ordered index catches up later (see Tier.treeLag).
func (t *Tier) replaceLocked(id policy.ID, old, ne *entry) {
	sh, v := t.locateLocked(id)
	sh.replace(v, ne)
	t.account(old, ne)
	if t.treeOff {
		t.catchUp.note(id, nil)
		return
	}
	if t.states[id]&stateTreeStale != 0 {
		return // the tree still holds an older version; old is garbage now
	}
	t.states[id] |= stateTreeStale
	size := old.size()
	t.treeLag = append(t.treeLag, lagged{id, size})
	t.treeLagBytes += size
	// Past a bound, the oldest ones are replayed a few at a time: a steady
	// cost per write instead of a pause every treeLagMax writes.
	if t.lagLen() >= treeLagMax || t.treeLagBytes >= t.treeLagLimit {
		t.treeMu.Lock()
		n := 0
		for ; t.lagLen() > 0 && (n < treeLagStep || t.treeLagBytes >= t.treeLagLimit); n++ {
			t.replayOldestLocked()
		}
		t.treeMu.Unlock()
		t.noteTreeWorkLocked(n)
	}
}

// lagged is an overwritten id and the size of the version the ordered
// index holds for it.
type lagged struct {
	id   policy.ID
	size int64
}

// lagLen returns the number of ids waiting in treeLag.
func (t *Tier) lagLen() int { return len(t.treeLag) - t.treeLagHead }

// replayOldestLocked brings the oldest id in treeLag up to date in the
// ordered index; pmu and treeMu are held. An id removed since (its stale
// bit cleared) is skipped: removal deleted its key from the tree. One
// reused and overwritten since is replayed early, which is harmless (its
// later entry is then skipped).
func (t *Tier) replayOldestLocked() {
	l := t.treeLag[t.treeLagHead]
	t.treeLag[t.treeLagHead] = lagged{}
	t.treeLagHead++
	t.treeLagBytes -= l.size
	if t.states[l.id]&stateTreeStale != 0 {
		t.states[l.id] &^= stateTreeStale
		t.tree.ReplaceOrInsert(t.entryOfLocked(l.id))
	}
	switch {
	case t.treeLagHead == len(t.treeLag):
		t.treeLag, t.treeLagHead = t.treeLag[:0], 0
	case t.treeLagHead >= treeLagMax && 2*t.treeLagHead >= len(t.treeLag):
		n := copy(t.treeLag, t.treeLag[t.treeLagHead:])
		clear(t.treeLag[n:])
		t.treeLag, t.treeLagHead = t.treeLag[:n], 0
	}
}

// syncTreeLocked brings the ordered index up to date with every overwrite
// listed in treeLag (for a Snapshot).
func (t *Tier) syncTreeLocked() {
	t.treeMu.Lock()
	for t.lagLen() > 0 {
		t.replayOldestLocked()
	}
	t.treeMu.Unlock()
}

// removeLocked drops resident id from every index, bumps its key's
// generation and frees the id. The policy must already have forgotten it.
func (t *Tier) removeLocked(id policy.ID) {
	e := t.entryOfLocked(id)
	// Slot first, then generation: a Get that misses because of this
	// removal is followed by a Generation that sees the bump.
	sh, v := t.locateLocked(id)
	sh.remove(v)
	t.genOfTag(uint64(t.tags[id])).Add(1)
	t.tags[id] = 0
	t.setPendingLocked(id, false)
	t.states[id] = 0 // (clears stateTreeStale: syncTreeLocked skips the id)
	t.free = append(t.free, id)
	t.entries--
	t.account(e, nil)
	if t.treeOff {
		t.treeWork++
		t.catchUp.note(id, e)
		return
	}
	t.treeMu.Lock()
	t.tree.Delete(e) // by key: the tree may hold an older version (treeLag)
	t.treeMu.Unlock()
	t.noteTreeWorkLocked(1)
}

// account moves the byte and dirty counts from old to ne (either may be nil).
func (t *Tier) account(old, ne *entry) {
	if old != nil {
		t.bytes -= old.charge()
		if old.dirty() {
			t.dirty--
		}
	}
	if ne != nil {
		t.bytes += ne.charge()
		if ne.dirty() {
			t.dirty++
		}
	}
}

// evictVictimsLocked carries out the policy's decisions in t.victims: a
// clean victim leaves at once, a dirty one is queued for write-back.
func (t *Tier) evictVictimsLocked() {
	for _, id := range t.victims {
		t.states[id] &^= stateInPolicy
		if t.entryOfLocked(id).dirty() {
			t.enqueueLocked(id)
			continue
		}
		t.removeLocked(id)
		t.evictions++
	}
	t.victims = t.victims[:0]
}

// enqueueLocked marks resident id (not tracked by the policy) as pending
// write-back.
func (t *Tier) enqueueLocked(id policy.ID) {
	t.setPendingLocked(id, true)
	if t.states[id]&stateQueued == 0 {
		t.states[id] |= stateQueued
		t.queue = append(t.queue, id)
	}
}

// setPendingLocked sets or clears id's pending bit, keeping the count.
func (t *Tier) setPendingLocked(id policy.ID, pending bool) {
	was := t.states[id]&statePending != 0
	switch {
	case pending && !was:
		t.states[id] |= statePending
		t.pendingN.Add(1)
	case !pending && was:
		t.states[id] &^= statePending
		t.pendingN.Add(-1)
	}
}

// Stats is a point-in-time summary of a tier.
type Stats struct {
	Entries            int64  // resident versions (including tombstones and pending ones)
	Bytes              int64  // bytes charged for them
	DirtyEntries       int64  // resident versions not yet in the disk tier
	PendingWriteBack   int64  // dirty victims queued for Evict
	PolicyBytes        int64  // bytes charged for the versions the policy tracks (<= BudgetBytes)
	BudgetBytes        int64  // the configured budget
	Hits               uint64 // Gets that found a live version
	TombstoneHits      uint64 // Gets that found a tombstone (a resident delete)
	Misses             uint64 // Gets that found none
	Promotions         uint64 // Promotes admitted
	PromotionsRejected uint64 // Promotes dropped
	Evictions          uint64 // versions that left the tier as victims (after write-back if dirty)
	AccessesDropped    uint64 // sampled hits and misses the lossy buffers did not pass to the policy
	// The ordered index is dropped after many changes without a Snapshot
	// and rebuilt by the next Snapshot (see ordered.go).
	OrderedIndexDrops    uint64
	OrderedIndexRebuilds uint64
	SortedSnapshots      uint64 // Snapshots built by sorting the resident versions (index dropped)
}

// Stats returns the tier's counters. Safe for concurrent use.
func (t *Tier) Stats() Stats {
	var s Stats
	s.Hits, s.TombstoneHits, s.Misses, s.AccessesDropped = t.accessCounts()
	t.pmu.Lock()
	defer t.pmu.Unlock()
	s.Entries, s.Bytes, s.DirtyEntries = t.entries, t.bytes, t.dirty
	s.PendingWriteBack = t.pendingN.Load()
	s.PolicyBytes, s.BudgetBytes = t.pol.Cost(), t.opts.BudgetBytes
	s.Promotions, s.PromotionsRejected, s.Evictions = t.promotions, t.rejected, t.evictions
	s.OrderedIndexDrops, s.OrderedIndexRebuilds, s.SortedSnapshots = t.treeDrops, t.treeRebuilds, t.sortedSnapshots
	return s
}
