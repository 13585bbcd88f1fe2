package disktier

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// errFenced is what a fenced filesystem returns for every write.
var errFenced = errors.New("disktier: writes fenced after a failed BeforeFlush")

// flushFence runs Options.BeforeFlush at every flush and, if it fails,
// fences the filesystem under Pebble: from then on every write operation
// fails, so the flush that asked (and any later one) cannot make data
// durable that the engine's WAL could lose. A fatal error Pebble reports
// (Logger.Fatalf) raises the fence too: Pebble does not unwind after one,
// and a flush it retried could record a table a second time.
type flushFence struct {
	before func() error
	fenced atomic.Bool
	onFail func(error)
}

// check is the fence's filesystem injector (see Store.wrapFS): it fails
// writes to data files (sstables and blob files) of fs. That is enough to stop a flush from making
// anything durable: the hook runs before the flush writes, and a flush cannot
// commit without its tables. Metadata (MANIFEST, markers, directory syncs) is
// left alone: a compaction only rewrites data that is already durable, and
// failing its version application would drive Pebble into an error path
// whose L0 bookkeeping v2.1.7 gets wrong (an invariant panic in race builds).
func (f *flushFence) check(fs vfs.FS, op errorfs.Op) error {
	if !f.fenced.Load() || op.Kind.ReadOrWrite() != errorfs.OpIsWrite || op.Kind == errorfs.OpFileClose {
		return nil
	}
	if name := fs.PathBase(op.Path); strings.HasSuffix(name, ".sst") || strings.HasSuffix(name, ".blob") {
		return errFenced
	}
	return nil
}

// flushBegin is the FlushBegin event handler.
func (f *flushFence) flushBegin(pebble.FlushInfo) {
	if f.fenced.Load() {
		return
	}
	if err := f.before(); err != nil {
		f.fenced.Store(true)
		f.onFail(fmt.Errorf("disktier: before flush: %w", err))
	}
}
