package wal

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// ddState is the state of one datadriven script: a crashable in-memory
// filesystem and the log open on it, if any.
type ddState struct {
	fs *vfs.MemFS
	l  *Log
}

// TestDataDriven runs the scripts under testdata/datadriven (regenerate
// with -rewrite and review the diff). Commands:
//
//	open [sync=always|never] [recovery=pit] [readonly] [segment=<bytes>]
//	append            one batch per input line: "put k v, del k, ...";
//	                  also "nothing" (no ops), "emptykey", "badkind", "big"
//	sync | close | crash (keep only synced data) | segments
//	replay [from=<seq>]
//	damage seg=<i> rec=<j> (tear=<n> | zero | flip=<byte>)
//	    tear: cut the file n bytes into record j; zero: zero it from record j
//	    on; flip: flip the low bit of byte <byte> of record j
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata/datadriven", func(t *testing.T, path string) {
		s := &ddState{fs: vfs.NewCrashableMem()}
		defer func() {
			if s.l != nil {
				s.l.Close()
			}
		}()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			return s.run(t, d)
		})
	})
}

func (s *ddState) run(t *testing.T, d *datadriven.TestData) string {
	switch d.Cmd {
	case "open":
		return s.open(t, d)
	case "append":
		var out strings.Builder
		for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
			seq, err := s.l.Append(parseOps(t, line))
			fmt.Fprintf(&out, "seq %d err %v\n", seq, err)
		}
		return out.String()
	case "sync":
		return fmt.Sprintf("err %v\n", s.l.Sync())
	case "close":
		err := s.l.Close()
		s.l = nil
		return fmt.Sprintf("err %v\n", err)
	case "crash":
		s.fs = s.fs.CrashClone(vfs.CrashCloneCfg{})
		s.l = nil // the old log keeps writing to the old filesystem
		return "ok\n"
	case "segments":
		var out strings.Builder
		for _, seg := range s.l.Segments() {
			fmt.Fprintf(&out, "%s first=%d size=%d\n", seg.Name, seg.FirstSeq, seg.Size)
		}
		return out.String()
	case "replay":
		return s.replay(t, d)
	case "damage":
		return s.damage(t, d)
	}
	t.Fatalf("unknown command %s", d.Cmd)
	return ""
}

func (s *ddState) open(t *testing.T, d *datadriven.TestData) string {
	o := Options{FS: s.fs, ReadOnly: d.HasArg("readonly")}
	if d.HasArg("sync") {
		var mode string
		d.ScanArgs(t, "sync", &mode)
		o.Sync = map[string]SyncMode{"always": SyncAlways, "interval": SyncInterval, "never": SyncNever}[mode]
	}
	if d.HasArg("recovery") {
		o.Recovery = RecoverPointInTime
	}
	if d.HasArg("segment") {
		d.ScanArgs(t, "segment", &o.SegmentBytes)
	}
	l, err := Open("wal", &o)
	if err != nil {
		return fmt.Sprintf("error: %v\n", err)
	}
	s.l = l
	return l.Recovered().String() + "\n"
}

func (s *ddState) replay(t *testing.T, d *datadriven.TestData) string {
	var from uint64
	if d.HasArg("from") {
		d.ScanArgs(t, "from", &from)
	}
	var out strings.Builder
	err := s.l.Replay(from, func(b *Batch) error {
		fmt.Fprintf(&out, "%d:", b.Seq)
		for i, op := range b.Ops {
			sep := ","
			if i == len(b.Ops)-1 {
				sep = ""
			}
			if op.Kind == OpDelete {
				fmt.Fprintf(&out, " del %s%s", op.Key, sep)
			} else {
				v := fmt.Sprintf("%q", op.Value)
				if len(op.Value) > 16 {
					v = fmt.Sprintf("(%d bytes)", len(op.Value))
				}
				fmt.Fprintf(&out, " put %s %s%s", op.Key, v, sep)
			}
		}
		out.WriteString("\n")
		return nil
	})
	if err != nil {
		fmt.Fprintf(&out, "error: %v\n", err)
	}
	return out.String()
}

func (s *ddState) damage(t *testing.T, d *datadriven.TestData) string {
	var segIdx, rec int
	d.ScanArgs(t, "seg", &segIdx)
	d.ScanArgs(t, "rec", &rec)
	segs, _, err := listDir(s.fs, "wal")
	if err != nil {
		t.Fatal(err)
	}
	path := "wal/" + segs[segIdx].Name
	data := readFile(t, s.fs, path)
	offs := recordOffsets(t, data)
	at := offs[rec]
	switch {
	case d.HasArg("tear"):
		var n int64
		d.ScanArgs(t, "tear", &n)
		data = data[:at+n]
	case d.HasArg("zero"):
		clear(data[at:])
	case d.HasArg("flip"):
		var b int64
		d.ScanArgs(t, "flip", &b)
		data[at+b] ^= 1
	}
	writeFile(t, s.fs, path, data)
	return fmt.Sprintf("%s: record %d at offset %d, file now %d bytes\n", path, rec, at, len(data))
}

// parseOps parses "put k v, del k".
func parseOps(t *testing.T, line string) []Op {
	var ops []Op
	for _, part := range strings.Split(line, ",") {
		f := strings.Fields(part)
		switch {
		case len(f) == 3 && f[0] == "put":
			ops = append(ops, Op{Kind: OpPut, Key: []byte(f[1]), Value: []byte(f[2])})
		case len(f) == 2 && f[0] == "put":
			ops = append(ops, Op{Kind: OpPut, Key: []byte(f[1]), Value: []byte{}})
		case len(f) == 2 && f[0] == "del":
			ops = append(ops, Op{Kind: OpDelete, Key: []byte(f[1])})
		case len(f) == 1 && f[0] == "nothing":
			// an empty batch
		case len(f) == 1 && f[0] == "emptykey":
			ops = append(ops, Op{Kind: OpPut, Value: []byte("v")})
		case len(f) == 1 && f[0] == "badkind":
			ops = append(ops, Op{Kind: 9, Key: []byte("k")})
		case len(f) == 1 && f[0] == "big":
			ops = append(ops, Op{Kind: OpPut, Key: []byte("big"), Value: bytes.Repeat([]byte("x"), 5000)})
		default:
			t.Fatalf("bad op %q", part)
		}
	}
	return ops
}
