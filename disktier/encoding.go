package disktier

import (
	"encoding/binary"
	"fmt"
)

// Namespaces: the first byte of every Pebble key.
const (
	nsUser = 'u'
	nsMeta = 'm'
	// nsUserEnd is the exclusive upper bound of the user namespace.
	nsUserEnd = nsUser + 1
)

// Kinds: the first byte of every stored user value.
const (
	kindValue     = 0
	kindTombstone = 1
)

// headerLen is the size of a stored value's header: kind + 8-byte seq.
const headerLen = 9

// watermarkKey is the metadata key holding the durable watermark.
var watermarkKey = []byte{nsMeta, 'w', 'a', 't', 'e', 'r', 'm', 'a', 'r', 'k'}

// appendUserKey appends the Pebble key of user key k to dst.
func appendUserKey(dst, k []byte) []byte {
	dst = append(dst, nsUser)
	return append(dst, k...)
}

// appendValue appends the stored form of a version to dst.
func appendValue(dst []byte, kind byte, seq uint64, value []byte) []byte {
	dst = append(dst, kind)
	dst = binary.BigEndian.AppendUint64(dst, seq)
	return append(dst, value...)
}

// decodeValue splits a stored value into its parts. The returned value
// aliases v. A malformed value is an error that the caller reports as
// corruption.
func decodeValue(v []byte) (value []byte, seq uint64, tombstone bool, err error) {
	if len(v) < headerLen {
		return nil, 0, false, fmt.Errorf("stored value of %d bytes is shorter than its %d-byte header", len(v), headerLen)
	}
	seq = binary.BigEndian.Uint64(v[1:headerLen])
	switch v[0] {
	case kindValue:
		return v[headerLen:], seq, false, nil
	case kindTombstone:
		if len(v) != headerLen {
			return nil, 0, false, fmt.Errorf("tombstone version carries %d payload bytes", len(v)-headerLen)
		}
		return nil, seq, true, nil
	default:
		return nil, 0, false, fmt.Errorf("stored value has unknown kind %d", v[0])
	}
}

// decodeWatermark decodes the stored watermark.
func decodeWatermark(v []byte) (uint64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("watermark of %d bytes, want 8", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}
