package engine_test

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

func ExampleOpen() {
	db, err := engine.Open("example-db", &engine.Options{FS: vfs.NewMem(), MemTierBytes: 16 << 20})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	if err := db.Put([]byte("hello"), []byte("world")); err != nil {
		fmt.Println(err)
		return
	}
	v, err := db.Get([]byte("hello"))
	fmt.Printf("%s %v\n", v, err)
	_, err = db.Get([]byte("absent"))
	fmt.Println(errors.Is(err, engine.ErrNotFound))
	// Output:
	// world <nil>
	// true
}

func ExampleDB_Apply() {
	db, _ := engine.Open("example-db", &engine.Options{FS: vfs.NewMem()})
	defer db.Close()
	_ = db.Put([]byte("alice"), []byte("100"))
	b := db.NewBatch()
	b.Put([]byte("alice"), []byte("70"))
	b.Put([]byte("bob"), []byte("30"))
	b.Delete([]byte("carol"))
	// All three operations or none, also across a crash.
	if err := db.Apply(b); err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range []string{"alice", "bob"} {
		v, _ := db.Get([]byte(k))
		fmt.Printf("%s=%s\n", k, v)
	}
	// Output:
	// alice=70
	// bob=30
}

func ExampleDB_NewIter() {
	db, _ := engine.Open("example-db", &engine.Options{FS: vfs.NewMem()})
	defer db.Close()
	for _, k := range []string{"a", "b", "c", "d"} {
		_ = db.Put([]byte(k), []byte("v-"+k))
	}
	_ = db.Checkpoint() // "a".."d" are now in the disk tier as well
	_ = db.Delete([]byte("c"))
	it, _ := db.NewIter(&engine.IterOptions{LowerBound: []byte("b")})
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		fmt.Printf("%s=%s\n", it.Key(), it.Value())
	}
	for ok := it.Last(); ok; ok = it.Prev() {
		fmt.Printf("%s ", it.Key())
	}
	fmt.Println()
	// Output:
	// b=v-b
	// d=v-d
	// d b
}
