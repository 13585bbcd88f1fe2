package sim

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Units of capacity, as in the reference CSV.
const (
	UnitKeys      = "keys"
	UnitPages     = "pages"     // OLTP: one expanded key is one page
	UnitPages512B = "pages512B" // the P traces: one expanded key is one 512-byte page
	UnitMiBBytes  = "MiB-bytes" // byte capacity: size x 2^20, costs are object sizes
)

// Trace describes one trace file of the collection.
type Trace struct {
	Name   string  // as in the reference CSV's trace column
	File   string  // path relative to the traces directory
	Format Format  // how to parse it
	Unit   string  // what a capacity counts
	Sizes  []int64 // the capacities the published tables use, in Unit
}

// ByteSized reports whether capacities count bytes (costs are object sizes)
// rather than entries (every cost is 1).
func (t Trace) ByteSized() bool { return t.Unit == UnitMiBBytes }

// Capacity converts a size in the trace's unit to policy cost units.
func (t Trace) Capacity(size int64) int64 {
	if t.ByteSized() {
		return size << 20
	}
	return size
}

var (
	lirsSizes   = []int64{50, 100, 200, 300, 500, 1000, 2000}
	arcPSizes   = []int64{1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288}
	cache2kWeb  = []int64{300, 500, 1000, 1200, 2000, 3000, 4000}
	cache2kORM  = []int64{625, 1000, 1250, 2500, 5000, 10000, 20000}
	mibSizes    = []int64{128, 256, 384, 512, 640, 768, 896, 1024}
	glimpseSize = []int64{250, 500, 750, 1000, 1250, 1500, 1750, 2000}
)

// Catalog returns every trace of the collection with the sizes its reference
// figures use. The slice is freshly allocated; the caller may modify it.
func Catalog() []Trace {
	lirs := func(name, file string, sizes []int64) Trace {
		return Trace{Name: name, File: "lirs/" + file, Format: FormatLIRS, Unit: UnitKeys, Sizes: sizes}
	}
	arcP := func(name string) Trace {
		return Trace{Name: name, File: "arc/" + name + ".lis.gz", Format: FormatARC, Unit: UnitPages512B, Sizes: arcPSizes}
	}
	return []Trace{
		{Name: "OLTP", File: "arc/OLTP.lis.gz", Format: FormatARC, Unit: UnitPages,
			Sizes: []int64{250, 500, 750, 1000, 1250, 1500, 1750, 2000, 5000, 10000, 15000}},
		arcP("P2"), arcP("P3"), arcP("P6"), arcP("P12"),
		lirs("glimpse", "gli.trace.gz", glimpseSize),
		lirs("loop", "loop.trace.gz", []int64{100, 250, 500, 750, 1000, 1250}),
		lirs("2_pools", "2_pools.trace.gz", lirsSizes),
		lirs("cpp", "cpp.trace.gz", lirsSizes),
		lirs("cs", "cs.trace.gz", lirsSizes),
		lirs("multi1", "multi1.trace.gz", lirsSizes),
		lirs("multi2", "multi2.trace.gz", lirsSizes),
		lirs("multi3", "multi3.trace.gz", lirsSizes),
		lirs("ps", "ps.trace.gz", lirsSizes),
		lirs("sprite", "sprite.trace.gz", lirsSizes),
		lirs("zigzag", "zigzag.trace.gz", lirsSizes),
		lirs("scan", "scan.trace.gz", lirsSizes),
		lirs("backf", "backf.trace.gz", lirsSizes),
		{Name: "web07", File: "cache2k/web07.trace.gz", Format: FormatInt32BE, Unit: UnitKeys, Sizes: cache2kWeb},
		{Name: "web12", File: "cache2k/web12.trace.gz", Format: FormatInt32BE, Unit: UnitKeys, Sizes: cache2kWeb},
		{Name: "orm-busy", File: "cache2k/orm-busy.trace.gz", Format: FormatInt32BE, Unit: UnitKeys, Sizes: cache2kORM},
		{Name: "orm-night", File: "cache2k/orm-night.trace.gz", Format: FormatInt32BE, Unit: UnitKeys, Sizes: cache2kORM},
		{Name: "scarab-recs", File: "scarab/scarab-recs.trace.gz", Format: FormatInt64BE, Unit: UnitKeys,
			Sizes: []int64{1000, 5000, 10000, 25000, 50000, 75000, 100000, 125000}},
		{Name: "w106", File: "cloud_physics/w106.trace.gz", Format: FormatUint32BE, Unit: UnitKeys,
			Sizes: []int64{5000, 25000, 50000, 100000}},
		{Name: "corda-vaultservice", File: "corda/trace_vaultservice.gz", Format: FormatInt64BE, Unit: UnitKeys,
			Sizes: []int64{10, 25, 50, 100, 250, 1000, 5000, 10000, 50000}},
		{Name: "cloudPhysicsIO", File: "libcachesim/cloudPhysicsIO.txt.gz", Format: FormatText, Unit: UnitKeys,
			Sizes: []int64{1000, 5000, 10000, 20000}},
		{Name: "cloudPhysicsIO-bytes", File: "libcachesim/cloudPhysicsIO.oracleGeneral.bin.gz",
			Format: FormatOracleGeneral, Unit: UnitMiBBytes, Sizes: mibSizes},
	}
}

// Lookup returns the catalog's trace of the given name, or ErrUnknownTrace.
func Lookup(name string) (Trace, error) {
	for _, t := range Catalog() {
		if t.Name == name {
			return t, nil
		}
	}
	return Trace{}, fmt.Errorf("sim: trace %q: %w", name, ErrUnknownTrace)
}

// Stream opens the gzip file of trace t under dir and calls fn with batches
// of its requests (see Parse). It checks ctx between batches.
func Stream(ctx context.Context, dir string, t Trace, fn func([]Request) error) error {
	f, err := os.Open(filepath.Join(dir, t.File))
	if err != nil {
		return fmt.Errorf("sim: trace %s: %w", t.Name, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("sim: trace %s: %w", t.Name, err)
	}
	defer zr.Close()
	err = Parse(zr, t.Format, func(batch []Request) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(batch)
	})
	if err != nil {
		return fmt.Errorf("sim: trace %s: %w", t.Name, err)
	}
	return nil
}
