package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tierkv/tierkv/engine"
)

// parseSize parses a byte size such as 4096, 64KiB, 8MiB, 1GiB (K/M/G
// and KB/MB/GB mean the binary units too).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size (examples: 4096, 64KiB, 8MiB, 1GiB)", s)
	}
	return int64(n * float64(mult)), nil
}

func parseSync(s string) (engine.SyncMode, error) {
	for _, m := range []engine.SyncMode{engine.SyncAlways, engine.SyncInterval, engine.SyncNever} {
		if strings.EqualFold(s, m.String()) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("--sync %q: want always, interval or never", s)
}

func parsePolicy(s string) (engine.Policy, error) {
	for _, p := range []engine.Policy{engine.PolicyWTinyLFU, engine.PolicyLRU, engine.PolicyLFU, engine.PolicyRandom} {
		if strings.EqualFold(s, string(p)) {
			return p, nil
		}
	}
	return "", fmt.Errorf("--policy %q: want wtinylfu, lru, lfu or random", s)
}
