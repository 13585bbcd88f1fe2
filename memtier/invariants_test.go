package memtier

import (
	"fmt"
	"testing"
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
	for id, e := range tr.recs {
		st := tr.states[id]
		if e == nil {
			if st != 0 {
				return fmt.Errorf("free id %d has state %b", id, st)
			}
			continue
		}
		if int(e.id) != id {
			return fmt.Errorf("record at id %d carries id %d", id, e.id)
		}
		n++
		bytes += e.charge()
		if e.dirty() {
			dirty++
		}
		if st&statePending != 0 {
			pending++
			if st&stateInPolicy != 0 {
				return fmt.Errorf("id %d both pending and in policy", id)
			}
			if !e.dirty() {
				return fmt.Errorf("id %d pending but clean", id)
			}
			if st&stateQueued == 0 {
				return fmt.Errorf("id %d pending but not queued", id)
			}
		}
		if st&stateInPolicy != 0 {
			polN++
			polCost += e.charge()
		}
		if st&(statePending|stateInPolicy) == 0 {
			return fmt.Errorf("id %d resident but neither pending nor in policy", id)
		}
		k := e.key()
		h := tr.hash(k)
		if got := tr.shardOf(h).lookup(h, k); got != e {
			return fmt.Errorf("point index has %p for id %d, want %p", got, id, e)
		}
		if got, ok := tr.tree.Get(e); !ok || got != e {
			return fmt.Errorf("ordered index lacks id %d", id)
		}
	}
	mapN := 0
	for i := range tr.shards {
		mapN += len(tr.shards[i].m) + len(tr.shards[i].over)
	}
	switch {
	case n != tr.entries || int64(mapN) != n || int64(tr.tree.Len()) != n:
		return fmt.Errorf("entries: slots %d, counter %d, maps %d, tree %d", n, tr.entries, mapN, tr.tree.Len())
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
	}
	return nil
}
