package memtier

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestDataDriven runs the scripts in testdata/ (regenerate with -rewrite and
// review the diff). The tier applies every access at once (lossless), so
// the policy's decisions are deterministic.
//
//	new [budget=<bytes>] [policy=<kind>] [fraction=<f>] [compress=<n>]
//	put                  input: "<key> <value|del> <seq>" per line
//	get <key>
//	promote <key> <value> <seq> [stale]
//	evict [fail]
//	dirty [max=<seq>]    checkpoint read; markclean marks what it returned
//	markclean [max=<seq>]
//	stats
//	iter [lower=<k>] [upper=<k>]   input: first|last|next|prev|seek-ge <k>|seek-lt <k>
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var tr *Tier
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd == "new" {
				tr = ddNew(t, d)
				return ""
			}
			if tr == nil {
				t.Fatalf("%s: no tier (use new)", d.Pos)
			}
			return ddRun(t, tr, d)
		})
		if tr != nil {
			checkInvariants(t, tr)
			tr.Close()
		}
	})
}

func ddNew(t *testing.T, d *datadriven.TestData) *Tier {
	o := Options{BudgetBytes: 1 << 20, Policy: "lru", MaxEntryFraction: 1, AccessSampling: 1}
	var kind string
	d.MaybeScanArgs(t, "budget", &o.BudgetBytes)
	d.MaybeScanArgs(t, "fraction", &o.MaxEntryFraction)
	d.MaybeScanArgs(t, "compress", &o.CompressMinBytes)
	if d.MaybeScanArgs(t, "policy", &kind) {
		o.Policy = policyKind(kind)
	}
	tr, err := New(&o)
	if err != nil {
		t.Fatal(err)
	}
	tr.lossless = true
	return tr
}

func ddRun(t *testing.T, tr *Tier, d *datadriven.TestData) string {
	switch d.Cmd {
	case "put":
		return ddPut(t, tr, d.Input)
	case "get":
		v, seq, tomb, ok := tr.Get([]byte(d.CmdArgs[0].Key), nil)
		switch {
		case !ok:
			return "not resident"
		case tomb:
			return fmt.Sprintf("tombstone seq=%d", seq)
		}
		return fmt.Sprintf("%s seq=%d", v, seq)
	case "promote":
		return ddPromote(t, tr, d)
	case "evict":
		return ddEvict(tr, d.HasArg("fail"))
	case "dirty", "markclean":
		max := ^uint64(0)
		d.MaybeScanArgs(t, "max", &max)
		dirty := tr.Dirty(max)
		if d.Cmd == "markclean" {
			tr.MarkClean(dirty)
			return fmt.Sprintf("marked %d", len(dirty))
		}
		return formatEntries(dirty)
	case "stats":
		st := tr.Stats()
		return fmt.Sprintf("entries=%d bytes=%d dirty=%d pending=%d policy-bytes=%d evictions=%d promotions=%d rejected=%d",
			st.Entries, st.Bytes, st.DirtyEntries, st.PendingWriteBack, st.PolicyBytes, st.Evictions, st.Promotions, st.PromotionsRejected)
	case "iter":
		return ddIter(t, tr, d)
	}
	t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	return ""
}

func ddPut(t *testing.T, tr *Tier, input string) string {
	for _, line := range strings.Split(strings.TrimSpace(input), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("put: bad line %q", line)
		}
		seq, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		tr.Put([]byte(f[0]), []byte(f[1]), seq, f[1] == "del")
	}
	return fmt.Sprintf("pending=%d", tr.Stats().PendingWriteBack)
}

func ddPromote(t *testing.T, tr *Tier, d *datadriven.TestData) string {
	key := []byte(d.CmdArgs[0].Key)
	seq, err := strconv.ParseUint(d.CmdArgs[2].Key, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	gen := tr.Generation(key)
	if d.HasArg("stale") {
		gen--
	}
	return fmt.Sprintf("admitted=%v", tr.Promote(key, []byte(d.CmdArgs[1].Key), seq, gen))
}

func ddEvict(tr *Tier, fail bool) string {
	var b strings.Builder
	err := tr.Evict(func(batch []Entry) error {
		b.WriteString("write back: " + formatEntries(batch))
		if fail {
			return errors.New("injected")
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
	}
	fmt.Fprintf(&b, "pending=%d", tr.Stats().PendingWriteBack)
	return b.String()
}

func formatEntries(es []Entry) string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(formatEntry(e))
	}
	return b.String() + "\n"
}

func formatEntry(e Entry) string {
	v := string(e.Value)
	if e.Tombstone {
		v = "del"
	}
	dirty := ""
	if e.Dirty {
		dirty = "*"
	}
	return fmt.Sprintf("%s=%s@%d%s", e.Key, v, e.Seq, dirty)
}

func ddIter(t *testing.T, tr *Tier, d *datadriven.TestData) string {
	var lower, upper []byte
	var s string
	if d.MaybeScanArgs(t, "lower", &s) {
		lower = []byte(s)
	}
	if d.MaybeScanArgs(t, "upper", &s) {
		upper = []byte(s)
	}
	snap := tr.Snapshot()
	defer snap.Close()
	c := snap.NewCursor(lower, upper)
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
		f := strings.Fields(line)
		var ok bool
		switch f[0] {
		case "first":
			ok = c.First()
		case "last":
			ok = c.Last()
		case "next":
			ok = c.Next()
		case "prev":
			ok = c.Prev()
		case "seek-ge":
			ok = c.SeekGE([]byte(f[1]))
		case "seek-lt":
			ok = c.SeekLT([]byte(f[1]))
		default:
			t.Fatalf("iter: unknown op %q", line)
		}
		if ok != c.Valid() {
			t.Fatalf("iter %s: returned %v, Valid %v", line, ok, c.Valid())
		}
		if !ok {
			fmt.Fprintf(&b, "%s: .\n", line)
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", line, formatEntry(c.Entry()))
	}
	return b.String()
}
