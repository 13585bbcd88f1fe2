package memtier

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tierkv/tierkv/memtier/policy"
)

// checkInvariants verifies that the point index, the ordered index, the slot
// table, the policy and the byte accounting all agree.
func checkInvariants(t testing.TB, tr *Tier) {
	t.Helper()
	if err := invariantError(tr); err != nil {
		t.Fatal(err)
	}
}

func invariantError(tr *Tier) error {
	tr.pmu.Lock()
	defer tr.pmu.Unlock()
	var n, bytes, dirty, pending, polN, polCost int64
	if len(tr.states) != len(tr.tags) {
		return fmt.Errorf("%d states for %d ids", len(tr.states), len(tr.tags))
	}
	for i := range tr.tags {
		id := policy.ID(i)
		e, st := tr.entryOfLocked(id), tr.states[id]
		if e == nil {
			if st != 0 {
				return fmt.Errorf("free id %d has state %b", id, st)
			}
			continue
		}
		if err := checkRecord(tr, id, e, st); err != nil {
			return err
		}
		n++
		bytes += e.charge()
		if e.dirty() {
			dirty++
		}
		if st&statePending != 0 {
			pending++
		}
		if st&stateInPolicy != 0 {
			polN++
			polCost += e.charge()
		}
	}
	mapN, err := countSlots(tr)
	if err != nil {
		return err
	}
	switch {
	case n != tr.entries || int64(mapN) != n || (!tr.treeOff && int64(tr.tree.Len()) != n):
		return fmt.Errorf("entries: slots %d, counter %d, maps %d, tree %d", n, tr.entries, mapN, tr.tree.Len())
	case tr.treeOff && (tr.tree.Len() != 0 || tr.lagLen() != 0 || tr.treeLagBytes != 0):
		return fmt.Errorf("dropped ordered index holds %d entries, lag %d keys / %d bytes", tr.tree.Len(), tr.lagLen(), tr.treeLagBytes)
	case bytes != tr.bytes:
		return fmt.Errorf("charged bytes %d, sum over resident entries %d", tr.bytes, bytes)
	case dirty != tr.dirty:
		return fmt.Errorf("dirty counter %d, actual %d", tr.dirty, dirty)
	case pending != tr.pendingN.Load():
		return fmt.Errorf("pending counter %d, actual %d", tr.pendingN.Load(), pending)
	case int64(tr.pol.Len()) != polN || tr.pol.Cost() != polCost:
		return fmt.Errorf("policy tracks %d entries / %d bytes, tier says %d / %d", tr.pol.Len(), tr.pol.Cost(), polN, polCost)
	case tr.pol.Cost() > tr.opts.BudgetBytes:
		return fmt.Errorf("policy cost %d over budget %d", tr.pol.Cost(), tr.opts.BudgetBytes)
	case tr.lagLen() >= treeLagMax || tr.treeLagBytes >= tr.treeLagLimit || tr.treeLagBytes < 0:
		return fmt.Errorf("ordered index lags by %d keys / %d bytes, bounds %d / %d", tr.lagLen(), tr.treeLagBytes, treeLagMax, tr.treeLagLimit)
	}
	return nil
}

// checkRecord checks one resident id's state against its record and indexes.
func checkRecord(tr *Tier, id policy.ID, e *entry, st uint8) error {
	switch {
	case st&statePending != 0 && st&stateInPolicy != 0:
		return fmt.Errorf("id %d both pending and in policy", id)
	case st&statePending != 0 && !e.dirty():
		return fmt.Errorf("id %d pending but clean", id)
	case st&statePending != 0 && st&stateQueued == 0:
		return fmt.Errorf("id %d pending but not queued", id)
	case st&(statePending|stateInPolicy) == 0:
		return fmt.Errorf("id %d resident but neither pending nor in policy", id)
	}
	k := e.key()
	h := tr.hash(k)
	if uint64(tr.tags[id]) != tagOf(h) {
		return fmt.Errorf("id %d has tag %#x, its key's is %#x", id, tr.tags[id], tagOf(h))
	}
	if gotID, got := tr.shardOf(h).find(h, k); got != e || gotID != id {
		return fmt.Errorf("point index has id %d (%p) for id %d (%p)", gotID, got, id, e)
	}
	if tr.treeOff {
		if st&stateTreeStale != 0 {
			return fmt.Errorf("id %d marked stale with no ordered index", id)
		}
		return nil
	}
	got, ok := tr.tree.Get(e)
	switch {
	case !ok:
		return fmt.Errorf("ordered index lacks id %d", id)
	case got != e && (st&stateTreeStale == 0 || got.seq >= e.seq):
		// Only an overwrite listed in treeLag may leave an older version there.
		return fmt.Errorf("ordered index holds seq %d for id %d at seq %d (stale bit %v)", got.seq, id, e.seq, st&stateTreeStale != 0)
	case st&stateTreeStale != 0 && !slices.ContainsFunc(tr.treeLag[tr.treeLagHead:], func(l lagged) bool { return l.id == id }):
		return fmt.Errorf("id %d is marked stale but not listed in treeLag", id)
	}
	return nil
}

// countSlots checks every shard's slot counters and load, and returns the
// number of live slots.
func countSlots(tr *Tier) (int, error) {
	total := 0
	for i := range tr.shards {
		sh := &tr.shards[i]
		live, dead := 0, 0
		tab := sh.tab.Load()
		for j := range tab.slots {
			v, e := tab.slots[j].v.Load(), tab.slots[j].e.Load()
			switch {
			case (v == slotEmpty || v == slotDeleted) && e != nil:
				return 0, fmt.Errorf("shard %d: free slot %d holds a version", i, j)
			case v == slotEmpty:
			case v == slotDeleted:
				dead++
			case e == nil || tagOf(tr.hash(e.key())) != v>>32 || tr.shardOfTag(v>>32) != sh:
				return 0, fmt.Errorf("shard %d: slot %d (%#x) holds a version of another tag or shard", i, j, v)
			default:
				live++
			}
		}
		if live != sh.used || dead != sh.dead || (live+dead)*20 > len(tab.slots)*maxLoad20 {
			return 0, fmt.Errorf("shard %d: %d live / %d deleted slots of %d, counters %d / %d", i, live, dead, len(tab.slots), sh.used, sh.dead)
		}
		total += live
	}
	return total, nil
}
