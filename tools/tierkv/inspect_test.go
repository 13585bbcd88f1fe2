package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tierkv/tierkv/engine"
)

// dirState returns every file's size and modification time under dir,
// except the LOCK files: taking a lock (os.Create of the empty lock file)
// touches its modification time, which the API allows a read-only open.
func dirState(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.Name() == "LOCK" {
			return err
		}
		m[p] = info.ModTime().Format(time.RFC3339Nano) + " " + info.Mode().String()
		if !info.IsDir() {
			m[p] += fmt.Sprintf(" %d", info.Size())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestInspect(t *testing.T) {
	dir := numberedDB(t, 1000, 100)
	before := dirState(t, dir)

	r := runCLI(t, "", "inspect", dir)
	r.expect(t, 0, []string{"not in use", "sequence:     last 10", "durable 10", "000000000011.log  first seq 11",
		"Pebble format version", "level", "L6", "disk writes:  write amplification"}, nil)
	r = runCLI(t, "", "inspect", "--json", dir)
	r.expect(t, 0, nil, nil)
	var rep inspectReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Complete || rep.LastSeq != 10 || len(rep.WAL.Segments) != 1 || rep.Disk.SSTables == 0 ||
		len(rep.Disk.Levels) != 7 || rep.Disk.FormatVersion == "" {
		t.Fatalf("report %+v", rep)
	}
	// The writer's counters outlive it: inspect, a later process, still
	// knows the write amplification.
	wr := rep.Disk.Writes
	if wr == nil || wr.UserBytes < 1000*100 || wr.FlushBytes == 0 ||
		wr.WriteAmp != float64(wr.FlushBytes+wr.CompactionBytes)/float64(wr.UserBytes) {
		t.Fatalf("lifetime writes %+v, want the writer's (over 100 KB of values, flushed)", wr)
	}
	if after := dirState(t, dir); len(after) != len(before) {
		t.Fatalf("inspect changed the directory: %d entries before, %d after", len(before), len(after))
	} else {
		for p, s := range before {
			if after[p] != s {
				t.Errorf("inspect changed %s", p)
			}
		}
	}
}

func TestInspectLocked(t *testing.T) {
	dir := numberedDB(t, 100, 10)
	db, err := engine.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := runCLI(t, "", "inspect", dir)
	r.expect(t, 0, []string{"in use: its lock is held by another open DB in this process", "file-level view",
		"WAL:          1 segments", "disk tier:"}, nil)
	r = runCLI(t, "", "inspect", "--json", dir)
	var rep inspectReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Complete || rep.InUseBy == "" || rep.Disk.SSTables == 0 || rep.Disk.Writes == nil || rep.Disk.Writes.FlushBytes == 0 {
		t.Fatalf("report %+v", rep)
	}
}

func TestInspectDamaged(t *testing.T) {
	dir, seg := walDB(t, 3)
	patchFile(t, seg, recordSize+30, []byte{0xff})
	r := runCLI(t, "", "inspect", dir)
	r.expect(t, 1, []string{"DAMAGED", "WAL:          1 segments"}, []string{"corruption", "offset 36", "tierkv verify", "wal repair"})
}

func TestInspectLostTail(t *testing.T) {
	dir, seg := walDB(t, 3)
	truncateFile(t, seg, 2*recordSize+4)
	r := runCLI(t, "", "inspect", dir)
	r.expect(t, 0, []string{"lost tail:", "offset 72"}, nil)
}

func TestInspectUsage(t *testing.T) {
	runCLI(t, "", "inspect").expect(t, 2, nil, []string{"usage: tierkv inspect DIR"})
	runCLI(t, "", "inspect", t.TempDir()).expect(t, 1, nil, []string{"holds no tierkv DB"})
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	runCLI(t, "", "inspect", f).expect(t, 1, nil, []string{"not a directory"})
}
