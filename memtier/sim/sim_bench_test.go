package sim

import (
	"context"
	"fmt"
	"testing"

	"github.com/tierkv/tierkv/memtier/policy"
)

// BenchmarkReplayOLTP replays OLTP (914,145 requests, held in memory so the
// figure is the policy and simulator cost, not gzip) through each policy at
// 1000 and 10000 pages. LRU is the peer the others compare with; the hit
// ratio is reported beside the time.
//
//	go test -run '^$' -bench ReplayOLTP -benchtime 3x ./memtier/sim/
func BenchmarkReplayOLTP(b *testing.B) {
	tr, err := Lookup("OLTP")
	if err != nil {
		b.Fatal(err)
	}
	var reqs []Request
	err = Stream(context.Background(), tracesDir(b), tr, func(batch []Request) error {
		reqs = append(reqs, batch...)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int64{1000, 10000} {
		for _, kind := range policy.Kinds() {
			b.Run(fmt.Sprintf("size=%d/policy=%s", size, kind), func(b *testing.B) {
				b.ReportAllocs()
				var s *Simulator
				for b.Loop() {
					if s, err = NewSimulator(kind, size, false); err != nil {
						b.Fatal(err)
					}
					for _, r := range reqs {
						s.Access(r)
					}
				}
				b.ReportMetric(s.HitRatio(), "hit%")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(reqs)), "ns/request")
			})
		}
	}
}
