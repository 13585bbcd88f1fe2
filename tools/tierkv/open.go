package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
	"github.com/tierkv/tierkv/wal"
)

// The DB directory layout (see docs/ARCHITECTURE.md).
const (
	lockName    = "LOCK"
	walDirName  = "wal"
	diskDirName = "disk"
)

// checkDB returns nil if dir holds a tierkv DB, or an error saying what is
// there instead and what to do. It never creates anything.
func checkDB(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return withHint(fmt.Errorf("%s: no such directory", dir),
			"check the path; `tierkv put --create %s KEY VALUE` or `tierkv demo --dir %s` creates a DB", dir, dir)
	case err != nil:
		return err
	case !st.IsDir():
		return withHint(fmt.Errorf("%s: not a directory", dir), "give the DB's directory")
	}
	if _, err := os.Stat(filepath.Join(dir, diskDirName)); err != nil {
		return withHint(fmt.Errorf("%s holds no tierkv DB (no %s/ subdirectory)", dir, diskDirName),
			"check the path; a tierkv DB directory holds LOCK, wal/ and disk/")
	}
	return nil
}

// openDB opens the DB in dir after checkDB (unless create), translating the
// engine's errors into messages with advice.
func openDB(dir string, opts *engine.Options, create bool) (*engine.DB, error) {
	if !create {
		if err := checkDB(dir); err != nil {
			return nil, err
		}
	}
	db, err := engine.Open(dir, opts)
	if err != nil {
		return nil, explainOpen(dir, err)
	}
	return db, nil
}

// openReadOnly opens dir read-only: nothing in it changes.
func openReadOnly(dir string) (*engine.DB, error) {
	return openDB(dir, &engine.Options{ReadOnly: true}, false)
}

// explainOpen adds advice to an error of engine.Open.
func explainOpen(dir string, err error) error {
	switch {
	case errors.Is(err, engine.ErrLocked):
		return withHint(fmt.Errorf("%s is in use: %s", dir, lockHolder(dir)),
			"stop that process first; `tierkv inspect %s` and `tierkv wal dump %s` work while it runs", dir, dir)
	case errors.Is(err, engine.ErrNotExist):
		return withHint(err, "check the path; a tierkv DB directory holds LOCK, wal/ and disk/")
	case errors.Is(err, wal.ErrCorruption):
		return withHint(err, "`tierkv verify %s` lists every problem; `tierkv wal repair %s` "+
			"recovers up to the last good WAL record (and backs up the rest)", dir, dir)
	case errors.Is(err, engine.ErrCorruption):
		return withHint(err, "`tierkv verify %s` lists every problem; damaged disk-tier files "+
			"cannot be repaired in place: restore the DB from a backup", dir)
	case errors.Is(err, engine.ErrInvalidOptions):
		return &usageError{cmd: "tierkv", err: err}
	}
	return err
}

// lockHolder describes who holds dir's lock: a process id and name when the
// OS can tell.
func lockHolder(dir string) string {
	pid, err := lockPID(filepath.Join(dir, lockName))
	switch {
	case err != nil:
		return "its lock is held by another open DB (" + err.Error() + ")"
	case pid == 0:
		return "its lock is held by another open DB in this process"
	}
	name, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if len(name) > 0 {
		return fmt.Sprintf("its lock is held by process %d (%s)", pid, trimNL(string(name)))
	}
	return fmt.Sprintf("its lock is held by process %d", pid)
}

// isLocked reports whether another DB holds dir's lock, without creating
// the lock file when it does not exist.
func isLocked(dir string) bool {
	name := filepath.Join(dir, lockName)
	if _, err := os.Stat(name); err != nil {
		return false
	}
	l, err := vfs.Default.Lock(name)
	if err != nil {
		return true
	}
	_ = l.Close()
	return false
}

func trimNL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

// oneLine flattens an error message to one line: Pebble's errors carry
// extra lines ("<corruption detail carrier>") that say nothing to a user.
func oneLine(msg string) string {
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "<") {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}
