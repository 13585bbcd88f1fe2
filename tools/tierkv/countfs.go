package main

import (
	"strings"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// countingFS wraps a vfs.FS and counts the bytes written to files, split
// into the WAL (paths under a "wal" directory) and everything else (the
// disk tier). This is how bench measures bytes written to disk: at the
// filesystem, whatever the engine's own counters say.
type countingFS struct {
	vfs.FS
	walDir          string // paths starting with it are WAL files
	walBytes, other atomic.Int64
}

func newCountingFS(fs vfs.FS, walDir string) *countingFS {
	return &countingFS{FS: fs, walDir: walDir}
}

func (fs *countingFS) counter(name string) *atomic.Int64 {
	if strings.HasPrefix(name, fs.walDir) {
		return &fs.walBytes
	}
	return &fs.other
}

func (fs *countingFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return f, err
	}
	return &countingFile{File: f, n: fs.counter(name)}, nil
}

func (fs *countingFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.Create(name, c)
	return fs.wrap(name, f, err)
}

func (fs *countingFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.FS.OpenReadWrite(name, c, opts...)
	return fs.wrap(name, f, err)
}

func (fs *countingFS) ReuseForWrite(oldname, newname string, c vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, c)
	return fs.wrap(newname, f, err)
}

// Unwrap returns the wrapped FS.
func (fs *countingFS) Unwrap() vfs.FS { return fs.FS }

// countingFile counts the bytes written through it into n.
type countingFile struct {
	vfs.File
	n *atomic.Int64
}

func (f *countingFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	f.n.Add(int64(n))
	return n, err
}

func (f *countingFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	f.n.Add(int64(n))
	return n, err
}
