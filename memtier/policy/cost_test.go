package policy

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestCostAccounting is the property test of every policy: after any
// sequence of operations Cost() equals the sum of the resident entries'
// costs, Len() their number, victims are resident (or the id being
// inserted), and after an Insert or Update the cost is within capacity.
func TestCostAccounting(t *testing.T) {
	for _, kind := range Kinds() {
		for _, seed := range []uint64{1, 2, 3} {
			t.Run(fmt.Sprintf("kind=%s/seed=%d", kind, seed), func(t *testing.T) {
				checkCostAccounting(t, kind, seed)
			})
		}
	}
}

type costModel struct {
	t        *testing.T
	p        Policy
	resident map[ID]int64
	free     []ID
	next     ID
}

func (m *costModel) alloc() ID {
	if n := len(m.free); n > 0 {
		id := m.free[n-1]
		m.free = m.free[:n-1]
		return id
	}
	m.next++
	return m.next - 1
}

// apply records victims, checking each was resident or is the newcomer.
func (m *costModel) apply(op string, newcomer ID, victims []ID) {
	m.t.Helper()
	for _, v := range victims {
		if _, ok := m.resident[v]; !ok && v != newcomer {
			m.t.Fatalf("%s: victim %d is not resident", op, v)
		}
		delete(m.resident, v)
		m.free = append(m.free, v)
	}
}

func (m *costModel) check(op string, afterEvict bool) {
	m.t.Helper()
	var sum int64
	for _, c := range m.resident {
		sum += c
	}
	if m.p.Cost() != sum || m.p.Len() != len(m.resident) {
		m.t.Fatalf("%s: Cost %d Len %d, want %d %d", op, m.p.Cost(), m.p.Len(), sum, len(m.resident))
	}
	if afterEvict && sum > m.p.Capacity() {
		m.t.Fatalf("%s: cost %d over capacity %d", op, sum, m.p.Capacity())
	}
}

func (m *costModel) any(r *rand.Rand) (ID, bool) {
	for id := range m.resident { // map order is random enough here
		return id, true
	}
	return 0, false
}

func checkCostAccounting(t *testing.T, kind Kind, seed uint64) {
	const capacity = 1000
	r := rand.New(rand.NewPCG(seed, 99))
	p := mustNew(t, kind, Options{Capacity: capacity, ExpectedEntries: 32, Seed: seed})
	m := &costModel{t: t, p: p, resident: map[ID]int64{}}
	cost := func() int64 {
		if r.IntN(50) == 0 {
			return capacity + 1 + r.Int64N(100) // bigger than the whole capacity
		}
		return 1 + r.Int64N(capacity/8)
	}
	for step := range 20_000 {
		hash := r.Uint64() % 512 // repeated hashes: the sketches see popularity
		switch op := r.IntN(10); {
		case op < 3:
			id, c := m.alloc(), cost()
			victims := p.Insert(id, hash, c, nil)
			m.resident[id] = c
			m.apply("Insert", id, victims)
			m.check(fmt.Sprintf("step %d Insert cost %d", step, c), true)
		case op < 5:
			id, c := m.alloc(), cost()
			ok, victims := p.Promote(id, hash, c, nil)
			if ok {
				m.resident[id] = c
				m.apply("Promote", id, victims)
			} else {
				if len(victims) != 0 {
					t.Fatalf("step %d: rejected Promote returned victims %v", step, victims)
				}
				m.free = append(m.free, id)
			}
			m.check(fmt.Sprintf("step %d Promote", step), true)
		case op < 6:
			if id, ok := m.any(r); ok {
				c := cost()
				victims := p.Update(id, c, nil)
				m.resident[id] = c
				m.apply("Update", id, victims)
				m.check(fmt.Sprintf("step %d Update cost %d", step, c), true)
			}
		case op < 7:
			if id, ok := m.any(r); ok {
				p.Remove(id)
				delete(m.resident, id)
				m.free = append(m.free, id)
				m.check(fmt.Sprintf("step %d Remove", step), false)
			}
		case op < 9:
			if id, ok := m.any(r); ok {
				p.Touch(id, hash)
			}
		default:
			p.Miss(hash)
		}
	}
}
