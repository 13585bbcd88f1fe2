package fuzz_test

import (
	"testing"
)

// TestContractCheck pins down which recovered states FuzzEngine's crash
// check accepts: exactly floor plus a prefix of the pending writes, all of
// them with SyncAlways; never a hole, never part of a batch, never less
// than the floor, never a write nobody made.
func TestContractCheck(t *testing.T) {
	put := func(k, v string) mop { return mop{key: []byte(k), value: []byte(v)} }
	del := func(k string) mop { return mop{del: true, key: []byte(k)} }
	floor := newModel()
	floor.apply([]mop{put("a", "0"), put("z", "0")})
	pending := [][]mop{
		{put("a", "1")},
		{put("b", "1"), put("c", "1")}, // a batch
		{del("z")},
		{put("a", "2")},
	}
	state := func(kv ...string) map[string][]byte {
		m := map[string][]byte{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = []byte(kv[i+1])
		}
		return m
	}
	cases := []struct {
		name          string
		got           map[string][]byte
		always, never bool // accepted under SyncAlways, under SyncNever
	}{
		{"floor", state("a", "0", "z", "0"), false, true},
		{"prefix=1", state("a", "1", "z", "0"), false, true},
		{"prefix=2", state("a", "1", "b", "1", "c", "1", "z", "0"), false, true},
		{"prefix=3", state("a", "1", "b", "1", "c", "1"), false, true},
		{"all", state("a", "2", "b", "1", "c", "1"), true, true},
		{"half a batch", state("a", "1", "b", "1", "z", "0"), false, false},
		{"a hole", state("a", "0", "b", "1", "c", "1", "z", "0"), false, false},
		{"below the floor", state("z", "0"), false, false},
		{"an unknown write", state("a", "2", "b", "1", "c", "1", "q", "1"), false, false},
		{"a stale value", state("a", "1", "b", "1", "c", "1", "y", "0"), false, false},
	}
	for _, c := range cases {
		for _, sync := range []int{0, 2} { // indices of SyncAlways and SyncNever
			want := c.never
			if sync == 0 {
				want = c.always
			}
			t.Run(c.name+"/sync="+syncModes[sync].String(), func(t *testing.T) {
				r := &engineRun{cfg: engineConfig{sync: sync}, floor: floor.clone(), pending: pending}
				if _, ok := r.matchPrefix(c.got); ok != want {
					t.Fatalf("accepted = %v, want %v", ok, want)
				}
			})
		}
	}
}
