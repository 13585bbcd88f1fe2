package memtier

import (
	"bytes"
	"fmt"
	"testing"
)

// TestEntryFormats round-trips records in both formats (the long one is
// used only for keys over 256 MiB or stored values over 4 GiB, so it is
// forced here) and both flags.
func TestEntryFormats(t *testing.T) {
	for _, long := range []bool{false, true} {
		for _, tc := range []struct{ key, value string }{{"", ""}, {"k", ""}, {"", "v"}, {"key", "value"}} {
			for _, flags := range []uint32{0, flagDirty, flagDirty | flagTombstone} {
				t.Run(fmt.Sprintf("long=%v/key=%q/value=%q/flags=%b", long, tc.key, tc.value, flags), func(t *testing.T) {
					f := flags
					if long {
						f |= flagLong
					}
					value := []byte(tc.value)
					if flags&flagTombstone != 0 {
						value = nil
					}
					e := layOut([]byte(tc.key), value, 42, f)
					if e.key() != tc.key || e.stored() != string(value) || e.seq != 42 {
						t.Fatalf("got key %q stored %q seq %d", e.key(), e.stored(), e.seq)
					}
					if e.charge() != int64(len(tc.key)+len(value))+EntryOverhead {
						t.Fatalf("charge %d", e.charge())
					}
					out := e.toEntry()
					if out.Tombstone != (flags&flagTombstone != 0) || out.Dirty != (flags&flagDirty != 0) {
						t.Fatalf("flags: %+v", out)
					}
					if !out.Tombstone && (out.Value == nil || !bytes.Equal(out.Value, value)) {
						t.Fatalf("value %q (nil=%v)", out.Value, out.Value == nil)
					}
					if out.Tombstone && out.Value != nil {
						t.Fatal("tombstone with a value")
					}
					e.markClean()
					if e.dirty() || e.key() != tc.key || e.tombstone() != (flags&flagTombstone != 0) {
						t.Fatal("markClean changed more than the dirty flag")
					}
				})
			}
		}
	}
}
