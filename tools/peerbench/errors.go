package main

import "errors"

var (
	// errUsage marks a bad flag combination.
	errUsage = errors.New("peerbench: usage")
	// errChild marks a child process that failed or reported nothing.
	errChild = errors.New("peerbench: child run failed")
)
