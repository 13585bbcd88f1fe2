package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strconv"
)

// readRuns reads a runs.csv that writeCSVs wrote, so that -report can
// redo the tables and charts of an earlier run without rerunning it. It
// sets cfg's engines, workloads and rounds from the file (in the order of
// first appearance).
func readRuns(path string, cfg *config) ([]runResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("%s: no runs (%v)", path, err)
	}
	cfg.Engines, cfg.Workloads, cfg.Rounds = nil, nil, 0
	var runs []runResult
	for i, r := range rows[1:] {
		if len(r) < 12 {
			return nil, fmt.Errorf("%s: line %d: %d fields", path, i+2, len(r))
		}
		var x runResult
		var errs [8]error
		x.Round, errs[0] = strconv.Atoi(r[0])
		x.Workload, x.Engine = r[1], r[2]
		x.Ops, errs[1] = strconv.ParseInt(r[3], 10, 64)
		x.Seconds, errs[2] = strconv.ParseFloat(r[4], 64)
		x.OpsPerSec, errs[3] = strconv.ParseFloat(r[5], 64)
		x.ShiftedOpsPerSec, _ = strconv.ParseFloat(r[6], 64)
		x.P50Micros, errs[4] = strconv.ParseFloat(r[7], 64)
		x.P99Micros, errs[5] = strconv.ParseFloat(r[8], 64)
		x.UserBytes, errs[6] = strconv.ParseInt(r[9], 10, 64)
		x.DiskBytes, errs[7] = strconv.ParseInt(r[10], 10, 64)
		x.PeakRSS, _ = strconv.ParseInt(r[11], 10, 64)
		if len(r) > 12 {
			x.CacheHitRatio, _ = strconv.ParseFloat(r[12], 64)
		}
		for _, err := range errs {
			if err != nil {
				return nil, fmt.Errorf("%s: line %d: %w", path, i+2, err)
			}
		}
		if !slices.Contains(cfg.Engines, x.Engine) {
			cfg.Engines = append(cfg.Engines, x.Engine)
		}
		if !slices.Contains(cfg.Workloads, x.Workload) {
			cfg.Workloads = append(cfg.Workloads, x.Workload)
		}
		cfg.Rounds = max(cfg.Rounds, x.Round)
		runs = append(runs, x)
	}
	return runs, nil
}
