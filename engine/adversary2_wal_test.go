package engine_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// adv2WALCopy returns the active WAL segment of a SyncAlways DB that took
// n puts of valSize random bytes from writers goroutines: a byte string
// full of valid WAL records, such as a backup of a tierkv directory stored
// as a value.
func adv2WALCopy(t *testing.T, n, valSize, writers int) []byte {
	fs := vfs.NewMem()
	db, err := engine.Open("src", &engine.Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range n / writers {
				v := make([]byte, valSize)
				for j := range v {
					v[j] = byte(rng.Uint32())
				}
				if err := db.Put(fmt.Appendf(nil, "w%d-%04d", w, i), v); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	segs := advFiles(t, fs, "src/wal", ".log")
	return advReadFile(t, fs, segs[len(segs)-1])
}

// TestAdv2WALRecordsInsideAValue: a value that holds WAL records (a copy
// of a tierkv WAL segment: a backup stored in the DB) is written last,
// unsynced, and a crash zeroes the 4 KiB block holding its record's header
// while the later blocks survive. That is a lost tail, which Open must
// drop silently (the contract's "whole blocks that read back as zeros");
// it failed with ErrCorruption, taking the copied records, whose synced
// fields point past the lost block, for proof that the block had been
// synced.
func TestAdv2WALRecordsInsideAValue(t *testing.T) {
	cases := []struct {
		name                  string
		records, size, writer int
	}{
		{"lone-writer", 40, 100, 1},
		{"group-commit", 60, 100, 4},
		{"small-records", 200, 12, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			backup := adv2WALCopy(t, c.records, c.size, c.writer)
			fs := vfs.NewCrashableMem()
			opts := engine.Options{FS: fs, Sync: engine.SyncNever}
			db, err := engine.Open("db", &opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Put([]byte("backup"), backup); err != nil {
				t.Fatal(err)
			}
			img := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rand.New(rand.NewPCG(1, 1))})
			_ = db.Close()
			segs := advFiles(t, img, "db/wal", ".log")
			seg := segs[len(segs)-1]
			data := advReadFile(t, img, seg)
			clear(data[:min(4096, len(data))]) // the first block: the record's header
			advWriteFile(t, img, seg, data)
			opts.FS = img
			db = adv2CheckImage(t, "db", &opts, newModel())
			if st := db.Stats(); st.WALTailDroppedBytes == 0 {
				t.Fatalf("the lost tail was not reported (Stats.WALTailDroppedBytes = 0)")
			}
		})
	}
}
