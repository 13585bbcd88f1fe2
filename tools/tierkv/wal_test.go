package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tierkv/tierkv/engine"
	"github.com/tierkv/tierkv/wal"
)

// walDB creates a DB whose single WAL segment holds n one-put records
// (each fsynced), and returns the DB dir and the segment's path.
func walDB(t *testing.T, n int) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "db")
	db, err := engine.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// A clean close checkpoints and leaves an empty WAL; log the puts
	// directly instead, as a DB that crashed before its checkpoint would.
	l, err := wal.Open(filepath.Join(dir, "wal"), &wal.Options{FirstSeq: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		op := wal.Op{Kind: wal.OpPut, Key: []byte{'k', byte('a' + i)}, Value: []byte("value")}
		if _, err := l.Append([]wal.Op{op}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(dir, "wal", "000000000001.log")
}

// patchFile overwrites len(b) bytes of path at off.
func patchFile(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func truncateFile(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

// recordSize is the stored size of one record of walDB: a 25-byte header
// and the payload (count, kind, key length, 2-byte key, value length,
// 5-byte value).
const recordSize = 25 + 1 + 1 + 1 + 2 + 1 + 5

func TestWALDump(t *testing.T) {
	dir, _ := walDB(t, 4)
	r := runCLI(t, "", "wal", "dump", dir)
	r.expect(t, 0, []string{"seq 1  000000000001.log@0  36 B  1 ops  7 user B  put ka\n",
		"seq 4  000000000001.log@108  36 B", "4 records in 1 segments"}, nil)
	r = runCLI(t, "", "wal", "dump", dir, "--from", "3", "-v")
	r.expect(t, 0, []string{"seq 3 ", "    put kc (5 B)\n", "2 records in 1 segments"}, nil)
	if strings.Contains(r.stdout, "seq 2 ") {
		t.Errorf("--from 3 printed seq 2:\n%s", r.stdout)
	}
	r = runCLI(t, "", "wal", "dump", "--json", "--hex", dir)
	r.expect(t, 0, nil, nil)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d JSON lines, want 4:\n%s", len(lines), r.stdout)
	}
	var rec dumpRecord
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Seq != 2 || rec.Offset != recordSize || rec.Size != recordSize || rec.List[0].Key != "6b62" {
		t.Errorf("record %+v", rec)
	}
	runCLI(t, "", "wal", "dump").expect(t, 2, nil, []string{"usage: tierkv wal dump DIR"})
	runCLI(t, "", "wal", "dump", dir+"-missing").expect(t, 1, nil, []string{"no such directory"})
	runCLI(t, "", "wal").expect(t, 2, nil, []string{"no command given"})
	runCLI(t, "", "wal", "frob").expect(t, 2, nil, []string{`unknown command "frob"`})
	runCLI(t, "", "wal", "dump", "--help").expect(t, 0, []string{"tierkv wal dump"}, nil)
}

func TestWALDumpLostTail(t *testing.T) {
	dir, seg := walDB(t, 3)
	truncateFile(t, seg, 2*recordSize+10) // the last record is torn
	r := runCLI(t, "", "wal", "dump", dir)
	r.expect(t, 0, []string{"2 records in 1 segments", "offset 72", "a lost tail"}, nil)
}

func TestWALDamageVerifyRepair(t *testing.T) {
	dir, seg := walDB(t, 4)
	patchFile(t, seg, recordSize+30, []byte{0xff, 0xee}) // inside record 2's payload
	runCLI(t, "", "get", dir, "ka").expect(t, 1, nil, []string{"corruption", "offset 36", "tierkv verify", "wal repair"})
	runCLI(t, "", "wal", "dump", dir).expect(t, 1, []string{"seq 1 ", "1 records in 1 segments"},
		[]string{"damaged WAL", "offset 36", "tierkv wal repair"})
	r := runCLI(t, "", "verify", dir)
	r.expect(t, 1, []string{"DAMAGE: " + seg + " offset 36: checksum mismatch"}, []string{"damage found"})
	r = runCLI(t, "", "verify", "--json", dir)
	var v verification
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatal(err)
	}
	if v.OK || len(v.Problems) != 1 || v.Problems[0].Offset != 36 || v.Problems[0].File != seg {
		t.Fatalf("verification %+v", v)
	}

	before, _ := os.ReadFile(seg)
	runCLI(t, "", "wal", "repair", "--dry-run", dir).expect(t, 0,
		[]string{"dry run", "offset 36", "damage", "kept:            1 records, up to seq 1", "2 readable records"}, nil)
	if after, _ := os.ReadFile(seg); string(after) != string(before) {
		t.Fatal("--dry-run changed the segment")
	}
	r = runCLI(t, "", "wal", "repair", dir)
	r.expect(t, 0, []string{"offset 36", "backup:", "the DB opens"}, nil)
	backups, _ := filepath.Glob(filepath.Join(dir, "wal-backup-*", "000000000001.log"))
	if len(backups) != 1 {
		t.Fatalf("backups %v", backups)
	}
	if saved, _ := os.ReadFile(backups[0]); string(saved) != string(before) {
		t.Fatal("the backup differs from the damaged segment")
	}
	runCLI(t, "", "verify", dir).expect(t, 0, []string{"ok: no damage found"}, nil)
	// Point-in-time recovery: the prefix before the damage is kept, the
	// records from the damaged one on are gone (and in the backup).
	runCLI(t, "", "get", dir, "ka").expect(t, 0, []string{"value"}, nil)
	runCLI(t, "", "get", dir, "kd").expect(t, 1, nil, []string{"not found"})
	runCLI(t, "", "wal", "repair", dir).expect(t, 0, []string{"nothing to repair"}, nil)
}

func TestWALRepairLocked(t *testing.T) {
	dir, _ := walDB(t, 1)
	db, err := engine.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runCLI(t, "", "wal", "repair", dir).expect(t, 1, nil, []string{"is in use", "stop that process"})
}

func TestVerifyLostTailIsNotDamage(t *testing.T) {
	dir, seg := walDB(t, 3)
	truncateFile(t, seg, 2*recordSize+5)
	r := runCLI(t, "", "verify", dir)
	r.expect(t, 0, []string{"note: " + seg + " offset 72", "a lost tail", "ok: no damage found"}, nil)
}

// TestVerifyDiskDamage damages an sstable's data block: verify must name
// the file and exit 1.
func TestVerifyDiskDamage(t *testing.T) {
	dir := numberedDB(t, 2000, 100)
	runCLI(t, "", "verify", dir).expect(t, 0, []string{"2000 versions read", "ok: no damage found"}, nil)
	biggest, _ := biggestSSTable(t, dir)
	patchFile(t, biggest, 200, []byte("damage!"))
	r := runCLI(t, "", "verify", dir)
	r.expect(t, 1, []string{"DAMAGE: ", filepath.Base(biggest)}, []string{"damage found"})
	r = runCLI(t, "", "scan", dir, "--keys-only")
	r.expect(t, 1, nil, []string{"corruption", filepath.Base(biggest), "restore the DB from a backup"})
	if strings.Contains(r.stderr, "<") {
		t.Errorf("Pebble's detail lines leaked into the message:\n%s", r.stderr)
	}
}

func TestVerifyUsage(t *testing.T) {
	runCLI(t, "", "verify").expect(t, 2, nil, []string{"usage: tierkv verify DIR"})
	runCLI(t, "", "verify", filepath.Join(t.TempDir(), "x")).expect(t, 1, nil, []string{"no such directory"})
}

// TestWALRepairDropsLaterSegments damages the first of several segments:
// repair must drop every later segment, back all of them up, and the DB
// must open afterwards.
func TestWALRepairDropsLaterSegments(t *testing.T) {
	// A DB that crashed with records in several segments above the
	// watermark: written with the wal package after a clean close.
	dir := newDB(t, "k0", "v")
	l, err := wal.Open(filepath.Join(dir, "wal"), &wal.Options{SegmentBytes: 100, FirstSeq: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if _, err := l.Append([]wal.Op{{Kind: wal.OpPut, Key: []byte{'k', byte('a' + i)}, Value: []byte("value")}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs, err := segmentFiles(dir)
	if err != nil || len(segs) < 3 {
		t.Fatalf("segments %v, %v: want at least 3", segs, err)
	}
	r := runCLI(t, "", "wal", "dump", dir)
	r.expect(t, 0, []string{"seq 9 "}, nil)
	runCLI(t, "", "get", dir, "kh").expect(t, 0, []string{"value"}, nil)
	patchFile(t, segs[0], 30, []byte{0xff, 0xfe})
	r = runCLI(t, "", "wal", "repair", dir)
	r.expect(t, 0, []string{filepath.Base(segs[0]) + " offset 0", "damage", filepath.Base(segs[len(segs)-1]), "the DB opens"}, nil)
	backups, _ := filepath.Glob(filepath.Join(dir, "wal-backup-*", "*.log"))
	if len(backups) != len(segs) {
		t.Fatalf("backed up %d segments, want %d: %v", len(backups), len(segs), backups)
	}
	if left, _ := segmentFiles(dir); len(left) > 1 {
		t.Fatalf("segments left after repair: %v", left)
	}
	runCLI(t, "", "verify", dir).expect(t, 0, []string{"ok: no damage found"}, nil)
	// The records after the damage were never checkpointed: they are lost,
	// the checkpointed key is not.
	runCLI(t, "", "get", dir, "kh").expect(t, 1, nil, []string{"not found"})
	runCLI(t, "", "get", dir, "k0").expect(t, 0, []string{"v"}, nil)
}

// TestVerifyDiskMetadataDamage damages the end of an sstable (its
// metaindex and footer region), which no key read touches: verify still
// finds it, because it checks every block's checksum.
func TestVerifyDiskMetadataDamage(t *testing.T) {
	dir := numberedDB(t, 2000, 100)
	biggest, size := biggestSSTable(t, dir)
	patchFile(t, biggest, size-60, []byte("damage!"))
	r := runCLI(t, "", "verify", dir)
	r.expect(t, 1, []string{"DAMAGE: ", filepath.Base(biggest)}, []string{"damage found"})
}

// biggestSSTable returns the path and size of the largest sstable of the
// DB in dir.
func biggestSSTable(t *testing.T, dir string) (string, int64) {
	t.Helper()
	ssts, err := filepath.Glob(filepath.Join(dir, "disk", "*.sst"))
	if err != nil || len(ssts) == 0 {
		t.Fatalf("no sstables in %s (%v)", dir, err)
	}
	var biggest string
	var size int64
	for _, p := range ssts {
		if st, _ := os.Stat(p); st.Size() > size {
			biggest, size = p, st.Size()
		}
	}
	return biggest, size
}
