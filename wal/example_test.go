package wal_test

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/wal"
)

func Example() {
	fs := vfs.NewMem()
	l, err := wal.Open("db/wal", &wal.Options{FS: fs})
	if err != nil {
		panic(err)
	}
	seq, err := l.Append([]wal.Op{
		{Kind: wal.OpPut, Key: []byte("hello"), Value: []byte("world")},
		{Kind: wal.OpDelete, Key: []byte("stale")},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("appended seq", seq)
	if err := l.Close(); err != nil {
		panic(err)
	}

	// After a restart: replay everything from sequence number 1.
	l, err = wal.Open("db/wal", &wal.Options{FS: fs})
	if err != nil {
		panic(err)
	}
	defer l.Close()
	err = l.Replay(1, func(b *wal.Batch) error {
		for _, op := range b.Ops {
			fmt.Printf("seq %d: kind %d key %s value %q\n", b.Seq, op.Kind, op.Key, op.Value)
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(l.Recovered())
	// Output:
	// appended seq 1
	// seq 1: kind 1 key hello value "world"
	// seq 1: kind 2 key stale value ""
	// 1 segments, 1 records, last seq 1
}
