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
// Layout: the watermark (8 bytes big-endian), then the CRC-32C of those
// 8 bytes (4 bytes big-endian). Replaced atomically: written to a
// temporary file, synced, renamed over, directory synced.
const (
	flushedFile    = "TIERKV-FLUSHED"
	flushedFileTmp = "TIERKV-FLUSHED.tmp"
	flushedFileLen = 12
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// readFlushed returns the recorded watermark, 0 if there is no record.
func readFlushed(fs vfs.FS, dir string) (uint64, error) {
	path := fs.PathJoin(dir, flushedFile)
	f, err := fs.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("disktier: open %s: %w", path, err)
	}
	defer f.Close()
	var buf [flushedFileLen + 1]byte
	n, err := io.ReadFull(f, buf[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, fmt.Errorf("disktier: read %s: %w", path, err)
	}
	if n != flushedFileLen || crc32.Checksum(buf[:8], castagnoli) != binary.BigEndian.Uint32(buf[8:12]) {
		return 0, &CorruptionError{File: path, Offset: 0, Reason: fmt.Sprintf("flushed-watermark record of %d bytes fails its checksum", n)}
	}
	return binary.BigEndian.Uint64(buf[:8]), nil
}

// writeFlushed durably replaces the record with w.
func writeFlushed(fs vfs.FS, dir string, w uint64) error {
	var buf [flushedFileLen]byte
	binary.BigEndian.PutUint64(buf[:8], w)
	binary.BigEndian.PutUint32(buf[8:], crc32.Checksum(buf[:8], castagnoli))
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
	w, err := readFlushed(s.opts.FS, s.dir)
	if err != nil {
		return err
	}
	s.flushedW = w
	if pw := s.watermark.Load(); pw < w {
		return &CorruptionError{File: s.dir, Offset: -1, Reason: fmt.Sprintf(
			"Pebble reopened at watermark %d but a completed flush made %d durable: flushed data lost (damaged MANIFEST?)", pw, w)}
	}
	return nil
}

// recordFlushed records w after a completed Flush, if it is news.
func (s *Store) recordFlushed(w uint64) error {
	s.flushedMu.Lock()
	defer s.flushedMu.Unlock()
	if w <= s.flushedW {
		return nil
	}
	if err := writeFlushed(s.opts.FS, s.dir, w); err != nil {
		s.sticky.set(fmt.Errorf("%w: %w", ErrBackground, err))
		return err
	}
	s.flushedW = w
	return nil
}
