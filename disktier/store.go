package disktier

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// Store is the disk tier: a Pebble database holding versioned user values
// and the durable watermark. All methods are safe for concurrent use.
type Store struct {
	opts Options
	dir  string
	db   *pebble.DB

	// life guards closed; every call holds its read side while it uses db,
	// so Close (write side) never closes Pebble under a running call.
	life   sync.RWMutex
	closed bool

	// commitMu orders commits against watermark commits and tombstone
	// purges: ordinary commits take the read side, a commit that sets the
	// watermark and each purge step take the write side, so Watermark()
	// is exactly the last committed value and a purge never deletes a
	// version written between its read and its delete.
	commitMu  sync.RWMutex
	watermark atomic.Uint64

	sticky          *stickyError
	lastCorruptPath atomic.Pointer[string]
	unflushed       atomic.Bool
	guard           *openGuard // gives up on a pebble.Open that hit a fatal error
	flushedMu       sync.Mutex
	flushed         flushedRecord // last record written to (or read from) flushedFile
	lifetimeBase    WriteCounters // lifetime counters as of Open
	sinceStallCheck atomic.Uint64
	progress        progress
	stalls          atomic.Int64
	stallHook       func() // tests: called when a commit starts waiting
	userBytes       atomic.Uint64
	itersMu         sync.Mutex
	iters           map[*Iter]struct{} // open iterators, closed by Close
	keyBufs         sync.Pool
}

// Open opens (creating it unless opts.ReadOnly) the store in dir, e.g.
// "<db>/disk". It returns an error matching ErrCorruption if the stored
// watermark is damaged.
func Open(dir string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.fillDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	s := &Store{opts: o, dir: dir, sticky: newStickyError(), guard: newOpenGuard(), iters: map[*Iter]struct{}{}}
	s.keyBufs.New = func() any { b := make([]byte, 0, 64); return &b }
	// Pebble reserves each memtable's size in its block cache: the mutable
	// one and a recycled one get room of their own (Options.BlockCacheBytes).
	cache := pebble.NewCache(o.BlockCacheBytes + 2*o.MemTableBytes)
	defer cache.Unref() // Pebble holds its own reference while open.
	db, err := s.openPebble(dir, s.pebbleOptions(cache))
	if err != nil {
		return nil, s.openErr(dir, err)
	}
	s.db = db
	if err := s.sticky.get(); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := s.loadWatermark(); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := s.checkFlushed(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// openErr classifies a failed pebble.Open. A MANIFEST that names files
// which do not exist (Pebble reports them as not-exist errors) means lost
// data: that is corruption, not a missing store.
func (s *Store) openErr(dir string, err error) error {
	if errors.Is(err, os.ErrNotExist) && !errors.Is(err, pebble.ErrDBDoesNotExist) && !pebble.IsCorruptionError(err) {
		return &CorruptionError{File: dir, Offset: -1, Reason: "the MANIFEST names files that do not exist", Err: err}
	}
	return s.wrapErr("open "+dir, err)
}

// wrapFS returns the filesystem Pebble gets: one errorfs layer, so that
// each file operation (a block read too) pays for one wrapper, which parks
// the operation once Open abandoned the instance (openGuard) and applies
// the flush fence (nil: none); then the guard's Lock and OpenDir.
func (s *Store) wrapFS(fence *flushFence) vfs.FS {
	fs := s.opts.FS
	inner := errorfs.Wrap(fs, errorfs.InjectorFunc(func(op errorfs.Op) error {
		s.guard.park()
		if fence == nil {
			return nil
		}
		return fence.check(fs, op)
	}))
	return s.guard.wrapFS(inner, s.sticky.set)
}

func (s *Store) pebbleOptions(cache *pebble.Cache) *pebble.Options {
	o := &s.opts
	var fence *flushFence
	if o.BeforeFlush != nil && !o.ReadOnly {
		fence = &flushFence{before: o.BeforeFlush, onFail: s.sticky.set}
	}
	po := &pebble.Options{
		FS:                          s.wrapFS(fence),
		Cache:                       cache,
		DisableWAL:                  true,
		ReadOnly:                    o.ReadOnly,
		ErrorIfNotExists:            o.ReadOnly,
		MemTableSize:                uint64(o.MemTableBytes),
		MemTableStopWritesThreshold: pebbleNeverStall,
		L0CompactionThreshold:       o.L0CompactionThreshold,
		L0StopWritesThreshold:       pebbleNeverStall,
		Logger: pebbleLogger{l: o.Logger, fatal: func(err error) {
			s.sticky.set(err)
			if fence != nil {
				// Pebble does not unwind after a fatal error: a flush it
				// retries would install the same table again next to the
				// one the failed attempt may already have recorded. Fenced,
				// no further table can be written.
				fence.fenced.Store(true)
			}
			s.guard.onFatal() // during Open: does not return
		}},
		EventListener: s.listener(),
	}
	if fence != nil {
		po.EventListener.FlushBegin = fence.flushBegin
	}
	if !o.ReadOnly {
		// A read-only open must not ratchet the format (that writes).
		po.FormatMajorVersion = pebble.FormatNewest
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(o.BloomBitsPerKey)
	}
	po.EnsureDefaults()
	return po
}

// openPebble runs pebble.Open, unless Pebble hits a fatal error meanwhile:
// then the instance is abandoned (see openGuard) and the error returned.
func (s *Store) openPebble(dir string, po *pebble.Options) (*pebble.DB, error) {
	type result struct {
		db  *pebble.DB
		err error
	}
	done := make(chan result, 1)
	s.guard.opening.Store(true)
	go func() {
		db, err := pebble.Open(dir, po)
		s.guard.opening.Store(false)
		done <- result{db, err}
	}()
	select {
	case r := <-done:
		select {
		case <-s.guard.fatal: // a background goroutine of it is stopped: Close would wait for it
		default:
			return r.db, r.err
		}
	case <-s.guard.fatal:
	}
	s.guard.abandon()
	return nil, s.sticky.get()
}

func (s *Store) loadWatermark() error {
	v, closer, err := s.db.Get(watermarkKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil
	}
	if err != nil {
		return s.wrapErr("read watermark", err)
	}
	defer closer.Close()
	w, err := decodeWatermark(v)
	if err != nil {
		return &CorruptionError{Offset: -1, Reason: "malformed watermark", Err: err}
	}
	s.watermark.Store(w)
	return nil
}

// enter takes the read side of the lifecycle lock; it fails with ErrClosed
// after Close. Every successful enter must be paired with s.life.RUnlock.
func (s *Store) enter() error {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return ErrClosed
	}
	return nil
}

// enterWrite is enter for calls that write: it also fails with ErrReadOnly
// or with the sticky background error.
func (s *Store) enterWrite() error {
	if err := s.enter(); err != nil {
		return err
	}
	if s.opts.ReadOnly {
		s.life.RUnlock()
		return ErrReadOnly
	}
	if err := s.sticky.get(); err != nil {
		s.life.RUnlock()
		return err
	}
	return nil
}

// Get returns the stored version of key: its value appended to dst, its
// sequence number, and whether it is a tombstone version. ok is false if no
// version of key is stored. The returned slice is dst (possibly grown) and
// belongs to the caller. Damaged data returns an error matching
// ErrCorruption; after Close, ErrClosed. Safe for concurrent use.
func (s *Store) Get(key, dst []byte) (value []byte, seq uint64, tombstone, ok bool, err error) {
	if err := s.enter(); err != nil {
		return dst, 0, false, false, err
	}
	defer s.life.RUnlock()
	kb := s.keyBufs.Get().(*[]byte)
	*kb = appendUserKey((*kb)[:0], key)
	v, closer, err := s.db.Get(*kb)
	s.keyBufs.Put(kb)
	if errors.Is(err, pebble.ErrNotFound) {
		return dst, 0, false, false, nil
	}
	if err != nil {
		return dst, 0, false, false, s.wrapErr("get", err)
	}
	defer closer.Close()
	val, seq, tombstone, derr := decodeValue(v)
	if derr != nil {
		return dst, 0, false, false, &CorruptionError{Offset: -1, Reason: fmt.Sprintf("get (key of %d bytes)", len(key)), Err: derr}
	}
	return append(dst, val...), seq, tombstone, true, nil
}

// Watermark returns the last committed durable watermark: the value read at
// Open, updated by every successful Commit of a batch that sets it. Safe
// for concurrent use; it works after Close too.
func (s *Store) Watermark() uint64 { return s.watermark.Load() }

// Err returns the sticky background error (wrapped in ErrBackground), or
// nil. Safe for concurrent use.
func (s *Store) Err() error { return s.sticky.get() }

// Commit applies b atomically (one Pebble batch, not synced: Flush makes it
// durable) and empties b so it can be reused. It returns ErrClosed,
// ErrReadOnly, ErrWatermarkRegression (b's watermark is below the current
// one; nothing is applied), or the sticky background error; a failed
// Pebble commit becomes sticky. Safe for concurrent use (on different
// batches).
func (s *Store) Commit(b *Batch) error {
	if err := s.enterWrite(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	if b.pb.Empty() {
		return nil
	}
	if b.hasWatermark {
		s.commitMu.Lock()
		defer s.commitMu.Unlock()
	} else {
		s.commitMu.RLock()
		defer s.commitMu.RUnlock()
	}
	if b.hasWatermark && b.watermark < s.watermark.Load() {
		return fmt.Errorf("%w: %d after %d", ErrWatermarkRegression, b.watermark, s.watermark.Load())
	}
	n := uint64(b.pb.Len())
	if err := s.stallWrites(n); err != nil {
		return err
	}
	if err := s.db.Apply(b.pb, pebble.NoSync); err != nil {
		err = s.wrapErr("commit", err)
		s.sticky.set(fmt.Errorf("%w: %w", ErrBackground, err))
		return err
	}
	// Pebble reports some commit failures only through Logger.Fatalf and
	// then returns nil; the logger has made them sticky.
	if err := s.sticky.get(); err != nil {
		return err
	}
	if b.hasWatermark {
		s.watermark.Store(b.watermark)
	}
	s.userBytes.Add(n)
	s.unflushed.Store(true)
	b.Reset()
	return nil
}

// Flush makes everything committed so far durable. It returns an error
// instead of waiting forever when Pebble reports a background error (a
// failing disk): the error is sticky, and every later Flush returns it.
// It returns ErrClosed or ErrReadOnly as appropriate. Safe for concurrent
// use.
func (s *Store) Flush() error {
	if err := s.enterWrite(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	return s.flush()
}

func (s *Store) flush() error {
	// Cleared before the flush starts: a commit racing with it sets the flag
	// again after its apply, so at worst Close flushes once more.
	s.unflushed.Store(false)
	// Every commit that set this watermark was applied before the flush
	// starts, so the flush makes it durable.
	w := s.watermark.Load()
	flushed, err := s.db.AsyncFlush()
	if err != nil {
		s.unflushed.Store(true)
		err = s.wrapErr("flush", err)
		s.sticky.set(fmt.Errorf("%w: %w", ErrBackground, err))
		return err
	}
	select {
	case <-flushed:
		if err := s.sticky.get(); err != nil {
			return err
		}
		return s.recordFlushed(w)
	case <-s.sticky.done:
		s.unflushed.Store(true)
		return s.sticky.get()
	}
}

// Close flushes what was committed since the last Flush (unless a sticky
// error makes that impossible), records the lifetime write counters,
// closes the iterators still open (their Error then returns ErrClosed) and
// closes Pebble. A second Close returns
// ErrClosed.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	var errs []error
	if !s.opts.ReadOnly && s.unflushed.Load() && s.sticky.get() == nil {
		errs = append(errs, s.flush())
	}
	if !s.opts.ReadOnly && s.sticky.get() == nil {
		// Compactions finished since the last flush's record count too
		// (recordFlushed writes only if a counter moved).
		errs = append(errs, s.recordFlushed(0))
	}
	s.itersMu.Lock()
	for it := range s.iters {
		if err := it.close(false); err != nil && !errors.Is(err, ErrClosed) {
			errs = append(errs, err)
		}
		delete(s.iters, it)
	}
	s.itersMu.Unlock()
	if err := s.db.Close(); err != nil {
		errs = append(errs, s.wrapErr("close", err))
	}
	return errors.Join(errs...)
}
