package disktier

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// flushedFile records, outside Pebble, the highest watermark that a
// completed Flush made durable. Pebble reads a damaged last MANIFEST record
// as a torn write and silently reopens at the previous version, losing
// flushed data (and the engine has already truncated its WAL up to that
// watermark). Comparing the two at Open turns that silent loss into
// ErrCorruption. Pebble ignores files it does not recognise.
//
// The record also carries the store's lifetime write counters: Pebble's
// own counters start from zero in every process, so without them a tool
// opening the store later (tierkv inspect) could not tell the LSM's write
// amplification.
//
// Layout, all big-endian: the watermark (8 bytes), the lifetime counters
// (user, flush and compaction bytes, 8 bytes each), then the CRC-32C of
// everything before it (4 bytes). A 12-byte record (watermark and CRC) is
// the first version of the layout, read as counters of zero. Replaced
// atomically: written to a temporary file, synced, renamed over, directory
// synced.
const (
	flushedFile      = "TIERKV-FLUSHED"
	flushedFileTmp   = "TIERKV-FLUSHED.tmp"
	flushedFileLenV1 = 12
	flushedFileLen   = 36
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteCounters counts the bytes written into the disk tier and by Pebble.
type WriteCounters struct {
	UserBytes       uint64 // bytes tierkv committed (Pebble batch encoding)
	FlushBytes      uint64 // sstable (and blob) bytes Pebble wrote by flushes
	CompactionBytes uint64 // sstable (and blob) bytes Pebble wrote by compactions
}

// WriteAmp returns (flush + compaction bytes) / user bytes, or 0 before any
// user bytes were written.
func (c WriteCounters) WriteAmp() float64 {
	if c.UserBytes == 0 {
		return 0
	}
	return float64(c.FlushBytes+c.CompactionBytes) / float64(c.UserBytes)
}

func (c WriteCounters) plus(d WriteCounters) WriteCounters {
	return WriteCounters{c.UserBytes + d.UserBytes, c.FlushBytes + d.FlushBytes, c.CompactionBytes + d.CompactionBytes}
}

// flushedRecord is the content of flushedFile.
type flushedRecord struct {
	watermark uint64
	lifetime  WriteCounters
}

// ReadLifetimeCounters returns the lifetime write counters recorded by the
// store in dir at its last completed Flush, reading the record file
// directly: it needs no lock, so tools can use it while another process
// has the store open. A store that never flushed reads as zero counters.
func ReadLifetimeCounters(fs vfs.FS, dir string) (WriteCounters, error) {
	if fs == nil {
		fs = vfs.Default
	}
	r, err := readFlushed(fs, dir)
	return r.lifetime, err
}

// readFlushed returns the record, the zero record if there is none.
func readFlushed(fs vfs.FS, dir string) (flushedRecord, error) {
	path := fs.PathJoin(dir, flushedFile)
	f, err := fs.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return flushedRecord{}, nil
	}
	if err != nil {
		return flushedRecord{}, fmt.Errorf("disktier: open %s: %w", path, err)
	}
	defer f.Close()
	var buf [flushedFileLen + 1]byte
	n, err := io.ReadFull(f, buf[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return flushedRecord{}, fmt.Errorf("disktier: read %s: %w", path, err)
	}
	if (n != flushedFileLen && n != flushedFileLenV1) ||
		crc32.Checksum(buf[:n-4], castagnoli) != binary.BigEndian.Uint32(buf[n-4:n]) {
		return flushedRecord{}, &CorruptionError{File: path, Offset: 0, Reason: fmt.Sprintf("flushed-watermark record of %d bytes fails its checksum", n)}
	}
	r := flushedRecord{watermark: binary.BigEndian.Uint64(buf[:8])}
	if n == flushedFileLen {
		r.lifetime = WriteCounters{
			UserBytes:       binary.BigEndian.Uint64(buf[8:16]),
			FlushBytes:      binary.BigEndian.Uint64(buf[16:24]),
			CompactionBytes: binary.BigEndian.Uint64(buf[24:32]),
		}
	}
	return r, nil
}

// writeFlushed durably replaces the record with r.
func writeFlushed(fs vfs.FS, dir string, r flushedRecord) error {
	var buf [flushedFileLen]byte
	binary.BigEndian.PutUint64(buf[0:8], r.watermark)
	binary.BigEndian.PutUint64(buf[8:16], r.lifetime.UserBytes)
	binary.BigEndian.PutUint64(buf[16:24], r.lifetime.FlushBytes)
	binary.BigEndian.PutUint64(buf[24:32], r.lifetime.CompactionBytes)
	binary.BigEndian.PutUint32(buf[32:], crc32.Checksum(buf[:32], castagnoli))
	tmp, path := fs.PathJoin(dir, flushedFileTmp), fs.PathJoin(dir, flushedFile)
	f, err := fs.Create(tmp, vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("disktier: create %s: %w", tmp, err)
	}
	_, werr := f.Write(buf[:])
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("disktier: write %s: %w", tmp, err)
	}
	if err := fs.Rename(tmp, path); err != nil {
		return fmt.Errorf("disktier: rename %s: %w", tmp, err)
	}
	d, err := fs.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("disktier: open dir %s: %w", dir, err)
	}
	if err := errors.Join(d.Sync(), d.Close()); err != nil {
		return fmt.Errorf("disktier: sync dir %s: %w", dir, err)
	}
	return nil
}

// checkFlushed fails Open if Pebble holds less than a completed Flush made
// durable.
func (s *Store) checkFlushed() error {
	r, err := readFlushed(s.opts.FS, s.dir)
	if err != nil {
		return err
	}
	s.flushed, s.lifetimeBase = r, r.lifetime
	if pw := s.watermark.Load(); pw < r.watermark {
		return &CorruptionError{File: s.dir, Offset: -1, Reason: fmt.Sprintf(
			"Pebble reopened at watermark %d but a completed flush made %d durable: flushed data lost (damaged MANIFEST?)", pw, r.watermark)}
	}
	return nil
}

// recordFlushed records w and the lifetime counters after a completed
// Flush, if either is news. The caller holds life's read side.
func (s *Store) recordFlushed(w uint64) error {
	s.flushedMu.Lock()
	defer s.flushedMu.Unlock()
	r := flushedRecord{watermark: max(w, s.flushed.watermark), lifetime: s.lifetimeBase.plus(s.processCounters())}
	if r == s.flushed {
		return nil
	}
	if err := writeFlushed(s.opts.FS, s.dir, r); err != nil {
		s.sticky.set(fmt.Errorf("%w: %w", ErrBackground, err))
		return err
	}
	s.flushed = r
	return nil
}
