package ycsb_test

import (
	"fmt"

	"github.com/tierkv/tierkv/tools/ycsb"
)

// Example runs one client thread of workload D (95% reads of the newest
// records, 5% inserts) over 1000 loaded records.
func Example() {
	w, err := ycsb.Parse("D")
	if err != nil {
		panic(err)
	}
	ks := ycsb.NewKeyspace(1000)
	g, err := ycsb.NewGenerator(w, ks, nil, ycsb.ThreadSeed(1, 0))
	if err != nil {
		panic(err)
	}
	fmt.Println(w.Name+":", w.Describe())
	var key []byte
	inserts := 0
	for range 1000 {
		op := g.Next()
		key = ycsb.KeyName(key[:0], op.KeyNum)
		// ... perform op on key here ...
		if op.Kind == ycsb.Insert {
			ks.Ack(op.KeyNum) // the record is readable from now on
			inserts++
		}
	}
	fmt.Println(ks.Count() == 1000+uint64(inserts), len(key) > len("user"))
	// Output:
	// D-latest: read 95% insert 5%, latest
	// true true
}
