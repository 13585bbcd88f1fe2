package engine

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// physicalMemory returns the memory this process may use in bytes: the
// machine's RAM, or its cgroup's limit (v2) if that is lower; 0 if unknown.
func physicalMemory() int64 {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0
	}
	ram := int64(si.Totalram) * int64(si.Unit)
	// "max" (no limit) or a missing file leaves the machine's RAM.
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if limit, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && limit > 0 {
			ram = min(ram, limit)
		}
	}
	return ram
}
