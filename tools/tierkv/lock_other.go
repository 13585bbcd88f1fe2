//go:build !unix

package main

import "errors"

// lockPID cannot ask the OS who holds a lock on this platform.
func lockPID(string) (int, error) {
	return 0, errors.New("the holder is not known on this platform")
}
