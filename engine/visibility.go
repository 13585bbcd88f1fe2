package engine

import (
	"sync"
	"sync/atomic"
)

// batchGate makes a batch of several operations visible to Get all at once.
// Apply publishes a batch's operations into the memory tier one by one, and
// Get reads the tier without a lock, so without the gate a reader could Get
// one key of a batch at its new version and then another key of the same
// batch at its old one: half a batch. A batch registers its sequence number
// before publishing its first operation and unregisters after its last; a
// Get that found a version written by a registered batch waits for the
// batch to finish before returning it. A single-operation write is atomic
// as it is and never touches the gate, so the common Get pays one atomic
// load of a word that only multi-operation batches write.
type batchGate struct {
	open atomic.Int64 // batches publishing now

	mu   sync.Mutex
	done sync.Cond // broadcast whenever a batch finishes publishing
	seqs map[uint64]struct{}
}

func (g *batchGate) init() {
	g.done.L = &g.mu
	g.seqs = make(map[uint64]struct{})
}

// begin registers the batch of sequence number seq, before its first
// operation reaches the memory tier.
func (g *batchGate) begin(seq uint64) {
	g.mu.Lock()
	g.seqs[seq] = struct{}{}
	g.open.Add(1)
	g.mu.Unlock()
}

// end unregisters the batch of seq once all its operations are published.
func (g *batchGate) end(seq uint64) {
	g.mu.Lock()
	delete(g.seqs, seq)
	g.open.Add(-1)
	g.mu.Unlock()
	g.done.Broadcast()
}

// wait returns once the batch that wrote the version of sequence number
// seq is no longer publishing. A reader that found the version in the
// memory tier (or written back from it) saw the publisher's register first,
// so if open reads zero the batch is complete.
func (g *batchGate) wait(seq uint64) {
	if g.open.Load() == 0 {
		return
	}
	g.mu.Lock()
	for {
		if _, ok := g.seqs[seq]; !ok {
			break
		}
		g.done.Wait()
	}
	g.mu.Unlock()
}

// waitAll returns once every batch publishing at the call has finished. A
// Get that found no version at all cannot tell which batch removed it (a
// delete written back and evicted mid-batch), so it waits for them all; it
// only happens on the disk path, which costs far more anyway.
func (g *batchGate) waitAll() {
	if g.open.Load() == 0 {
		return
	}
	g.mu.Lock()
	pending := make([]uint64, 0, len(g.seqs))
	for s := range g.seqs {
		pending = append(pending, s)
	}
	for _, s := range pending {
		for {
			if _, ok := g.seqs[s]; !ok {
				break
			}
			g.done.Wait()
		}
	}
	g.mu.Unlock()
}
