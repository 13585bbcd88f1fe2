// Package fuzz holds tierkv's end-to-end fuzz targets. It has no code of
// its own: every target lives in a _test.go file and drives the engine and
// the WAL through their exported APIs only.
//
// # Targets
//
// FuzzEngine decodes its input into a configuration (policy, memory-tier
// budget from 1 KiB to 64 MiB, sync mode, WAL segment size, background
// checkpoints) and a program of puts, deletes, batches, gets, iterators
// with bounds, seeks and direction changes, checkpoints, compactions,
// clean reopens and crashes. A crash takes a CrashClone of the
// vfs.NewCrashableMem filesystem (keeping a share of the unsynced data
// chosen by the input) and reopens the DB on the clone, sometimes opening
// it read-only first (that open must show an allowed state, refuse writes,
// change no file but the lock, and agree with the recovery that follows).
// Every result is
// checked against a plain in-memory model. After a crash the recovered
// state must be exactly what the durability contract allows: with
// SyncAlways every acknowledged write; with SyncInterval and SyncNever the
// state after some prefix of the acknowledged writes that includes every
// write acknowledged before the last completed Checkpoint, Compact, clean
// Close or recovery. A failure prints the configuration and the whole
// program, marking the operation that failed.
//
// FuzzIterator writes a dense set of short binary keys, reopens the DB so
// that they live in the disk tier only, then overwrites, deletes and reads
// (promotes) some of them so that the memory tier shadows the disk tier,
// and checks iterators with random bounds, seeks, direction changes and
// concurrent writes against a sorted model.
//
// FuzzWALReplay treats its input as a WAL segment (after a mode byte that
// can ask for the records' checksums to be fixed up first, so that
// mutations reach the payload decoder). wal.ReadSegment must
// never panic or hang and must return exactly the records that an
// independent decoder of the documented format accepts, then a corruption
// error at the offset of the first record it rejects. wal.Open of a log
// holding that segment must tell lost data from damaged data as wal's
// documentation says, replay the valid prefix, and keep working after it.
//
// FuzzBatch applies batches of arbitrary binary keys and values (empty
// values, duplicates within a batch, keys and values over the size limits)
// through DB.Apply and, separately, through wal.Log.Append: the engine must
// apply all of a valid batch (the last operation of a key wins) or reject
// an invalid one whole, across reopens and crashes, and the WAL must
// replay every operation exactly as appended.
//
// # Running
//
// A plain `go test ./fuzz/` replays the committed seed corpora under
// testdata/fuzz/<Target>/ (regenerate the generated seeds with
// `go test ./fuzz/ -run TestSeedCorpus -update-corpus`). A campaign runs
// one target at a time:
//
//	go test -run '^$' -fuzz '^FuzzEngine$' -fuzztime 30m -fuzzminimizetime 50x -timeout 0 -parallel 1 ./fuzz/
//
// -timeout 0 lifts go test's default 10-minute limit, and a short
// -fuzzminimizetime keeps the engine fuzzing instead of spending up to a
// minute minimizing each new interesting input (an execution of
// FuzzEngine opens Pebble several times, so minimization is costly).
//
// A crasher is written to testdata/fuzz/<Target>/; once the bug is fixed,
// commit it there so that every later `go test` replays it.
package fuzz
