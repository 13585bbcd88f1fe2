// Package store puts the engines peerbench compares behind one small
// interface, each configured on the same terms: the same memory budget
// (split inside each engine as documented on Options), the same durability
// (every write fsynced, or none), the same write buffers where the engine
// has them, and each engine's ordinary API used as its documentation shows.
//
// The engines: raw Pebble v2 (bloom filters, block cache = the budget),
// Pebble v2 with a ristretto v2 cache-aside layer (what a user bolts on by
// hand), Badger v4 (block and index caches = the budget) and tierkv
// (memory tier + block cache = the budget).
package store
