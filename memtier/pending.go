package memtier

// PendingWriteBack returns the number of dirty victims queued for Evict.
// The engine lets a few accumulate before it pays for a write-back round
// (a WAL sync and a disk-tier batch). It takes no lock; safe for
// concurrent use.
func (t *Tier) PendingWriteBack() int64 { return t.pendingN.Load() }
