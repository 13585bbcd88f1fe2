// Command tierkv inspects, operates, verifies and benchmarks tierkv
// databases: `tierkv demo` shows what the tiers do in half a minute,
// get/put/del/scan read and write keys, inspect/stats/verify look at a DB
// without changing it, checkpoint/compact/wal repair maintain it, and
// bench/sim measure it. Run `tierkv --help` or `tierkv CMD --help`.
//
// Output is for humans by default; --json gives the same data for scripts.
// Exit status: 0 on success, 1 on an error (the message on stderr says what
// went wrong and what to do), 2 on bad usage.
package main
