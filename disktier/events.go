package disktier

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// maxLoggedBackgroundErrors bounds how many background errors are logged:
// Pebble retries a failing flush in a loop, and one line per retry would
// flood the log.
const maxLoggedBackgroundErrors = 8

// pebbleLogger adapts a Logger to Pebble's logger. Fatalf records a sticky
// error instead of exiting: Pebble's default logger would kill the process.
type pebbleLogger struct {
	l     Logger
	fatal func(error)
}

func (p pebbleLogger) Infof(format string, args ...any)  { p.l.Infof(format, args...) }
func (p pebbleLogger) Errorf(format string, args ...any) { p.l.Errorf(format, args...) }

func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Errorf("pebble fatal error (process kept alive, store failed): %s", msg)
	p.fatal(fmt.Errorf("%w: pebble fatal error: %s", ErrBackground, msg))
}

// stickyError holds the first background failure of a Store.
type stickyError struct {
	err    atomic.Pointer[error]
	done   chan struct{} // closed when err is first set
	logged atomic.Int64
}

func newStickyError() *stickyError {
	return &stickyError{done: make(chan struct{})}
}

// set records err if no error was recorded yet.
func (e *stickyError) set(err error) {
	if e.err.CompareAndSwap(nil, &err) {
		close(e.done)
	}
}

// get returns the recorded error, or nil.
func (e *stickyError) get() error {
	if p := e.err.Load(); p != nil {
		return *p
	}
	return nil
}

// listener returns the Pebble event listener that routes background errors
// and corruption reports into the Store instead of the default handlers
// (which Fatalf on corruption).
func (s *Store) listener() *pebble.EventListener {
	return &pebble.EventListener{
		BackgroundError: s.onBackgroundError,
		DataCorruption:  s.onDataCorruption,
		FlushEnd:        s.onFlushEnd,
		CompactionEnd:   s.onCompactionEnd,
		WriteStallBegin: func(info pebble.WriteStallBeginInfo) {
			s.opts.Logger.Infof("disktier: pebble write stall: %s", info.Reason)
		},
	}
}

func (s *Store) onBackgroundError(err error) {
	if s.sticky.logged.Add(1) <= maxLoggedBackgroundErrors {
		s.opts.Logger.Errorf("disktier: pebble background error: %v", err)
	}
	if pebble.IsCorruptionError(err) {
		err = s.wrapErr("background work", err)
	}
	s.sticky.set(fmt.Errorf("%w: %w", ErrBackground, err))
}

func (s *Store) onDataCorruption(info pebble.DataCorruptionInfo) {
	s.opts.Logger.Errorf("disktier: pebble reported corruption in %s: %v", info.Path, info.Details)
	s.lastCorruptPath.Store(&info.Path)
}

// wrapErr turns a Pebble error into a tierkv error: corruption becomes a
// *CorruptionError naming the file if known; anything else is wrapped with
// the operation.
func (s *Store) wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrCorruption) || errors.Is(err, ErrBackground) {
		return err
	}
	if pebble.IsCorruptionError(err) {
		ce := &CorruptionError{Offset: blockOffset(err), Reason: "pebble reported corruption during " + op, Err: err}
		if info := pebble.ExtractDataCorruptionInfo(err); info != nil {
			ce.File = info.Path
		} else if p := s.lastCorruptPath.Load(); p != nil {
			ce.File = *p
		}
		return ce
	}
	return fmt.Errorf("disktier: %s: %w", op, err)
}

// pebbleBlockRE finds the block handle ("block <offset>/<length>") in
// Pebble's checksum errors; Pebble exposes it in no other way.
var pebbleBlockRE = regexp.MustCompile(`block (\d+)/\d+`)

// blockOffset returns the offset of the damaged block named in err, or -1.
func blockOffset(err error) int64 {
	m := pebbleBlockRE.FindStringSubmatch(err.Error())
	if m == nil {
		return -1
	}
	off, perr := strconv.ParseInt(m[1], 10, 64)
	if perr != nil {
		return -1
	}
	return off
}
