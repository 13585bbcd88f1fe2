package disktier

import (
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestLifetimeCounters checks that the write counters survive reopening:
// a later process (read-only, as tierkv inspect opens) sees what earlier
// ones wrote, and a writable reopen adds to them.
func TestLifetimeCounters(t *testing.T) {
	fs := vfs.NewMem()
	var prev WriteCounters
	for round := uint64(1); round <= 3; round++ {
		s := openMem(t, fs, nil)
		if got := s.Metrics().Lifetime; got != prev {
			t.Fatalf("round %d: lifetime at open = %+v, want the last recorded %+v", round, got, prev)
		}
		if err := writeBatch(t, s, "k", round); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		if err := s.Flush(); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		m := s.Metrics()
		want := prev.plus(WriteCounters{m.UserBytesWritten, m.FlushBytesWritten, m.CompactionBytesWritten})
		if m.Lifetime != want || m.FlushBytesWritten == 0 || m.UserBytesWritten == 0 {
			t.Fatalf("round %d: lifetime %+v, want earlier %+v + this process's %+v", round, m.Lifetime, prev, want)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		onDisk, err := ReadLifetimeCounters(fs, "disk")
		if err != nil {
			t.Fatalf("ReadLifetimeCounters: %v", err)
		}
		if onDisk.UserBytes != want.UserBytes || onDisk.FlushBytes < want.FlushBytes {
			t.Fatalf("round %d: recorded %+v, want at least %+v", round, onDisk, want)
		}
		ro := openMem(t, fs, &Options{ReadOnly: true})
		if got := ro.Metrics().Lifetime; got != onDisk {
			t.Fatalf("round %d: read-only open reports %+v, recorded %+v", round, got, onDisk)
		}
		if wa := ro.Metrics().Lifetime.WriteAmp(); wa <= 0 {
			t.Fatalf("round %d: lifetime write amp %v after flushes, want > 0", round, wa)
		}
		if err := ro.Close(); err != nil {
			t.Fatalf("Close read-only: %v", err)
		}
		prev = onDisk
	}
}

// TestFlushedRecordV1 checks that the first layout of the record (watermark
// and checksum only) still opens, with zero lifetime counters.
func TestFlushedRecordV1(t *testing.T) {
	fs := vfs.NewMem()
	if err := fs.MkdirAll("disk", 0o755); err != nil {
		t.Fatal(err)
	}
	var buf [flushedFileLenV1]byte
	binary.BigEndian.PutUint64(buf[:8], 0)
	binary.BigEndian.PutUint32(buf[8:], crc32.Checksum(buf[:8], castagnoli))
	f, err := fs.Create("disk/"+flushedFile, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(buf[:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	s := openMem(t, fs, nil)
	defer s.Close()
	if got := s.Metrics().Lifetime; got != (WriteCounters{}) {
		t.Fatalf("lifetime from a v1 record = %+v, want zero", got)
	}
}

func TestReadLifetimeCountersMissing(t *testing.T) {
	c, err := ReadLifetimeCounters(vfs.NewMem(), "nowhere")
	if err != nil || c != (WriteCounters{}) {
		t.Fatalf("ReadLifetimeCounters of no store = %+v, %v; want zero, nil", c, err)
	}
}
