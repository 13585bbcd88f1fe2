package wal

import (
	"encoding/binary"
	"errors"
)

// OpKind is the kind of one operation in a batch.
type OpKind uint8

const (
	// OpPut sets Key to Value.
	OpPut OpKind = 1
	// OpDelete removes Key.
	OpDelete OpKind = 2
)

// Op is one operation of a batch.
type Op struct {
	Kind  OpKind
	Key   []byte // never empty
	Value []byte // nil/empty for OpDelete; an empty value is a valid put
}

// Batch is one WAL record: one sequence number and its operations, in order.
type Batch struct {
	Seq uint64
	Ops []Op
}

// errBadPayload marks a payload that passed its checksum but does not decode.
var errBadPayload = errors.New("malformed batch payload")

// payloadSize returns the uncompressed encoded size of ops, or a sentinel
// error for bad input. It is the one place input is validated.
func payloadSize(ops []Op) (int, error) {
	if len(ops) == 0 {
		return 0, ErrEmptyBatch
	}
	n := uvarintLen(uint64(len(ops)))
	for i := range ops {
		op := &ops[i]
		if len(op.Key) == 0 {
			return 0, ErrEmptyKey
		}
		n += 1 + uvarintLen(uint64(len(op.Key))) + len(op.Key)
		switch op.Kind {
		case OpPut:
			n += uvarintLen(uint64(len(op.Value))) + len(op.Value)
		case OpDelete:
			if len(op.Value) != 0 {
				return 0, ErrBadOp
			}
		default:
			return 0, ErrBadOp
		}
	}
	return n, nil
}

// appendPayload appends the encoding of ops (validated by payloadSize):
// uvarint count, then per op: kind byte, uvarint key length, key and, for a
// put, uvarint value length and value.
func appendPayload(dst []byte, ops []Op) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ops)))
	for i := range ops {
		op := &ops[i]
		dst = append(dst, byte(op.Kind))
		dst = binary.AppendUvarint(dst, uint64(len(op.Key)))
		dst = append(dst, op.Key...)
		if op.Kind == OpPut {
			dst = binary.AppendUvarint(dst, uint64(len(op.Value)))
			dst = append(dst, op.Value...)
		}
	}
	return dst
}

// decodePayload decodes p into b.Ops, reusing its capacity. Keys and values
// alias p. Every byte of p must be consumed.
func decodePayload(p []byte, b *Batch) error {
	count, n := binary.Uvarint(p)
	// Each op takes at least 3 bytes, which bounds count before allocating.
	if n <= 0 || count == 0 || count > uint64(len(p)-n)/3 {
		return errBadPayload
	}
	p = p[n:]
	ops := b.Ops[:0]
	for range count {
		var op Op
		var ok bool
		if len(p) < 1 {
			return errBadPayload
		}
		op.Kind = OpKind(p[0])
		if op.Key, p, ok = readBytes(p[1:]); !ok || len(op.Key) == 0 {
			return errBadPayload
		}
		switch op.Kind {
		case OpPut:
			if op.Value, p, ok = readBytes(p); !ok {
				return errBadPayload
			}
		case OpDelete:
		default:
			return errBadPayload
		}
		ops = append(ops, op)
	}
	if len(p) != 0 {
		return errBadPayload
	}
	b.Ops = ops
	return nil
}

// readBytes reads a uvarint length and that many bytes from p.
func readBytes(p []byte) (v, rest []byte, ok bool) {
	l, n := binary.Uvarint(p)
	if n <= 0 || l > uint64(len(p)-n) {
		return nil, nil, false
	}
	p = p[n:]
	return p[:l:l], p[l:], true
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
