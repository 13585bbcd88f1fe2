package memtier

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/tierkv/tierkv/memtier/policy"
)

// Defaults for the zero fields of Options.
const (
	// DefaultBudgetBytes is the default byte budget: 64 MiB.
	DefaultBudgetBytes = 64 << 20
	// DefaultPolicy is the default eviction and admission policy.
	DefaultPolicy = policy.KindWTinyLFU
	// DefaultShards is the default number of point-index shards. Readers
	// never lock a shard; sharding bounds the work of one table's growth
	// (done by a writer, under the policy mutex) to 1/64 of the entries.
	DefaultShards = 64
	// DefaultMaxEntryFraction is the default share of the budget above which
	// an entry is never admitted by Promote and a Put of it goes straight to
	// the write-back queue: 1/8, so that one entry can never push more than
	// an eighth of the resident set out.
	DefaultMaxEntryFraction = 0.125
	// DefaultCompressMinBytes is the default shortest value that is
	// snappy-compressed in memory (when that saves at least 1/8).
	DefaultCompressMinBytes = 512
	// DefaultSeed is the default hash and policy seed.
	DefaultSeed = 1
	// DefaultAccessSampling is the default share of Gets recorded for the
	// policy: one in 4. Applying an access to a policy over millions of
	// entries costs several cache misses (sketch counters, list
	// neighbours), more than the lookup itself; a uniform sample keeps the
	// relative frequencies and cost 0.15 to 0.6 point of hit ratio on a
	// 1M-access Zipf(0.99) trace (TestLossyAccessHitRatio; docs/BENCHMARKS.md).
	DefaultAccessSampling = 4
)

// MaxShards bounds Options.Shards.
const MaxShards = 1 << 16

// Options configures a Tier. A nil *Options or a zero field means the default.
// New copies the options and never modifies the caller's struct.
type Options struct {
	// BudgetBytes is the byte budget: the sum of the charges of the entries
	// the policy tracks never exceeds it. Default DefaultBudgetBytes.
	BudgetBytes int64
	// Policy is the eviction and admission policy. Default DefaultPolicy.
	Policy policy.Kind
	// Shards is the number of point-index shards, a power of two no larger
	// than MaxShards. Default DefaultShards.
	Shards int
	// MaxEntryFraction is the largest share of BudgetBytes one entry may be
	// charged and still enter the policy; in (0, 1]. Default
	// DefaultMaxEntryFraction.
	MaxEntryFraction float64
	// CompressMinBytes is the shortest value that is snappy-compressed in
	// memory when that saves at least 1/8 of it; negative disables
	// compression. After 8 values in a row that did not compress, a writer
	// tries only one value in 16 until one compresses again (random bytes
	// never do). Default DefaultCompressMinBytes.
	CompressMinBytes int
	// Seed seeds the key hash and the policy. Default DefaultSeed.
	Seed uint64
	// AccessSampling records one Get in AccessSampling (hits and misses
	// alike) for the policy; a power of two, 1 records every Get. Default
	// DefaultAccessSampling.
	AccessSampling int
}

// DefaultOptions returns a fresh Options with every default filled in.
func DefaultOptions() Options {
	return Options{
		BudgetBytes:      DefaultBudgetBytes,
		Policy:           DefaultPolicy,
		Shards:           DefaultShards,
		MaxEntryFraction: DefaultMaxEntryFraction,
		CompressMinBytes: DefaultCompressMinBytes,
		Seed:             DefaultSeed,
		AccessSampling:   DefaultAccessSampling,
	}
}

// withDefaults returns a copy of o (nil meaning zero) with defaults filled in.
func withDefaults(o *Options) Options {
	var c Options
	if o != nil {
		c = *o
	}
	d := DefaultOptions()
	if c.BudgetBytes == 0 {
		c.BudgetBytes = d.BudgetBytes
	}
	if c.Policy == "" {
		c.Policy = d.Policy
	}
	if c.Shards == 0 {
		c.Shards = d.Shards
	}
	if c.MaxEntryFraction == 0 {
		c.MaxEntryFraction = d.MaxEntryFraction
	}
	if c.CompressMinBytes == 0 {
		c.CompressMinBytes = d.CompressMinBytes
	}
	if c.Seed == 0 {
		c.Seed = d.Seed
	}
	if c.AccessSampling == 0 {
		c.AccessSampling = d.AccessSampling
	}
	return c
}

// Validate reports every problem with o at once, wrapped in ErrBadOptions;
// zero fields are valid (they mean the defaults). It does not modify o.
func (o *Options) Validate() error {
	c := withDefaults(o)
	var errs []error
	if c.BudgetBytes < 0 {
		errs = append(errs, fmt.Errorf("BudgetBytes %d is negative", c.BudgetBytes))
	}
	if c.Shards < 0 || c.Shards > MaxShards || bits.OnesCount(uint(c.Shards)) != 1 {
		errs = append(errs, fmt.Errorf("Shards %d is not a power of two in [1, %d]", c.Shards, MaxShards))
	}
	if !(c.MaxEntryFraction > 0 && c.MaxEntryFraction <= 1) {
		errs = append(errs, fmt.Errorf("MaxEntryFraction %v is not in (0, 1]", c.MaxEntryFraction))
	}
	if c.AccessSampling < 0 || c.AccessSampling > 1<<16 || bits.OnesCount(uint(c.AccessSampling)) != 1 {
		errs = append(errs, fmt.Errorf("AccessSampling %d is not a power of two in [1, 65536]", c.AccessSampling))
	}
	if !validKind(c.Policy) {
		errs = append(errs, fmt.Errorf("unknown Policy %q", c.Policy))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrBadOptions, errors.Join(errs...))
}

func validKind(k policy.Kind) bool {
	for _, known := range policy.Kinds() {
		if k == known {
			return true
		}
	}
	return false
}
