package memtier

import (
	"slices"

	"github.com/tierkv/tierkv/memtier/policy"
)

// Evict hands writeBack batches of at most EvictBatchEntries entries and
// (unless one entry alone is larger) EvictBatchBytes bytes of keys and values.
const (
	EvictBatchEntries = 1024
	EvictBatchBytes   = 4 << 20
)

// NeedsWriteBack reports whether dirty victims are queued for Evict. It
// takes no lock; safe for concurrent use.
func (t *Tier) NeedsWriteBack() bool { return t.pendingN.Load() > 0 }

// Evict drains the queue of dirty victims that are queued when it starts.
// For each batch it snapshots their current versions, calls writeBack
// without holding any tier lock, and once writeBack returns nil removes
// each one whose resident version is still the one written (a version
// rewritten meanwhile stays resident and dirty). If writeBack fails the
// batch stays resident, dirty and queued, and Evict returns the error.
// writeBack must not retain the slice; the entries' Key and Value are
// read-only and stay valid indefinitely. Evict returns ErrClosed after
// Close. Evict, Dirty and MarkClean must not run concurrently with each
// other; Get, Put, Promote and Snapshot may.
func (t *Tier) Evict(writeBack func([]Entry) error) error {
	if t.closed.Load() {
		return ErrClosed
	}
	t.pmu.Lock()
	budget := len(t.queue)
	t.pmu.Unlock()
	var batch []pendingVersion
	var out []Entry
	for budget > 0 {
		batch = t.takeBatch(batch[:0], &budget)
		if len(batch) == 0 {
			break
		}
		var err error
		if out, err = t.writeBatch(batch, out[:0], writeBack); err != nil {
			return err
		}
	}
	return nil
}

// writeBatch hands one batch to writeBack and settles it; if writeBack
// fails or panics the batch stays resident, dirty and queued.
func (t *Tier) writeBatch(batch []pendingVersion, out []Entry, writeBack func([]Entry) error) ([]Entry, error) {
	for _, p := range batch {
		out = append(out, p.e.toEntry())
	}
	written := false
	defer func() { t.finishBatch(batch, written) }()
	err := writeBack(out)
	written = err == nil
	return out, err
}

// takeBatch pops queued ids (at most *budget of them) and returns the
// current versions of those still pending, up to one batch.
func (t *Tier) takeBatch(batch []pendingVersion, budget *int) []pendingVersion {
	t.pmu.Lock()
	defer t.pmu.Unlock()
	size := 0
	for *budget > 0 && len(t.queue) > 0 && len(batch) < EvictBatchEntries {
		id := t.queue[0]
		if t.states[id]&statePending != 0 {
			e := t.entryOfLocked(id)
			sz := int(e.charge() - EntryOverhead)
			if len(batch) > 0 && size+sz > EvictBatchBytes {
				break
			}
			size += sz
			batch = append(batch, pendingVersion{id, e})
		}
		t.states[id] &^= stateQueued
		t.queue = t.queue[1:]
		*budget--
	}
	return batch
}

// finishBatch removes the written versions still resident and pending
// (written), or re-queues the batch (not written). A version replaced
// meanwhile by a newer pending one is queued again.
func (t *Tier) finishBatch(batch []pendingVersion, written bool) {
	t.pmu.Lock()
	defer t.pmu.Unlock()
	for _, p := range batch {
		id := p.id
		if t.states[id]&statePending == 0 {
			continue // rewritten and back in the policy, or already removed
		}
		if written && t.entryOfLocked(id) == p.e { // the very version written (not a reused id)
			t.removeLocked(id)
			t.evictions++
			continue
		}
		t.enqueueLocked(id)
	}
}

// pendingVersion is a queued id and the version Evict is writing back.
type pendingVersion struct {
	id policy.ID
	e  *entry
}

// Dirty returns the resident dirty versions with Seq <= maxSeq, oldest
// first, for a checkpoint. Their Key and Value are read-only and stay valid
// indefinitely. Not to be run concurrently with Evict or MarkClean.
func (t *Tier) Dirty(maxSeq uint64) []Entry {
	t.pmu.Lock()
	var found []*entry
	if t.dirty > 0 {
		t.eachResidentLocked(func(e *entry) {
			if e.dirty() && e.seq <= maxSeq {
				found = append(found, e)
			}
		})
	}
	t.pmu.Unlock()
	// Records are immutable, so they can be copied out without the lock.
	slices.SortFunc(found, func(a, b *entry) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	out := make([]Entry, len(found))
	for i, e := range found {
		out[i] = e.toEntry()
	}
	return out
}

// MarkClean records that entries (as returned by Dirty) are now in the disk
// tier. Each whose key's resident version is still dirty at that Seq is
// marked clean; a tombstone, or a version that was a queued dirty victim,
// leaves the tier instead (its delete or its data is on disk now). Not to be
// run concurrently with Evict or Dirty.
func (t *Tier) MarkClean(entries []Entry) {
	t.pmu.Lock()
	defer t.pmu.Unlock()
	for i := range entries {
		k := stringOf(entries[i].Key)
		h := t.hash(k)
		id, e := t.shardOf(h).find(h, k)
		if e == nil || !e.dirty() || e.seq != entries[i].Seq {
			continue
		}
		t.markCleanLocked(id, e)
	}
}

func (t *Tier) markCleanLocked(id policy.ID, e *entry) {
	st := t.states[id]
	switch {
	case st&statePending != 0:
		t.removeLocked(id)
		t.evictions++
	case e.tombstone():
		if st&stateInPolicy != 0 {
			t.pol.Remove(id)
		}
		t.removeLocked(id)
	default:
		// Only the flag changes, in place: the bytes readers may hold stay.
		e.markClean()
		t.dirty--
	}
}
