//go:build unix

package main

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// lockPID returns the id of the process holding the fcntl write lock on
// name (as Pebble's vfs takes it), 0 if no other process holds it.
func lockPID(name string) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	spec := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	if err := unix.FcntlFlock(f.Fd(), unix.F_GETLK, &spec); err != nil {
		return 0, err
	}
	if spec.Type == unix.F_UNLCK {
		return 0, nil
	}
	return int(spec.Pid), nil
}
