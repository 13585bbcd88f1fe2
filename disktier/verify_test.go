package disktier

import (
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestVerifyChecksums damages, one at a time, a data block (which a read
// would also find) and the table's last bytes (footer and metaindex, which
// no key read touches): VerifyChecksums must name the table both times,
// and report nothing on a healthy store.
func TestVerifyChecksums(t *testing.T) {
	cases := []struct {
		name   string
		offset func(size int64) int64
	}{
		{"data-block", func(int64) int64 { return 64 }},
		{"table-tail", func(size int64) int64 { return size - 40 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := vfs.NewMem()
			s := compactedStore(t, fs)
			problems, tables, err := s.VerifyChecksums()
			if err != nil || len(problems) != 0 || tables != 1 {
				t.Fatalf("healthy store: problems %v, tables %d, err %v", problems, tables, err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			ssts := sstables(t, fs, "disk")
			st, err := fs.Stat(ssts[0])
			if err != nil {
				t.Fatal(err)
			}
			flipBytes(t, fs, ssts[0], c.offset(st.Size()), 8)
			s = openMem(t, fs, &Options{ReadOnly: true})
			defer s.Close()
			problems, tables, err = s.VerifyChecksums()
			if err != nil {
				t.Fatalf("VerifyChecksums: %v", err)
			}
			if tables != 1 || len(problems) != 1 || problems[0].File != ssts[0] {
				t.Fatalf("got problems %v over %d tables, want one naming %s", problems, tables, ssts[0])
			}
			checkCorruption(t, problems[0].Err, ssts[0])
		})
	}
}
