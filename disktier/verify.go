package disktier

import (
	"context"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/sstable"
)

// TableProblem is one sstable that failed VerifyChecksums.
type TableProblem struct {
	File string // path of the sstable
	Err  error  // matches ErrCorruption for a checksum mismatch or unreadable layout
}

// VerifyChecksums reads every block of every live sstable (data, index,
// filter, properties, metaindex) and checks its checksum, returning one
// TableProblem per damaged table and the number of tables checked. Unlike
// reading every key, this also covers blocks a read never touches. The
// error is for failures to list or open tables, not for damage. Safe for
// concurrent use; it works on a read-only store too.
func (s *Store) VerifyChecksums() (problems []TableProblem, tables int, err error) {
	if err := s.enter(); err != nil {
		return nil, 0, err
	}
	defer s.life.RUnlock()
	levels, err := s.db.SSTables()
	if err != nil {
		return nil, 0, s.wrapErr("list sstables", err)
	}
	ropts := readerOptions()
	for _, level := range levels {
		for _, info := range level {
			if info.Virtual || info.BackingType != pebble.BackingTypeLocal {
				continue
			}
			path := s.opts.FS.PathJoin(s.dir, fmt.Sprintf("%s.sst", info.BackingSSTNum))
			tables++
			if err := s.verifyTable(path, ropts); err != nil {
				problems = append(problems, TableProblem{File: path, Err: err})
			}
		}
	}
	return problems, tables, nil
}

// readerOptions returns sstable reader options matching the tables this
// package writes (default comparer and key schema, bloom filters).
func readerOptions() sstable.ReaderOptions {
	po := &pebble.Options{}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(DefaultBloomBitsPerKey)
	}
	po.EnsureDefaults()
	return po.MakeReaderOptions()
}

func (s *Store) verifyTable(path string, ropts sstable.ReaderOptions) error {
	f, err := s.opts.FS.Open(path)
	if err != nil {
		return fmt.Errorf("disktier: open %s: %w", path, err)
	}
	readable, err := sstable.NewSimpleReadable(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("disktier: read %s: %w", path, err)
	}
	r, err := sstable.NewReader(context.Background(), readable, ropts)
	if err != nil {
		readable.Close()
		return s.tableDamage(path, err)
	}
	defer r.Close() // closes readable
	if err := r.ValidateBlockChecksums(); err != nil {
		return s.tableDamage(path, err)
	}
	return nil
}

// tableDamage reports a table that does not read back: corruption names the file.
func (s *Store) tableDamage(path string, err error) error {
	if pebble.IsCorruptionError(err) || errors.Is(err, ErrCorruption) {
		return &CorruptionError{File: path, Offset: -1, Reason: "sstable block checksum", Err: err}
	}
	return fmt.Errorf("disktier: verify %s: %w", path, err)
}
