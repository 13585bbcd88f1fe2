// Command peerbench measures tierkv against the engines a user would pick
// instead — raw Pebble v2, Pebble v2 with a hand-written ristretto
// cache-aside layer, and Badger v4 — side by side in one run, on written-down
// fair terms:
//
//   - the same memory budget for every engine (-mem), split inside each as
//     package store documents;
//   - the same durability: every write fsynced (-sync) or none;
//   - the same dataset, loaded once per engine into a template directory,
//     settled (flushed and fully compacted) and cloned fresh for every run;
//   - the same key generator (YCSB's, package workload), seeds and threads.
//
// Every (round, workload, engine) runs in its own child process (the binary
// re-executes itself with -child), so that peak RSS (the child's VmHWM) and
// bytes written (the child's write_bytes in /proc/self/io) belong to one
// engine alone. Engines alternate within a round (A B C D A B C D …) and the
// report gives the median of the rounds: ops/s, p50/p99 latency, bytes
// written to disk per user byte written, peak RSS, and tierkv's ratio to
// each peer. It prints a table, writes summary.csv, runs.csv and PNG charts
// into -out, and checks the ISSUE's targets.
//
// Usage, from tools/peerbench:
//
//	go run . -out /tmp/peerbench-out              # the default run (about 10 minutes on 2 cores)
//	go run . -sync -workloads A-zipf,C-zipf       # every write fsynced, two workloads
//	go run . -scale 4 -duration 10s               # 4x the budget and the dataset, longer runs
//	go run . -engines tierkv -cpuprofile tierkv   # CPU profiles of tierkv's measured phases
//	go run . -report /tmp/peerbench-out/runs.csv  # redo the tables and charts of a run
//	go run . -tiny                                # smoke mode for CI: seconds
package main
