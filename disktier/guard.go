package disktier

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// openGuard lets Open give up on a pebble.Open that hit an error Pebble
// treats as fatal. Pebble expects such an error to end the process: a
// failed MANIFEST write calls Logger.Fatalf and does not unwind, and a
// failed directory fsync while moving a marker panics. Our logger keeps the
// process alive, so left alone pebble.Open hangs (its own flush retries
// forever after Fatalf), and a flush retried after Fatalf can record the
// same table twice in the MANIFEST, a damage the next open trips on.
//
// While pebble.Open runs, the guard therefore stops the goroutine that hit
// the fatal error where it stands (as the process exit Pebble expects
// would), and Open abandons the instance: every later filesystem call of it
// is parked too, so nothing more is written, and the directory lock it took
// is released, so that the directory can be opened again. The instance's
// goroutines and memory are leaked; this only happens after a fatal I/O
// error during Open. Fatal errors after Open keep their old handling (a
// sticky error: see pebbleLogger).
type openGuard struct {
	opening   atomic.Bool
	fatal     chan struct{} // closed at the first fatal error during Open
	fatalOnce sync.Once
	abandoned atomic.Bool
	never     chan struct{} // never closed: parked goroutines wait on it

	mu    sync.Mutex
	locks []io.Closer
}

func newOpenGuard() *openGuard {
	return &openGuard{fatal: make(chan struct{}), never: make(chan struct{})}
}

// onFatal is called with a fatal error (already recorded as sticky). During
// Open it never returns.
func (g *openGuard) onFatal() {
	if !g.opening.Load() {
		return
	}
	g.fatalOnce.Do(func() { close(g.fatal) })
	<-g.never
}

// abandon parks every later filesystem call of the Pebble instance and
// releases the locks it took.
func (g *openGuard) abandon() {
	g.abandoned.Store(true)
	g.mu.Lock()
	locks := g.locks
	g.locks = nil
	g.mu.Unlock()
	for _, c := range locks {
		_ = c.Close()
	}
}

// park blocks the calling goroutine for good once the instance is
// abandoned; Store.wrapFS calls it on every filesystem operation.
func (g *openGuard) park() {
	if g.abandoned.Load() {
		<-g.never
	}
}

// wrapFS returns fs behind the guard's Lock and OpenDir; fail records a
// fatal error. fs must already park its operations (see park).
func (g *openGuard) wrapFS(fs vfs.FS, fail func(error)) vfs.FS {
	return &guardFS{FS: fs, g: g, fail: fail}
}

// guardFS records the locks Pebble takes and guards directory syncs.
type guardFS struct {
	vfs.FS
	g    *openGuard
	fail func(error)
}

func (f *guardFS) Lock(name string) (io.Closer, error) {
	c, err := f.FS.Lock(name)
	if err == nil {
		f.g.mu.Lock()
		f.g.locks = append(f.g.locks, c)
		f.g.mu.Unlock()
	}
	return c, err
}

func (f *guardFS) OpenDir(name string) (vfs.File, error) {
	d, err := f.FS.OpenDir(name)
	if err != nil {
		return nil, err
	}
	return &guardDir{File: d, f: f, name: name}, nil
}

// guardDir is a directory handle whose failed Sync during Open is a fatal
// error (Pebble would panic on it) instead of an error returned to Pebble.
type guardDir struct {
	vfs.File
	f    *guardFS
	name string
}

func (d *guardDir) Sync() error {
	err := d.File.Sync()
	if err != nil && d.f.g.opening.Load() {
		d.f.fail(fmt.Errorf("%w: sync directory %s: %w", ErrBackground, d.name, err))
		d.f.g.onFatal()
	}
	return err
}
