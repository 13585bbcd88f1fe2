package engine

import "fmt"

// Compact checkpoints, then compacts the disk tier over [start, end); nil
// means unbounded. It returns ErrClosed, ErrReadOnly, or the I/O error.
func (db *DB) Compact(start, end []byte) error {
	db.lifeMu.RLock()
	defer db.lifeMu.RUnlock()
	if err := db.writable(); err != nil {
		return err
	}
	if err := db.checkpoint(); err != nil {
		return err
	}
	if err := db.disk.Compact(start, end); err != nil {
		return wrapCorruption(fmt.Errorf("tierkv: compact: %w", err))
	}
	return nil
}

// diskStats reads the disk tier's metrics. The caller holds lifeMu.
func (db *DB) diskStats() DiskStats {
	m := db.disk.Metrics()
	return DiskStats{
		BytesWritten:       m.UserBytesWritten,
		PebbleBytesWritten: m.FlushBytesWritten + m.CompactionBytesWritten,
		WriteAmp:           m.WriteAmp(),

		LifetimeBytesWritten:       m.Lifetime.UserBytes,
		LifetimePebbleBytesWritten: m.Lifetime.FlushBytes + m.Lifetime.CompactionBytes,
		LifetimeWriteAmp:           m.Lifetime.WriteAmp(),
		DiskUsageBytes:             m.DiskUsageBytes,
		Flushes:                    m.Flushes,
		Compactions:                m.Compactions,
		BlockCacheHits:             m.BlockCacheHits,
		BlockCacheMisses:           m.BlockCacheMisses,
		Summary:                    m.String(),
	}
}
