package engine

import "sync"

// publishTracker knows the highest sequence number through which every WAL
// record is published in the memory tier. Writers publish out of order (the
// WAL hands out sequence numbers in log order, but goroutines race to the
// memory tier), and a checkpoint may only claim records that are all in the
// memory tier: anything above the contiguous prefix stays in the WAL.
type publishTracker struct {
	mu      sync.Mutex
	through uint64              // every seq <= through is published
	done    map[uint64]struct{} // published seqs above through+1
	// Counted here, under the lock every write takes anyway, rather than
	// in atomics of their own that every writer would also contend for.
	writes, userBytes uint64
}

func (p *publishTracker) init(through uint64) {
	p.through = through
	p.done = make(map[uint64]struct{})
}

// publish records that seq, which wrote ops operations of userBytes key
// and value bytes, is in the memory tier.
func (p *publishTracker) publish(seq uint64, ops, userBytes int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writes += uint64(ops)
	p.userBytes += uint64(userBytes)
	if seq != p.through+1 {
		p.done[seq] = struct{}{}
		return
	}
	p.through = seq
	for {
		if _, ok := p.done[p.through+1]; !ok {
			return
		}
		delete(p.done, p.through+1)
		p.through++
	}
}

// publishedThrough returns the contiguous published prefix.
func (p *publishTracker) publishedThrough() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.through
}

// counts returns the operations and user bytes published so far.
func (p *publishTracker) counts() (writes, userBytes uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writes, p.userBytes
}
