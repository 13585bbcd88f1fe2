package disktier

import (
	"bytes"
	"testing"
)

// FuzzDecodeValue: decoding arbitrary stored bytes never panics, and what
// decodes re-encodes to the same bytes.
func FuzzDecodeValue(f *testing.F) {
	f.Add(appendValue(nil, kindValue, 7, []byte("value")))
	f.Add(appendValue(nil, kindValue, 0, nil))
	f.Add(appendValue(nil, kindTombstone, 1<<63, nil))
	f.Add([]byte{kindTombstone, 1})
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, seq, tomb, err := decodeValue(raw)
		if err != nil {
			return
		}
		kind := byte(kindValue)
		if tomb {
			kind = kindTombstone
		}
		if again := appendValue(nil, kind, seq, v); !bytes.Equal(again, raw) {
			t.Fatalf("decode/encode of %x gave %x", raw, again)
		}
	})
}
