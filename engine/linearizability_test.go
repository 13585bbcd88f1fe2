package engine_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/tierkv/tierkv/engine"
)

type kvInput struct {
	op    string // "get", "put", "del"
	key   string
	value string
}

type kvOutput struct {
	value string
	found bool
}

// registerModel is a map of registers, partitioned by key.
var registerModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(kvInput).key
			byKey[k] = append(byKey[k], op)
		}
		var parts [][]porcupine.Operation
		for _, ops := range byKey {
			parts = append(parts, ops)
		}
		return parts
	},
	Init: func() any { return kvOutput{} },
	Step: func(state, input, output any) (bool, any) {
		st, in, out := state.(kvOutput), input.(kvInput), output.(kvOutput)
		switch in.op {
		case "get":
			return out == st, st
		case "put":
			return true, kvOutput{value: in.value, found: true}
		default:
			return true, kvOutput{}
		}
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(kvInput), output.(kvOutput)
		if in.op == "get" {
			return fmt.Sprintf("get(%s) -> %q,%v", in.key, out.value, out.found)
		}
		return fmt.Sprintf("%s(%s, %q)", in.op, in.key, in.value)
	},
}

// TestLinearizable runs concurrent clients on a few keys with a tiny memory
// budget (so every key moves between the tiers constantly) and a background
// checkpointer, and checks the history with porcupine.
func TestLinearizable(t *testing.T) {
	for _, policy := range []engine.Policy{engine.PolicyWTinyLFU, engine.PolicyLRU} {
		t.Run("policy="+string(policy), func(t *testing.T) {
			db, err := engine.Open("db", &engine.Options{FS: vfs.NewMem(), MemTierBytes: 512, Policy: policy, Sync: engine.SyncNever})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			keys := []string{"a", "b", "c"}
			// Fill the memory tier with other keys so a, b and c get evicted.
			for i := range 50 {
				if err := db.Put(fmt.Appendf(nil, "filler%02d", i), make([]byte, 40)); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			var mu sync.Mutex
			var history []porcupine.Operation
			var wg sync.WaitGroup
			stop := make(chan struct{})
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := db.Checkpoint(); err != nil {
						t.Error(err)
						return
					}
				}
			})
			var clients sync.WaitGroup
			for c := range 4 {
				clients.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(c), 3))
					for i := range 300 {
						in := kvInput{key: keys[rng.IntN(len(keys))]}
						var out kvOutput
						call := time.Since(start).Nanoseconds()
						switch r := rng.IntN(10); {
						case r < 5:
							in.op = "get"
							v, err := db.Get([]byte(in.key))
							if err != nil && !errors.Is(err, engine.ErrNotFound) {
								t.Error(err)
								return
							}
							out = kvOutput{value: string(v), found: err == nil}
						case r < 8:
							in.op, in.value = "put", fmt.Sprintf("c%d-%d", c, i)
							if err := db.Put([]byte(in.key), []byte(in.value)); err != nil {
								t.Error(err)
								return
							}
						default:
							in.op = "del"
							if err := db.Delete([]byte(in.key)); err != nil {
								t.Error(err)
								return
							}
						}
						ret := time.Since(start).Nanoseconds()
						mu.Lock()
						history = append(history, porcupine.Operation{ClientId: c, Input: in, Call: call, Output: out, Return: ret})
						mu.Unlock()
						// Churn the memory tier so the key is evicted between operations.
						if err := db.Put(fmt.Appendf(nil, "filler%02d", rng.IntN(50)), make([]byte, 40)); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			clients.Wait()
			close(stop)
			wg.Wait()
			res := porcupine.CheckOperationsTimeout(registerModel, history, 60*time.Second)
			if res != porcupine.Ok {
				t.Fatalf("history of %d operations is not linearizable: %s", len(history), res)
			}
		})
	}
}
