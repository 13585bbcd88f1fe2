package memtier

import (
	"bytes"
	"fmt"
	"testing"
)

// TestPromoteRefusalAllocates checks that an offer the policy refuses
// copies and compresses nothing: the policy is asked before the record is
// built.
func TestPromoteRefusalAllocates(t *testing.T) {
	const resident = 1000
	vals := benchValues(1, 600, false) // incompressible: charged in full
	keys := benchKeys(resident + 2000)
	tr := newTier(t, &Options{BudgetBytes: resident * (16 + 600 + EntryOverhead)})
	tr.lossless = true // every read reaches the sketch at once
	for i := range resident {
		tr.Put(keys[i], vals[0], uint64(i+1), false)
	}
	tr.MarkClean(tr.Dirty(^uint64(0)))
	for range 8 {
		for i := range resident {
			tr.Get(keys[i], nil)
		}
	}
	before := tr.Stats()
	next := resident
	allocs := testing.AllocsPerRun(1000, func() {
		k := keys[next]
		next++
		tr.Promote(k, vals[0], 1, tr.Generation(k))
	})
	st := tr.Stats()
	refused := st.PromotionsRejected - before.PromotionsRejected
	if refused < 900 {
		t.Fatalf("only %d of 1001 cold offers refused; the test needs refusals", refused)
	}
	// The few admitted offers allocate their record; refusals must not.
	if admitted := st.Promotions - before.Promotions; allocs > float64(admitted)/1001+0.01 {
		t.Fatalf("Promote allocates %.3f times per offer with %d of 1001 admitted", allocs, admitted)
	}
	checkInvariants(t, tr)
}

// TestPromoteChargesCompressedSize checks that an admitted promotion is
// charged (by the tier and in the policy) its compressed size, though the
// policy was asked with the uncompressed one, and that a value too large
// for the policy uncompressed is still admitted when it compresses under
// the bound.
func TestPromoteChargesCompressedSize(t *testing.T) {
	text := benchValues(1, 4000, true)[0]
	tests := []struct {
		name   string
		budget int64
		value  []byte
	}{
		{"small", 1 << 20, text[:1000]},
		{"over-bound-uncompressed", 24 << 10, text}, // 4000 > 24K/8, compressed < 3K
		{"incompressible", 1 << 20, benchValues(1, 1000, false)[0]},
		{"prebuilt", 4 << 20, benchValues(1, promotePrebuildBytes, true)[0]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTier(t, &Options{BudgetBytes: tc.budget, CompressMinBytes: 64})
			k := []byte("key")
			if !tr.Promote(k, tc.value, 7, tr.Generation(k)) {
				t.Fatal("promotion refused")
			}
			got, seq, _, ok := tr.Get(k, nil)
			if !ok || seq != 7 || !bytes.Equal(got, tc.value) {
				t.Fatalf("Get after Promote: ok=%v seq=%d len %d", ok, seq, len(got))
			}
			st := tr.Stats()
			e := makeEntry(k, tc.value, 7, 0, newCompressor(64))
			if st.Bytes != e.charge() || st.PolicyBytes != e.charge() {
				t.Fatalf("charged %d (policy %d), want %d", st.Bytes, st.PolicyBytes, e.charge())
			}
			checkInvariants(t, tr)
		})
	}
}

// TestPromoteFillsToBudget promotes compressible values until the tier is
// full and checks the policy never held more than the budget once the
// charges were corrected. Later keys are offered more often (each offer
// counts as an access), so once the tier is full they are hotter than its
// victims and displace them: a candidate merely as hot as its victim is
// refused.
func TestPromoteFillsToBudget(t *testing.T) {
	vals := benchValues(16, 2000, true)
	tr := newTier(t, &Options{BudgetBytes: 64 << 10, CompressMinBytes: 64})
	for i := range 400 {
		k := fmt.Appendf(nil, "k%04d", i)
		tr.Get(k, nil)
		for range 1 + i/80 {
			if tr.Promote(k, vals[i%len(vals)], uint64(i+1), tr.Generation(k)) {
				break
			}
		}
		if i%50 == 0 {
			checkInvariants(t, tr)
		}
	}
	checkInvariants(t, tr)
	if st := tr.Stats(); st.Promotions == 0 || st.Evictions == 0 {
		t.Fatalf("promotions %d, evictions %d: the tier never filled", st.Promotions, st.Evictions)
	}
}
