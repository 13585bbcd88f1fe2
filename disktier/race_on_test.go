//go:build race

package disktier

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation counts are looser.
const raceEnabled = true
