package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/tierkv/tierkv/disktier"
	"github.com/tierkv/tierkv/memtier"
	"github.com/tierkv/tierkv/memtier/policy"
	"github.com/tierkv/tierkv/wal"
)

// Names inside a DB directory.
const (
	lockFileName = "LOCK"
	walDirName   = "wal"
	diskDirName  = "disk"
)

// DB is a tierkv database. All its methods are safe for concurrent use.
type DB struct {
	dir  string
	opts Options
	lock interface{ Close() error }

	log  *wal.Log
	disk *disktier.Store
	mem  *memtier.Tier

	// lifeMu guards the disk tier and the WAL against Close: writes and
	// disk reads hold it shared, Close takes it exclusively. A Get answered
	// by the memory tier never touches it.
	lifeMu sync.RWMutex
	closed atomic.Bool

	// commitMu makes a batch visible atomically: publishing into the memory
	// tier holds it shared, taking an iterator's snapshot holds it
	// exclusively for an instant.
	commitMu sync.RWMutex

	// writeBackMu serializes every write into the disk tier (evictions and
	// checkpoints), so the version Pebble holds for a key only moves forward.
	writeBackMu sync.Mutex
	// evictPacer says when a writer pays for a write-back round (one
	// disk-tier batch): often enough that the queued dirty victims keep the
	// tier within about 1/64 over its budget.
	evictPacer evictPacer
	largeEntry int64 // a write at least this large is written back at once

	published    publishTracker
	gate         batchGate // a batch of several operations becomes visible to Get at once
	fatal        atomic.Pointer[error]
	checkpointer sync.WaitGroup
	bgRunning    atomic.Bool

	iterMu sync.Mutex
	iters  map[*Iterator]struct{}

	stats dbStats
	// closedTiers is what Stats reports of the WAL and the disk tier once
	// Close has closed them; written under lifeMu held exclusively.
	closedTiers *tierStats
}

// Open opens (creating unless opts.ReadOnly) the DB in dir, replaying the
// WAL records not yet in the disk tier. It returns ErrLocked if another
// open DB holds dir, ErrCorruption for damaged data, ErrInvalidOptions for
// bad options and ErrNotExist for a ReadOnly open of a directory holding no DB.
func Open(dir string, opts *Options) (*DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.setDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.FS == vfs.Default {
		// One spelling per directory: the lock's same-process check
		// compares path strings ("db" and "./db" must collide; lockDir
		// resolves symlinks once the directory exists).
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("tierkv: %s: %w", dir, err)
		}
		dir = abs
	}
	db := &DB{dir: dir, opts: o, iters: map[*Iterator]struct{}{}}
	db.gate.init()
	db.evictPacer.init(o.MemTierBytes)
	db.largeEntry = max(o.MemTierBytes/16, 1)
	if err := db.lockDir(); err != nil {
		return nil, err
	}
	if err := db.openTiers(); err != nil {
		db.closeTiers()
		return nil, err
	}
	if err := db.recover(); err != nil {
		db.closeTiers()
		return nil, err
	}
	return db, nil
}

// lockDir creates dir (unless read-only) and takes its lock file.
func (db *DB) lockDir() error {
	fs := db.opts.FS
	if db.opts.ReadOnly {
		if _, err := fs.Stat(fs.PathJoin(db.dir, diskDirName)); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrNotExist, db.dir, err)
		}
	} else if err := db.createDirs(); err != nil {
		return err
	}
	if fs == vfs.Default {
		// The lock's same-process check compares path strings, and fcntl
		// locks do not exclude their own process: one directory reached
		// through a symlink must be spelled the same as without it.
		if real, err := filepath.EvalSymlinks(db.dir); err == nil {
			db.dir = real
		}
	}
	lock, err := fs.Lock(fs.PathJoin(db.dir, lockFileName))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: %s: %w", ErrNotExist, db.dir, err)
		}
		return fmt.Errorf("%w: %s: %w", ErrLocked, db.dir, err)
	}
	db.lock = lock
	return nil
}

// createDirs creates the DB directory (and any missing ancestor) and its
// two subdirectories and makes their entries durable: a crash must not lose
// a directory whose files the WAL has already synced. That includes the
// ancestors MkdirAll creates: with "a/b/db" new, an unsynced entry for "a"
// would take the whole DB with it.
func (db *DB) createDirs() error {
	fs := db.opts.FS
	toSync := []string{db.dir, fs.PathDir(db.dir)}
	for d := db.dir; fs.PathDir(d) != d; d = fs.PathDir(d) {
		if _, err := fs.Stat(d); !errors.Is(err, os.ErrNotExist) {
			break // it exists (or cannot be told): its entry is not ours to sync
		}
		if p := fs.PathDir(d); !slices.Contains(toSync, p) {
			toSync = append(toSync, p)
		}
	}
	for _, d := range []string{db.dir, fs.PathJoin(db.dir, walDirName), fs.PathJoin(db.dir, diskDirName)} {
		if err := fs.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("tierkv: create %s: %w", d, err)
		}
	}
	for _, d := range toSync {
		if err := syncDir(fs, d); err != nil {
			return fmt.Errorf("tierkv: sync directory %s: %w", d, err)
		}
	}
	return nil
}

func syncDir(fs vfs.FS, dir string) error {
	f, err := fs.OpenDir(dir)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

func (db *DB) openTiers() error {
	o := &db.opts
	fs := o.FS
	disk, err := disktier.Open(fs.PathJoin(db.dir, diskDirName), &disktier.Options{
		FS:              fs,
		BlockCacheBytes: o.BlockCacheBytes,
		MemTableBytes:   o.MemTableBytes,
		ReadOnly:        o.ReadOnly,
		BeforeFlush:     db.syncWALBeforeFlush,
	})
	if err != nil {
		return wrapCorruption(fmt.Errorf("tierkv: open disk tier: %w", err))
	}
	db.disk = disk
	log, err := wal.Open(fs.PathJoin(db.dir, walDirName), &wal.Options{
		FS:           fs,
		SegmentBytes: o.WALSegmentBytes,
		Sync:         walSyncMode(o.Sync),
		AsyncWrites:  o.AsyncWAL,
		SyncInterval: o.SyncInterval,
		ReadOnly:     o.ReadOnly,
		FirstSeq:     disk.Watermark() + 1,
	})
	if err != nil {
		return wrapCorruption(fmt.Errorf("tierkv: open WAL: %w", err))
	}
	db.log = log
	mem, err := memtier.New(&memtier.Options{
		BudgetBytes: policyBudget(o.MemTierBytes),
		Policy:      policy.Kind(o.Policy),
	})
	if err != nil {
		return fmt.Errorf("%w: memory tier: %w", ErrInvalidOptions, err)
	}
	db.mem = mem
	return nil
}

func walSyncMode(m SyncMode) wal.SyncMode {
	switch m {
	case SyncInterval:
		return wal.SyncInterval
	case SyncNever:
		return wal.SyncNever
	}
	return wal.SyncAlways
}

// wrapCorruption makes a lower tier's corruption error match ErrCorruption.
func wrapCorruption(err error) error {
	if err != nil && (errors.Is(err, wal.ErrCorruption) || errors.Is(err, disktier.ErrCorruption)) {
		return fmt.Errorf("%w: %w", ErrCorruption, err)
	}
	return err
}

// closeTiers closes whatever is open; errors are joined.
func (db *DB) closeTiers() error {
	var errs []error
	if db.mem != nil {
		db.mem.Close()
	}
	// The disk tier first: a flush still running calls back into the WAL.
	if db.disk != nil {
		errs = append(errs, db.disk.Close())
	}
	if db.log != nil {
		errs = append(errs, db.log.Close())
	}
	if db.lock != nil {
		errs = append(errs, db.lock.Close())
	}
	return errors.Join(errs...)
}

// fail records the first fatal I/O error: from then on the DB is read-only.
// It returns the error the failing call reports.
func (db *DB) fail(err error) error {
	db.fatal.CompareAndSwap(nil, &err)
	return fmt.Errorf("%w: %w", ErrReadOnly, err)
}

// writable returns nil if the DB accepts writes now. The caller holds lifeMu.
func (db *DB) writable() error {
	if db.closed.Load() {
		return ErrClosed
	}
	if db.opts.ReadOnly {
		return fmt.Errorf("%w: opened read-only", ErrReadOnly)
	}
	if p := db.fatal.Load(); p != nil {
		return fmt.Errorf("%w: %w", ErrReadOnly, *p)
	}
	return nil
}

// Close checkpoints (unless read-only or failed), closes open iterators and
// releases the directory lock. A second Close returns ErrClosed.
func (db *DB) Close() error {
	if !db.closed.CompareAndSwap(false, true) {
		return ErrClosed
	}
	db.lifeMu.Lock()
	defer db.lifeMu.Unlock()
	db.checkpointer.Wait()
	var err error
	if !db.opts.ReadOnly && db.fatal.Load() == nil {
		err = db.checkpoint()
	}
	db.closeIterators()
	db.closedTiers = db.readTierStats()
	return errors.Join(err, db.closeTiers())
}
