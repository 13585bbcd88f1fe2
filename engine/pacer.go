package engine

import (
	"sync/atomic"

	"github.com/tierkv/tierkv/memtier"
)

// Pacing of write-back rounds. Dirty victims stay resident (and charged)
// until a writer writes them back, so the queue is how far the memory tier
// may run over its budget. A round costs a disk-tier commit, so victims
// are batched, but no more of them than about budget/overshootDivisor
// bytes' worth.
const (
	overshootDivisor   = 64
	evictEntryEstimate = 256  // bytes charged per entry, until the tier says
	maxEvictBatch      = 1024 // victims per round, at most
	repaceEvery        = 256  // writes between two looks at the tier's entry size
)

// writeBackRoomDivisor sets the share of MemTierBytes kept free for
// victims waiting to be written back: the policy is given the rest, and
// the pacer writes back once about budget/overshootDivisor bytes queue
// (half the room: victims larger than the average, and writers adding
// victims while another writes back, take the other half). So the memory
// tier's charged bytes, queued victims included, stay within MemTierBytes.
const writeBackRoomDivisor = 32

// policyBudget returns the budget the memory tier's policy is given out
// of memTierBytes.
func policyBudget(memTierBytes int64) int64 {
	return max(memTierBytes-memTierBytes/writeBackRoomDivisor, 1)
}

// evictPacer says how many dirty victims may queue before a writer pays
// for a write-back round. The count follows the tier's average charge per
// entry, so the overshoot stays near budget/overshootDivisor whatever the
// entry sizes (a fixed count let 10 KB values overshoot by 15%).
type evictPacer struct {
	budget int64
	batch  atomic.Int64
	early  atomic.Uint64 // writes seen while still learning the entry size
}

func (p *evictPacer) init(budget int64) {
	p.budget = budget
	p.batch.Store(p.size(evictEntryEstimate))
}

func (p *evictPacer) size(avgCharge int64) int64 {
	return min(max(p.budget/overshootDivisor/max(avgCharge, 1), 1), maxEvictBatch)
}

// due reports whether the victims queued call for a write-back round now.
func (p *evictPacer) due(mem *memtier.Tier) bool {
	return mem.PendingWriteBack() >= p.batch.Load()
}

// wrote notes the write of WAL record seq and re-reads the tier's average
// charge per entry: after each of the first repaceEvery writes (the first
// entries tell their size), then once per repaceEvery sequence numbers (the
// tier's Stats take its lock). Keyed on seq, the common case reads one
// rarely written word instead of bumping a counter every writer shares.
func (p *evictPacer) wrote(mem *memtier.Tier, seq uint64) {
	if seq%repaceEvery != 0 {
		if p.early.Load() >= repaceEvery {
			return
		}
		p.early.Add(1)
	}
	if st := mem.Stats(); st.Entries > 0 {
		p.batch.Store(p.size(st.Bytes / st.Entries))
	}
}
