package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// ioWriteBytes returns write_bytes from /proc/self/io: the bytes this
// process caused to be written to storage, counted when it dirties a page
// of a file (through write or through a shared mmap, which Badger uses),
// once per page until that page is written back. It is the one write
// counter that sees every engine's files the same way.
func ioWriteBytes() (int64, error) {
	return procField("/proc/self/io", "write_bytes:", 1)
}

// peakRSS returns VmHWM from /proc/self/status: this process's peak
// resident set size.
func peakRSS() (int64, error) {
	return procField("/proc/self/status", "VmHWM:", 1024) // reported in kB
}

func procField(path, name string, unit int64) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte(name))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) == 0 {
			break
		}
		n, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %s: %w", path, name, err)
		}
		return n * unit, nil
	}
	return 0, fmt.Errorf("%s: no %s line", path, name)
}
