package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
	"github.com/tierkv/tierkv/tools/ycsb"
)

// session is an open DB under measurement, shared by bench and demo.
type session struct {
	dir string
	db  *engine.DB
	fs  *countingFS
	ks  *ycsb.Keyspace
}

// openSession opens (creating) the DB in dir through a counting
// filesystem.
func openSession(dir string, o engine.Options) (*session, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	fs := newCountingFS(vfs.Default, filepath.Join(abs, walDirName)+string(filepath.Separator))
	o.FS = fs
	db, err := engine.Open(abs, &o)
	if err != nil {
		return nil, explainOpen(dir, err)
	}
	return &session{dir: abs, db: db, fs: fs}, nil
}

// loadReport describes the load phase.
type loadReport struct {
	Records   uint64  `json:"records"`
	ValueSize int     `json:"value_size"`
	UserBytes int64   `json:"user_bytes"`
	Seconds   float64 `json:"seconds"`
}

// load writes records 0..n-1, then checkpoints and compacts, so that the
// measured phases start with every record in a settled disk tier: the
// compaction debt of the load would otherwise be charged to the first
// phase's disk writes.
func (s *session) load(n uint64, vsize int, seed uint64, w io.Writer, show bool) (loadReport, error) {
	b := newBar(w, show, int64(n), "load")
	t0 := time.Now()
	user, err := load(s.db, n, vsize, seed, func(done uint64) { b.set(int64(done)) })
	if err == nil {
		b.describe("load: checkpoint and compact")
		err = s.db.Compact(nil, nil)
	}
	b.finish(w)
	s.ks = ycsb.NewKeyspace(n)
	return loadReport{n, vsize, user, time.Since(t0).Seconds()}, err
}

// phase runs one measured workload phase and ends it with a checkpoint,
// whose writes count as the phase's.
func (s *session) phase(cfg workloadConfig, w io.Writer, show bool) (*phaseReport, error) {
	if s.ks == nil {
		s.ks = ycsb.NewKeyspace(cfg.Records)
	}
	w0 := cfg.Workload
	if cfg.Dist != "" {
		w0.Distribution = cfg.Dist
	}
	rep := &phaseReport{Workload: cfg.Workload.Name, Mix: w0.Describe(), Threads: cfg.Threads,
		statsAtStart: s.db.Stats()}
	wal0, disk0 := s.fs.walBytes.Load(), s.fs.other.Load()
	b := newTimeBar(w, show, cfg.Duration, "workload "+cfg.Workload.Name)
	res, err := runPhase(s.db, s.ks, cfg, func(ops int64, el time.Duration) {
		st := s.db.Stats()
		b.describe(fmt.Sprintf("%d ops, %.0f ops/s, memory tier hits %s", ops,
			float64(ops)/el.Seconds(), pctStr(hitRatio(rep.statsAtStart, st))))
		b.set(el.Milliseconds())
	})
	b.finish(w)
	if err != nil {
		return nil, err
	}
	if err := s.db.Checkpoint(); err != nil {
		return nil, fmt.Errorf("checkpoint after the phase: %w", err)
	}
	fillReport(rep, res, s.db.Stats(), s.fs.walBytes.Load()-wal0, s.fs.other.Load()-disk0)
	return rep, nil
}

// hitRatio is the memory tier's share of the Gets between two snapshots.
func hitRatio(a, b engine.Stats) float64 {
	if b.Gets == a.Gets {
		return 0
	}
	return float64(b.MemTierHits-a.MemTierHits) / float64(b.Gets-a.Gets)
}

func (s *session) close() error { return s.db.Close() }
