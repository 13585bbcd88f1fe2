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
	t.recs = append(t.recs, nil)
	t.states = append(t.states, 0)
	return policy.ID(len(t.recs) - 1)
}

// insertLocked makes ne (a key not resident, ne.id allocated) resident in
// every index and charges it.
func (t *Tier) insertLocked(sh *shard, h uint64, ne *entry) {
	sh.mu.Lock()
	sh.store(h, ne)
	sh.mu.Unlock()
	t.treeMu.Lock()
	t.tree.ReplaceOrInsert(ne)
	t.treeMu.Unlock()
	t.recs[ne.id] = ne
	t.entries++
	t.account(nil, ne)
}

// replaceLocked publishes ne in place of old, the resident version of the
// same key (same id).
func (t *Tier) replaceLocked(sh *shard, h uint64, old, ne *entry) {
	sh.mu.Lock()
	sh.store(h, ne)
	sh.mu.Unlock()
	t.treeMu.Lock()
	t.tree.ReplaceOrInsert(ne)
	t.treeMu.Unlock()
	t.recs[ne.id] = ne
	t.account(old, ne)
}

// removeLocked drops resident id from every index, bumps its shard's
// generation and frees the id. The policy must already have forgotten it.
func (t *Tier) removeLocked(id policy.ID) {
	e := t.recs[id]
	k := e.key()
	h := t.hash(k)
	sh := t.shardOf(h)
	sh.mu.Lock()
	sh.remove(h, k)
	sh.gen.Add(1)
	sh.mu.Unlock()
	t.treeMu.Lock()
	t.tree.Delete(e)
	t.treeMu.Unlock()
	t.setPendingLocked(id, false)
	t.recs[id] = nil
	t.states[id] = 0
	t.free = append(t.free, id)
	t.entries--
	t.account(e, nil)
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
		if t.recs[id].dirty() {
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
	Hits               uint64 // Gets that found a version (tombstones included)
	Misses             uint64 // Gets that found none
	Promotions         uint64 // Promotes admitted
	PromotionsRejected uint64 // Promotes dropped
	Evictions          uint64 // versions that left the tier as victims (after write-back if dirty)
	AccessesDropped    uint64 // hits and misses the lossy buffers did not pass to the policy
}

// Stats returns the tier's counters. Safe for concurrent use.
func (t *Tier) Stats() Stats {
	var s Stats
	for i := range t.shards {
		s.Hits += t.shards[i].hits.Load()
		s.Misses += t.shards[i].misses.Load()
	}
	s.AccessesDropped = t.droppedAccesses()
	t.pmu.Lock()
	defer t.pmu.Unlock()
	s.Entries, s.Bytes, s.DirtyEntries = t.entries, t.bytes, t.dirty
	s.PendingWriteBack = t.pendingN.Load()
	s.PolicyBytes, s.BudgetBytes = t.pol.Cost(), t.opts.BudgetBytes
	s.Promotions, s.PromotionsRejected, s.Evictions = t.promotions, t.rejected, t.evictions
	return s
}
