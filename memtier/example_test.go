package memtier_test

import (
	"fmt"

	"github.com/tierkv/tierkv/memtier"
)

// The engine's use of the tier: publish writes, read them back, write back
// the dirty victims when the budget is exceeded, promote what the disk tier
// returns after a miss, and scan a snapshot.
func Example() {
	tier, err := memtier.New(&memtier.Options{BudgetBytes: 4 * (memtier.EntryOverhead + 16), Policy: "lru", MaxEntryFraction: 1})
	if err != nil {
		panic(err)
	}
	defer tier.Close()

	for i, k := range []string{"a", "b", "c", "d", "e", "f"} {
		tier.Put([]byte(k), []byte("v-"+k), uint64(i+1), false)
	}
	v, seq, _, ok := tier.Get([]byte("c"), nil)
	fmt.Printf("c = %s (seq %d, resident %v)\n", v, seq, ok)

	if tier.NeedsWriteBack() {
		_ = tier.Evict(func(batch []memtier.Entry) error {
			for _, e := range batch {
				fmt.Printf("write back %s = %s\n", e.Key, e.Value)
			}
			return nil // the disk tier has them now
		})
	}

	key := []byte("a")
	if _, _, _, ok := tier.Get(key, nil); !ok {
		gen := tier.Generation(key)
		// ... read key from the disk tier ...
		fmt.Println("promoted a:", tier.Promote(key, []byte("v-a"), 1, gen))
	}

	snap := tier.Snapshot()
	defer snap.Close()
	c := snap.NewCursor([]byte("b"), nil)
	for ok := c.First(); ok; ok = c.Next() {
		fmt.Printf("%s ", c.Entry().Key)
	}
	fmt.Println()
	// Output:
	// c = v-c (seq 3, resident true)
	// write back a = v-a
	// write back b = v-b
	// promoted a: true
	// c d e f
}
