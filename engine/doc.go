// Package engine is tierkv's public API: a persistent, tiered key-value store.
//
// Hot keys live in a memory tier (package memtier) under a byte budget; every
// key lives in a disk tier (package disktier, a Pebble LSM). Writes are
// acknowledged once logged in tierkv's own write-ahead log (package wal) and
// then live in the memory tier, dirty, until a checkpoint or an eviction
// writes them back to Pebble. See docs/ARCHITECTURE.md for the write path,
// the read path, checkpoints and recovery.
package engine
