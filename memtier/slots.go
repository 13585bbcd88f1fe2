package memtier

import "github.com/tierkv/tierkv/memtier/policy"

// The policy names resident versions by dense ids; the point index's slots
// hold the versions. An id's slot is found from its tag, kept in t.tags: the
// tag picks the shard and the probe's start, and the slot value (tag and
// id) is unique. Only writers (holding pmu) go from an id to its version;
// readers go from a key to its slot.

// shardOfTag returns the shard of a key whose tag is tag.
func (t *Tier) shardOfTag(tag uint64) *shard {
	return &t.shards[(tag>>1)&uint64(len(t.shards)-1)]
}

// locateLocked returns the shard holding resident id's slot and that
// slot's value. pmu is held.
func (t *Tier) locateLocked(id policy.ID) (*shard, uint64) {
	tag := uint64(t.tags[id])
	return t.shardOfTag(tag), tag<<32 | (uint64(id) + 1)
}

// entryOfLocked returns the version resident under id, or nil if the id is
// free. pmu is held.
func (t *Tier) entryOfLocked(id policy.ID) *entry {
	if t.tags[id] == 0 {
		return nil
	}
	sh, v := t.locateLocked(id)
	return sh.entryOf(v)
}

// eachResidentLocked calls f with every resident version, shard by shard.
// pmu is held.
func (t *Tier) eachResidentLocked(f func(*entry)) {
	for i := range t.shards {
		t.shards[i].each(f)
	}
}
