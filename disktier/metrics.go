package disktier

import (
	"fmt"
	"strings"

	"github.com/cockroachdb/pebble/v2"
)

// NumLevels is the number of levels of Pebble's LSM.
const NumLevels = 7

// LevelMetrics describes one level of the LSM.
type LevelMetrics struct {
	Files int64 // sstables in the level
	Bytes int64 // their total size
}

// Metrics is a snapshot of the disk tier's state and counters.
type Metrics struct {
	Levels [NumLevels]LevelMetrics
	// DiskUsageBytes is the disk space used by Pebble's files.
	DiskUsageBytes uint64
	// UserBytesWritten counts the bytes tierkv committed (Pebble batch
	// encoding). Pebble's own write amplification reads 0 with its WAL
	// disabled, so the store counts these itself.
	UserBytesWritten uint64
	// FlushBytesWritten and CompactionBytesWritten count the sstable bytes
	// Pebble wrote by flushes and by compactions.
	FlushBytesWritten      uint64
	CompactionBytesWritten uint64
	Flushes                int64
	Compactions            int64
	MemTableBytes          uint64
	ReadAmp                int
	BlockCacheBytes        int64
	BlockCacheHits         int64
	BlockCacheMisses       int64
	// WriteStalls counts the times a Commit waited for flushes or
	// compactions to catch up.
	WriteStalls int64
	// Lifetime counts the bytes written since the store was created: the
	// counters recorded at the last Flush of earlier processes plus this
	// process's. The three fields above count this process only.
	Lifetime WriteCounters
}

// WriteAmp returns (flush + compaction bytes) / user bytes, or 0 before any
// user bytes were written.
func (m Metrics) WriteAmp() float64 {
	if m.UserBytesWritten == 0 {
		return 0
	}
	return float64(m.FlushBytesWritten+m.CompactionBytesWritten) / float64(m.UserBytesWritten)
}

// BlockCacheHitRatio returns hits / (hits + misses), or 0 without lookups.
func (m Metrics) BlockCacheHitRatio() float64 {
	if t := m.BlockCacheHits + m.BlockCacheMisses; t > 0 {
		return float64(m.BlockCacheHits) / float64(t)
	}
	return 0
}

// String formats the metrics for tools, one item per line.
func (m Metrics) String() string {
	var sb strings.Builder
	for i, l := range m.Levels {
		fmt.Fprintf(&sb, "L%d: files=%d bytes=%d\n", i, l.Files, l.Bytes)
	}
	fmt.Fprintf(&sb, "disk usage: %d bytes, memtables: %d bytes, read amp: %d\n", m.DiskUsageBytes, m.MemTableBytes, m.ReadAmp)
	fmt.Fprintf(&sb, "written: user=%d flush=%d compaction=%d write-amp=%.2f\n",
		m.UserBytesWritten, m.FlushBytesWritten, m.CompactionBytesWritten, m.WriteAmp())
	fmt.Fprintf(&sb, "lifetime written: user=%d flush=%d compaction=%d write-amp=%.2f\n",
		m.Lifetime.UserBytes, m.Lifetime.FlushBytes, m.Lifetime.CompactionBytes, m.Lifetime.WriteAmp())
	fmt.Fprintf(&sb, "flushes=%d compactions=%d write-stalls=%d\n", m.Flushes, m.Compactions, m.WriteStalls)
	fmt.Fprintf(&sb, "block cache: size=%d hits=%d misses=%d hit-ratio=%.3f\n",
		m.BlockCacheBytes, m.BlockCacheHits, m.BlockCacheMisses, m.BlockCacheHitRatio())
	return sb.String()
}

// Metrics returns a snapshot of the store's metrics; the zero Metrics
// (except UserBytesWritten) after Close. Safe for concurrent use.
func (s *Store) Metrics() Metrics {
	m := Metrics{UserBytesWritten: s.userBytes.Load(), WriteStalls: s.stalls.Load()}
	if s.enter() != nil {
		m.Lifetime = s.lifetimeBase.plus(WriteCounters{UserBytes: m.UserBytesWritten})
		return m
	}
	defer s.life.RUnlock()
	pm := s.db.Metrics()
	m.Lifetime = s.lifetimeBase.plus(countersOf(pm, m.UserBytesWritten))
	for i := range m.Levels {
		l := &pm.Levels[i]
		m.Levels[i] = LevelMetrics{Files: l.TablesCount, Bytes: l.TablesSize}
	}
	m.FlushBytesWritten = m.Lifetime.FlushBytes - s.lifetimeBase.FlushBytes
	m.CompactionBytesWritten = m.Lifetime.CompactionBytes - s.lifetimeBase.CompactionBytes
	m.DiskUsageBytes = pm.DiskSpaceUsage()
	m.Flushes = pm.Flush.Count
	m.Compactions = pm.Compact.Count
	m.MemTableBytes = pm.MemTable.Size
	m.ReadAmp = pm.ReadAmp()
	m.BlockCacheBytes = pm.BlockCache.Size
	m.BlockCacheHits = pm.BlockCache.Hits
	m.BlockCacheMisses = pm.BlockCache.Misses
	return m
}

// processCounters returns this process's write counters. The caller holds
// life's read side.
func (s *Store) processCounters() WriteCounters {
	return countersOf(s.db.Metrics(), s.userBytes.Load())
}

func countersOf(pm *pebble.Metrics, userBytes uint64) WriteCounters {
	c := WriteCounters{UserBytes: userBytes}
	for i := range pm.Levels {
		l := &pm.Levels[i]
		c.FlushBytes += l.TableBytesFlushed + l.BlobBytesFlushed
		c.CompactionBytes += l.TableBytesCompacted + l.BlobBytesCompacted
	}
	return c
}
