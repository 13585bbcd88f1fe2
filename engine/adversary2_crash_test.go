package engine_test

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

// TestAdv2NestedDirSurvivesCrash: Open creates missing ancestors of its
// directory; their entries must be durable before a write is acknowledged,
// or a machine crash loses a SyncAlways write (the whole DB: Open on the
// crash image silently started a fresh one). Fails before createDirs
// synced the parents of the ancestors it created.
func TestAdv2NestedDirSurvivesCrash(t *testing.T) {
	for _, dir := range []string{"db", "x/db", "x/y/db", "/abs/x/y/db", "x/y/../db"} {
		t.Run("dir="+dir, func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			db, err := engine.Open(dir, &engine.Options{FS: fs})
			if err != nil {
				t.Fatal(err)
			}
			m := newModel()
			for i := range 3 {
				m.writeBoth(t, db, fmt.Appendf(nil, "k%d", i), fmt.Appendf(nil, "v%d", i))
			}
			img := fs.CrashClone(vfs.CrashCloneCfg{})
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = engine.Open(dir, &engine.Options{FS: img, ReadOnly: true})
			if err != nil {
				t.Fatalf("read-only open of the crash image: %v", err)
			}
			defer db.Close()
			got, err := dump(db)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.diff(got); err != nil {
				t.Fatalf("after a crash: %v", err)
			}
		})
	}
}
