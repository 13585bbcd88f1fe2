package policy

import "fmt"

// Kind names a policy.
type Kind string

// The policies New knows.
const (
	KindWTinyLFU Kind = "wtinylfu" // the default
	KindLRU      Kind = "lru"
	KindLFU      Kind = "lfu"
	KindRandom   Kind = "random"
)

// Kinds lists every policy New knows, the default first.
func Kinds() []Kind { return []Kind{KindWTinyLFU, KindLRU, KindLFU, KindRandom} }

// ID identifies a resident entry. Ids are dense: the tier hands them out from
// a free list starting at 0, so a policy may index slices by them.
type ID uint32

// Policy decides which entries stay resident within a capacity measured in
// cost units (bytes for the memory tier, 1 per entry in the simulator).
//
// Victims are appended to the slice passed in and returned; a policy forgets
// each victim as it names it, so the caller must not Remove it again. A
// Policy is not safe for concurrent use.
type Policy interface {
	// Touch records a hit on resident entry id, whose key hashes to hash.
	Touch(id ID, hash uint64)
	// Miss records a lookup of a key (by hash) that is not resident, so a
	// frequency-based policy learns about keys before they are admitted.
	Miss(hash uint64)
	// Insert makes id resident with the given cost, unconditionally (a
	// write must enter the tier), and appends the victims needed to bring
	// the total cost within capacity. The victims may include id itself.
	Insert(id ID, hash uint64, cost int64, victims []ID) []ID
	// Promote offers id (a key read from the disk tier) for residency. It is
	// admitted only if there is room or the policy judges it hotter than
	// what it would evict; then it is resident and victims are appended.
	// If not admitted, nothing changes and admitted is false.
	Promote(id ID, hash uint64, cost int64, victims []ID) (admitted bool, _ []ID)
	// Update changes the cost of resident entry id (an overwrite in place)
	// and appends the victims needed to get back within capacity.
	Update(id ID, cost int64, victims []ID) []ID
	// Remove forgets resident entry id (deleted, or dropped by the tier).
	Remove(id ID)
	// Len returns the number of resident entries the policy tracks.
	Len() int
	// Cost returns the total cost of the resident entries.
	Cost() int64
	// Capacity returns the capacity in cost units.
	Capacity() int64
}

// Options configures a policy. The zero value is not valid: Capacity is required.
type Options struct {
	// Capacity is the total cost the policy keeps resident. Required (> 0).
	Capacity int64
	// ExpectedEntries sizes frequency sketches; default Capacity/DefaultCostPerEntry,
	// at least 64 and at most MaxDefaultExpectedEntries. Policies grow their
	// sketches as Len grows.
	ExpectedEntries int
	// Seed seeds any randomness (Random's sampling, sketch hashing); default 1.
	Seed uint64
	// Samples is how many resident entries Random compares per eviction (it
	// evicts the least recently used of them); default DefaultSamples. 1
	// gives uniformly random eviction.
	Samples int
	// WindowPercent is W-TinyLFU's initial window share of the capacity, in
	// percent (0 < WindowPercent < 100); default DefaultWindowPercent.
	WindowPercent float64
	// FixedWindow keeps W-TinyLFU's window at WindowPercent instead of
	// tuning it. Default false (adaptive).
	FixedWindow bool
	// HillClimber tunes W-TinyLFU's window with Caffeine's hill climber
	// (compare the hit ratios of consecutive samples) instead of ghost
	// feedback (which side of the cache would have caught each miss).
	// Default false: ghost feedback meets more of the published floors
	// (docs/BENCHMARKS.md).
	HillClimber bool
	// Doorkeeper puts a Bloom filter in front of the frequency sketch of
	// W-TinyLFU and LFU (TinyLFU paper, section 3.4.2): a key's first access
	// per aging period sets doorkeeper bits instead of counters. Default
	// false: the doorkeeper is what lets TinyLFU shrink its sketch, and with
	// the sketch kept at full size it only costs accuracy (on OLTP, 0.2 to
	// 1.5 points of hit ratio; see docs/BENCHMARKS.md).
	Doorkeeper bool
}

// DefaultCostPerEntry is the cost per entry assumed when ExpectedEntries is unset.
const DefaultCostPerEntry = 128

// MaxDefaultExpectedEntries caps the default ExpectedEntries: the sketch
// (and ghosts) start at most that large and grow with the entries actually
// resident (doubling, from 1.25 times what they were sized for), so that a
// large, empty capacity does not allocate and zero a sketch of a sixteenth
// of it up front (a 64 GiB memory tier took 4 GiB and 7.9 s at creation).
// Up to 32 MiB of capacity at DefaultCostPerEntry nothing changes.
const MaxDefaultExpectedEntries = 256 << 10

// withDefaults returns a copy of o with every default filled in.
func (o Options) withDefaults() Options {
	if o.ExpectedEntries <= 0 {
		o.ExpectedEntries = int(min(max(64, o.Capacity/DefaultCostPerEntry), MaxDefaultExpectedEntries))
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Samples <= 0 {
		o.Samples = DefaultSamples
	}
	if o.WindowPercent == 0 {
		o.WindowPercent = DefaultWindowPercent
	}
	return o
}

// New returns a policy of the given kind; an empty kind means the default,
// W-TinyLFU.
func New(kind Kind, opts Options) (Policy, error) {
	if opts.Capacity <= 0 {
		return nil, fmt.Errorf("policy: capacity %d: %w", opts.Capacity, ErrBadOptions)
	}
	if opts.WindowPercent < 0 || opts.WindowPercent >= 100 {
		return nil, fmt.Errorf("policy: window %v%%: %w", opts.WindowPercent, ErrBadOptions)
	}
	opts = opts.withDefaults()
	switch kind {
	case "", KindWTinyLFU:
		return newWTinyLFU(opts), nil
	case KindLRU:
		return newLRU(opts), nil
	case KindLFU:
		return newLFU(opts), nil
	case KindRandom:
		return newRandom(opts), nil
	default:
		return nil, fmt.Errorf("policy: unknown kind %q: %w", kind, ErrBadOptions)
	}
}
