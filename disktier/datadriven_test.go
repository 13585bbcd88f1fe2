package disktier

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestDataDriven runs the scripts in testdata/ (regenerate with -rewrite
// and review the diff). Commands:
//
//	batch            input: set <key> <seq> <value> | tomb <key> <seq> | del <key> | watermark <seq>
//	get              input: one key per line
//	iter [lower=] [upper=]  input: first | last | next | prev | seek-ge <k> | seek-lt <k>
//	flush | reopen | watermark | compact [start=] [end=]
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		fs := vfs.NewMem()
		s := openMem(t, fs, nil)
		defer func() { _ = s.Close() }()
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			switch td.Cmd {
			case "batch":
				return ddBatch(s, td.Input)
			case "get":
				return ddGet(s, td.Input)
			case "iter":
				return ddIter(t, s, td)
			case "flush":
				return errOr(s.Flush(), "ok")
			case "compact":
				return errOr(s.Compact(ddArg(t, td, "start"), ddArg(t, td, "end")), "ok")
			case "watermark":
				return strconv.FormatUint(s.Watermark(), 10)
			case "reopen":
				if err := s.Close(); err != nil {
					return "error: " + err.Error()
				}
				s = openMem(t, fs, nil)
				return "ok"
			}
			t.Fatalf("unknown command %q", td.Cmd)
			return ""
		})
	})
}

func errOr(err error, ok string) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return ok
}

// ddArg returns the named argument, or nil if absent.
func ddArg(t *testing.T, td *datadriven.TestData, name string) []byte {
	if !td.HasArg(name) {
		return nil
	}
	var v string
	td.ScanArgs(t, name, &v)
	return []byte(v)
}

func ddBatch(s *Store, input string) string {
	b := s.NewBatch()
	for _, line := range strings.Split(input, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			return fmt.Sprintf("bad line %q", line)
		}
		seq := func(i int) uint64 { n, _ := strconv.ParseUint(f[i], 10, 64); return n }
		switch {
		case f[0] == "set" && len(f) >= 3:
			v := ""
			if len(f) == 4 {
				v = f[3]
			}
			b.Set([]byte(f[1]), []byte(v), seq(2))
		case f[0] == "tomb" && len(f) == 3:
			b.SetTombstone([]byte(f[1]), seq(2))
		case f[0] == "del":
			b.Delete([]byte(f[1]))
		case f[0] == "watermark":
			b.SetWatermark(seq(1))
		default:
			return fmt.Sprintf("bad line %q", line)
		}
	}
	n := b.Len()
	return errOr(s.Commit(b), fmt.Sprintf("committed %d", n))
}

func ddGet(s *Store, input string) string {
	var sb strings.Builder
	for _, k := range strings.Fields(input) {
		v, seq, tomb, ok, err := s.Get([]byte(k), nil)
		switch {
		case err != nil:
			fmt.Fprintf(&sb, "%s: error: %v\n", k, err)
		case !ok:
			fmt.Fprintf(&sb, "%s: absent\n", k)
		default:
			fmt.Fprintf(&sb, "%s\n", formatVersion(k, seq, tomb, v))
		}
	}
	return sb.String()
}

func formatVersion(k string, seq uint64, tomb bool, v []byte) string {
	if tomb {
		return fmt.Sprintf("%s#%d: tombstone", k, seq)
	}
	return fmt.Sprintf("%s#%d: %q", k, seq, v)
}

func ddIter(t *testing.T, s *Store, td *datadriven.TestData) string {
	it, err := s.NewIter(ddArg(t, td, "lower"), ddArg(t, td, "upper"))
	if err != nil {
		return "error: " + err.Error()
	}
	defer it.Close()
	var sb strings.Builder
	for _, line := range strings.Split(td.Input, "\n") {
		f := strings.Fields(line)
		var ok bool
		switch f[0] {
		case "first":
			ok = it.First()
		case "last":
			ok = it.Last()
		case "next":
			ok = it.Next()
		case "prev":
			ok = it.Prev()
		case "seek-ge":
			ok = it.SeekGE([]byte(f[1]))
		case "seek-lt":
			ok = it.SeekLT([]byte(f[1]))
		default:
			t.Fatalf("unknown iterator op %q", line)
		}
		fmt.Fprintf(&sb, "%s: ", line)
		if !ok {
			sb.WriteString(".\n")
			continue
		}
		sb.WriteString(formatVersion(string(it.Key()), it.Seq(), it.Tombstone(), it.Value()) + "\n")
	}
	return sb.String()
}
