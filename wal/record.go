package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/golang/snappy"
)

const (
	// headerSize is the fixed size of a record header (see doc.go).
	headerSize = 25
	// flagSnappy marks a snappy-compressed payload.
	flagSnappy = 1 << 0
	// minStoredPayload is the smallest payload a writer can produce: a
	// snappy block is never shorter, an uncompressed batch even longer.
	minStoredPayload = 2
	// compressMinBytes is the smallest payload worth trying to compress.
	compressMinBytes = 64
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// header is a decoded record header.
type header struct {
	crc    uint32
	n      uint32 // stored payload length
	flags  byte
	seq    uint64
	synced uint64 // segment bytes known durable when the record was appended
}

// parseHeader decodes the first headerSize bytes of h. It is the only
// function that reads a header.
func parseHeader(h []byte) header {
	_ = h[headerSize-1]
	return header{
		crc:    binary.LittleEndian.Uint32(h[0:]),
		n:      binary.LittleEndian.Uint32(h[4:]),
		flags:  h[8],
		seq:    binary.LittleEndian.Uint64(h[9:]),
		synced: binary.LittleEndian.Uint64(h[17:]),
	}
}

// plausible is a cheap filter applied before the checksum: fields a writer
// can never produce mark the header as garbage.
func (h header) plausible() bool {
	return h.n >= minStoredPayload && h.n <= MaxRecordBytesLimit &&
		h.flags&^flagSnappy == 0 && h.seq != 0
}

// checksum is the CRC-32C of the payload followed by header bytes [4, 25).
// The payload comes first so that appenders can checksum it outside the
// log's lock, adding only the 21 header bytes under it.
func checksum(payloadCRC uint32, h []byte) uint32 {
	return crc32.Update(payloadCRC, crcTable, h[4:headerSize])
}

// encoded is a record prepared outside the lock: its stored payload and
// that payload's CRC. The header is written once seq and synced are known.
type encoded struct {
	payload []byte
	flags   byte
	crc     uint32
	scratch []byte // uncompressed payload, kept for reuse
	snappy  []byte // compression buffer, kept for reuse
}

// encode fills e with the record payload of ops (already validated, with
// uncompressed size size). It compresses when the gate allows an attempt
// and the attempt saves at least 1/8.
func (e *encoded) encode(ops []Op, size int, gate *compressGate) {
	e.scratch = appendPayload(e.scratch[:0], ops)
	e.payload, e.flags = e.scratch, 0
	if gate.attempt(size) {
		if need := snappy.MaxEncodedLen(size); cap(e.snappy) < need {
			e.snappy = make([]byte, need)
		}
		c := snappy.Encode(e.snappy[:cap(e.snappy)], e.scratch)
		saved := len(c) <= size-size/8
		gate.record(saved)
		if saved {
			e.payload, e.flags = c, flagSnappy
		}
	}
	e.crc = crcOf(e.payload)
}

// appendRecord appends the header and payload of e with the given sequence
// number and synced offset.
func appendRecord(dst []byte, e *encoded, seq uint64, synced int64) []byte {
	// The header is built in place: a local array would escape through
	// the CRC call and cost an allocation per record.
	start := len(dst)
	dst = append(dst, make([]byte, headerSize)...)
	h := dst[start:]
	binary.LittleEndian.PutUint32(h[4:], uint32(len(e.payload)))
	h[8] = e.flags
	binary.LittleEndian.PutUint64(h[9:], seq)
	binary.LittleEndian.PutUint64(h[17:], uint64(synced))
	binary.LittleEndian.PutUint32(h[0:], checksum(e.crc, h))
	return append(dst, e.payload...)
}

// badRecord describes the first record of a segment that cannot be read.
type badRecord struct {
	offset int64
	reason string
	// valid is set when the record passed its checksum but is wrong anyway
	// (undecodable payload, sequence out of order): that is never a crash
	// artefact.
	valid bool
}

func (b *badRecord) Error() string {
	return fmt.Sprintf("bad record at offset %d: %s", b.offset, b.reason)
}

// recordReader reads records sequentially. The batch it returns and its
// slices are valid until the next call.
type recordReader struct {
	r       io.Reader
	off     int64  // offset of the next record
	limit   int64  // bytes available, or -1 if unknown
	prevSeq uint64 // records must have larger sequence numbers
	hdr     [headerSize]byte
	stored  []byte
	plain   []byte
	batch   Batch
}

// next returns the next record, io.EOF at a clean end, a *badRecord at a
// record that cannot be read, or an I/O error from the underlying reader.
func (rr *recordReader) next() (*Batch, error) {
	off := rr.off
	if rr.limit >= 0 && off == rr.limit {
		return nil, io.EOF
	}
	n, err := io.ReadFull(rr.r, rr.hdr[:])
	if err == io.EOF && n == 0 {
		return nil, io.EOF
	}
	if err == io.ErrUnexpectedEOF {
		return nil, &badRecord{offset: off, reason: "truncated header"}
	} else if err != nil {
		return nil, err
	}
	h := parseHeader(rr.hdr[:])
	if !h.plausible() {
		return nil, &badRecord{offset: off, reason: "invalid header"}
	}
	if rr.limit >= 0 && int64(h.n) > rr.limit-off-headerSize {
		return nil, &badRecord{offset: off, reason: "truncated payload"}
	}
	if rr.stored, err = readGrow(rr.r, rr.stored, int(h.n)); err == io.ErrUnexpectedEOF || err == io.EOF {
		return nil, &badRecord{offset: off, reason: "truncated payload"}
	} else if err != nil {
		return nil, err
	}
	if checksum(crcOf(rr.stored), rr.hdr[:]) != h.crc {
		return nil, &badRecord{offset: off, reason: "checksum mismatch"}
	}
	if h.seq <= rr.prevSeq {
		return nil, &badRecord{offset: off, reason: "sequence number out of order", valid: true}
	}
	if err := rr.decode(h); err != nil {
		return nil, &badRecord{offset: off, reason: err.Error(), valid: true}
	}
	rr.off += headerSize + int64(h.n)
	rr.prevSeq = h.seq
	rr.batch.Seq = h.seq
	return &rr.batch, nil
}

// decode decompresses (if flagged) and decodes the stored payload.
func (rr *recordReader) decode(h header) error {
	p := rr.stored
	if h.flags&flagSnappy != 0 {
		n, err := snappy.DecodedLen(p)
		if err != nil || n > MaxRecordBytesLimit {
			return errBadPayload
		}
		if cap(rr.plain) < n {
			rr.plain = make([]byte, n)
		}
		if p, err = snappy.Decode(rr.plain[:n], p); err != nil {
			return errBadPayload
		}
	}
	return decodePayload(p, &rr.batch)
}

// readGrow reads exactly n bytes into buf (reused), growing it step by step
// so that a bogus length on a short input never allocates much.
func readGrow(r io.Reader, buf []byte, n int) ([]byte, error) {
	if cap(buf) >= n {
		buf = buf[:n]
		_, err := io.ReadFull(r, buf)
		return buf, err
	}
	buf = buf[:0]
	for len(buf) < n {
		step := min(n-len(buf), max(len(buf), 64<<10))
		if cap(buf)-len(buf) < step {
			nb := make([]byte, len(buf), len(buf)+step)
			copy(nb, buf)
			buf = nb
		}
		m, err := io.ReadFull(r, buf[len(buf):len(buf)+step])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// ReadSegment decodes the records of one segment's bytes from r, in order,
// calling fn with each batch and the byte offset of its record. It verifies
// every checksum and that sequence numbers increase. It returns nil at a
// clean end of input, the error of fn (which stops reading), r's I/O
// errors, or a *CorruptionError (File empty, Offset set) at the first
// record that cannot be read, whether torn or damaged: telling the two
// apart needs the whole log, which is what Open does.
//
// The Batch and its slices are valid only during the call to fn.
// ReadSegment is safe for concurrent use on distinct readers.
func ReadSegment(r io.Reader, fn func(b *Batch, offset int64) error) error {
	rr := recordReader{r: r, limit: -1}
	for {
		off := rr.off
		b, err := rr.next()
		if err == io.EOF {
			return nil
		}
		if bad, ok := errors.AsType[*badRecord](err); ok {
			return &CorruptionError{Offset: bad.offset, Reason: bad.reason}
		}
		if err != nil {
			return err
		}
		if err := fn(b, off); err != nil {
			return err
		}
	}
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, crcTable) }
