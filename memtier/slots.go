package memtier

import (
	"sync/atomic"

	"github.com/tierkv/tierkv/memtier/policy"
)

// pageBits sizes the slot table's pages: 1024 pointers (8 KiB) each.
const pageBits = 10

type slotPage [1 << pageBits]atomic.Pointer[entry]

// slotTable maps policy ids to resident versions. Pages never move once
// allocated, and the page directory is replaced (copied) when it grows, so
// lock-free readers can load any id they found in the point index; only the
// tier's writers (holding pmu) store.
type slotTable struct {
	dir atomic.Pointer[[]*slotPage]
	n   int // ids allocated so far (pmu)
}

// load returns the version resident under id, or nil. Lock-free.
func (st *slotTable) load(id policy.ID) *entry {
	dir := *st.dir.Load()
	if p := int(id >> pageBits); p < len(dir) {
		return dir[p][id&(1<<pageBits-1)].Load()
	}
	return nil
}

// store publishes e under id (nil to free it). pmu is held; id < st.n.
func (st *slotTable) store(id policy.ID, e *entry) {
	(*st.dir.Load())[id>>pageBits][id&(1<<pageBits-1)].Store(e)
}

// grow allocates the next id. pmu is held.
func (st *slotTable) grow() policy.ID {
	id := policy.ID(st.n)
	dir := *st.dir.Load()
	if p := int(id >> pageBits); p == len(dir) {
		// Appending in place is safe: readers never look past their len.
		next := append(dir, new(slotPage))
		st.dir.Store(&next)
	}
	st.n++
	return id
}

func newSlotTable() *slotTable {
	st := &slotTable{}
	dir := []*slotPage{}
	st.dir.Store(&dir)
	return st
}
