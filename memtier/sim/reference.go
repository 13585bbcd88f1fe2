package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// Reference is one row of the reference CSV (expected_hit_ratios.csv): a
// hit ratio published, computed by a third-party simulator, or computed by
// the collection's own exact LRU/OPT simulator.
type Reference struct {
	Trace    string
	File     string // relative to the traces directory, or "(not included)"
	Capacity int64  // in Unit
	Unit     string
	Policy   string
	HitRatio float64 // percent
	Hits     int64   // -1 when the source gives only a percentage
	Requests int64   // 0 when the trace is not included
	Source   string
	Kind     string // "published", "thirdparty-sim" or "computed"
}

// Reference kinds.
const (
	KindPublished  = "published"
	KindThirdParty = "thirdparty-sim"
	KindComputed   = "computed"
)

var referenceHeader = []string{"trace", "file", "capacity", "unit", "policy", "hit_ratio_pct",
	"hits", "requests", "source", "kind"}

// LoadReference reads the reference CSV at path. It returns ErrReference
// (wrapped, with the line) for a malformed file.
func LoadReference(path string) ([]Reference, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	defer f.Close()
	return ParseReference(f)
}

// ParseReference reads a reference CSV from r (see LoadReference).
func ParseReference(r io.Reader) ([]Reference, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(referenceHeader)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("sim: reference header: %w: %w", ErrReference, err)
	}
	for i, h := range referenceHeader {
		if head[i] != h {
			return nil, fmt.Errorf("sim: reference header field %d is %q, want %q: %w", i, head[i], h, ErrReference)
		}
	}
	var refs []Reference
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return refs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sim: reference line %d: %w: %w", line, ErrReference, err)
		}
		ref, err := parseReferenceRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("sim: reference line %d: %w", line, err)
		}
		refs = append(refs, ref)
	}
}

func parseReferenceRecord(rec []string) (Reference, error) {
	ref := Reference{Trace: rec[0], File: rec[1], Unit: rec[3], Policy: rec[4], Source: rec[8], Kind: rec[9], Hits: -1}
	var err error
	if ref.Capacity, err = strconv.ParseInt(rec[2], 10, 64); err != nil {
		return ref, fmt.Errorf("capacity: %w", ErrReference)
	}
	if ref.HitRatio, err = strconv.ParseFloat(rec[5], 64); err != nil {
		return ref, fmt.Errorf("hit ratio: %w", ErrReference)
	}
	if rec[6] != "" {
		if ref.Hits, err = strconv.ParseInt(rec[6], 10, 64); err != nil {
			return ref, fmt.Errorf("hits: %w", ErrReference)
		}
	}
	if rec[7] != "" {
		if ref.Requests, err = strconv.ParseInt(rec[7], 10, 64); err != nil {
			return ref, fmt.Errorf("requests: %w", ErrReference)
		}
	}
	return ref, nil
}

// ReferencesFor returns the rows of refs about the given trace file at the
// given capacity (in the file's unit), in file order.
func ReferencesFor(refs []Reference, file string, capacity int64) []Reference {
	var out []Reference
	for _, r := range refs {
		if r.File == file && r.Capacity == capacity {
			out = append(out, r)
		}
	}
	return out
}
