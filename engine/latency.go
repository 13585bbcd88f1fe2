package engine

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// latencyHistogram is a lock-free log-linear histogram of durations: each
// power of two is split into 8 linear sub-buckets, so a percentile read from
// it is within 12.5% of the truth. Recording is one atomic add.
type latencyHistogram struct {
	counts [64 * subBuckets]atomic.Uint64
}

const subBucketBits = 3
const subBuckets = 1 << subBucketBits

func bucketOf(ns uint64) int {
	if ns < subBuckets {
		return int(ns)
	}
	exp := bits.Len64(ns) - 1 - subBucketBits
	mant := (ns >> exp) & (subBuckets - 1)
	return (exp+1)*subBuckets + int(mant)
}

// bucketUpper returns the largest value that falls in bucket i.
func bucketUpper(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	exp := i/subBuckets - 1
	mant := uint64(i % subBuckets)
	return ((subBuckets+mant+1)<<exp - 1)
}

func (h *latencyHistogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))].Add(1)
}

// Latency summarizes a latency histogram.
type Latency struct {
	Count uint64
	P50   time.Duration
	P99   time.Duration
	P999  time.Duration
}

func (h *latencyHistogram) summary() Latency {
	var counts [len(h.counts)]uint64
	var total uint64
	for i := range h.counts {
		counts[i] = h.counts[i].Load()
		total += counts[i]
	}
	l := Latency{Count: total}
	if total == 0 {
		return l
	}
	l.P50 = percentile(counts[:], total, 0.50)
	l.P99 = percentile(counts[:], total, 0.99)
	l.P999 = percentile(counts[:], total, 0.999)
	return l
}

func percentile(counts []uint64, total uint64, q float64) time.Duration {
	rank := uint64(q*float64(total-1)) + 1
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			return time.Duration(bucketUpper(i))
		}
	}
	return time.Duration(bucketUpper(len(counts) - 1))
}
