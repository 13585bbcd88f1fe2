package sim

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Format names a trace file format (see the traces README, section 2).
type Format string

// The formats of the trace collection.
const (
	FormatARC           Format = "arc"           // text "start n ignored reqno": n requests start..start+n-1
	FormatLIRS          Format = "lirs"          // text, one block per line; empty and "*" lines skipped
	FormatText          Format = "text"          // libCacheSim text: one decimal id per line
	FormatInt32BE       Format = "int32be"       // cache2k: 4-byte big-endian signed
	FormatInt64BE       Format = "int64be"       // Scarab, Corda: 8-byte big-endian signed
	FormatUint32BE      Format = "uint32be"      // CloudPhysics w106: 4-byte big-endian unsigned
	FormatOracleGeneral Format = "oraclegeneral" // libCacheSim: 24-byte little-endian records with sizes
)

// Request is one key lookup of a trace. Size is the object's size in bytes
// for traces that record it (oracleGeneral), 1 otherwise.
type Request struct {
	Key  uint64
	Size uint32
}

// batchSize is how many requests Parse hands over per call.
const batchSize = 1 << 14

// oracleRecordSize is the size of one libCacheSim oracleGeneral record.
const oracleRecordSize = 24

// Parse reads a decompressed trace in format f and calls fn with batches of
// requests in trace order. The batch slice is reused: fn must not keep it.
// Parse stops at the first error of fn, or returns ErrFormat (wrapped, with
// the line or record number) for malformed data.
func Parse(r io.Reader, f Format, fn func([]Request) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	b := &batcher{fn: fn, buf: make([]Request, 0, batchSize)}
	var err error
	switch f {
	case FormatARC:
		err = parseLines(br, b, parseARCLine)
	case FormatLIRS, FormatText:
		err = parseLines(br, b, parseKeyLine)
	case FormatInt32BE:
		err = parseFixed(br, b, 4, func(p []byte) Request {
			return Request{Key: uint64(int64(int32(binary.BigEndian.Uint32(p)))), Size: 1}
		})
	case FormatUint32BE:
		err = parseFixed(br, b, 4, func(p []byte) Request {
			return Request{Key: uint64(binary.BigEndian.Uint32(p)), Size: 1}
		})
	case FormatInt64BE:
		err = parseFixed(br, b, 8, func(p []byte) Request {
			return Request{Key: binary.BigEndian.Uint64(p), Size: 1}
		})
	case FormatOracleGeneral:
		err = parseFixed(br, b, oracleRecordSize, func(p []byte) Request {
			return Request{Key: binary.LittleEndian.Uint64(p[4:12]), Size: binary.LittleEndian.Uint32(p[12:16])}
		})
	default:
		return fmt.Errorf("sim: format %q: %w", f, ErrFormat)
	}
	if err != nil {
		return err
	}
	return b.flush()
}

// batcher collects requests and hands them to fn in batches.
type batcher struct {
	fn  func([]Request) error
	buf []Request
}

func (b *batcher) add(r Request) error {
	b.buf = append(b.buf, r)
	if len(b.buf) == cap(b.buf) {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	err := b.fn(b.buf)
	b.buf = b.buf[:0]
	return err
}

// parseLines feeds every line (without its line ending) to parse.
func parseLines(br *bufio.Reader, b *batcher, parse func([]byte, *batcher) error) error {
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("sim: line %d longer than %d bytes: %w", n, br.Size(), ErrFormat)
		}
		if len(line) > 0 {
			if perr := parse(line, b); perr != nil {
				if errors.Is(perr, ErrFormat) {
					return fmt.Errorf("sim: line %d: %w", n, perr)
				}
				return perr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sim: reading line %d: %w", n, err)
		}
	}
}

// parseKeyLine reads a LIRS or libCacheSim text line: one decimal key, after
// trimming whitespace (CRLF endings); empty lines and "*" are skipped.
func parseKeyLine(line []byte, b *batcher) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || (len(line) == 1 && line[0] == '*') {
		return nil
	}
	k, rest, err := parseInt(line)
	if err != nil || len(bytes.TrimSpace(rest)) != 0 {
		return fmt.Errorf("bad key (%d bytes): %w", len(line), ErrFormat)
	}
	return b.add(Request{Key: uint64(k), Size: 1})
}

// parseARCLine expands "start n ignored reqno" into n requests.
func parseARCLine(line []byte, b *batcher) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil
	}
	start, rest, err := parseInt(line)
	if err != nil {
		return fmt.Errorf("bad start block: %w", ErrFormat)
	}
	n, _, err := parseInt(bytes.TrimLeft(rest, " \t"))
	if err != nil || n < 0 {
		return fmt.Errorf("bad block count: %w", ErrFormat)
	}
	for i := range n {
		if err := b.add(Request{Key: uint64(start + i), Size: 1}); err != nil {
			return err
		}
	}
	return nil
}

// parseInt parses a leading optionally signed decimal integer and returns
// the bytes after it.
func parseInt(p []byte) (int64, []byte, error) {
	neg := false
	if len(p) > 0 && (p[0] == '-' || p[0] == '+') {
		neg = p[0] == '-'
		p = p[1:]
	}
	i, v := 0, uint64(0)
	for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
		if v > (1<<63)/10 {
			return 0, nil, ErrFormat
		}
		v = v*10 + uint64(p[i]-'0')
	}
	if i == 0 || v > 1<<63 || (v == 1<<63 && !neg) {
		return 0, nil, ErrFormat
	}
	if neg {
		return -int64(v), p[i:], nil
	}
	return int64(v), p[i:], nil
}

// parseFixed reads fixed-size binary records; a partial final record is
// malformed.
func parseFixed(br *bufio.Reader, b *batcher, size int, decode func([]byte) Request) error {
	rec := make([]byte, size)
	for n := 0; ; n++ {
		if _, err := io.ReadFull(br, rec); err != nil {
			if err == io.EOF {
				return nil
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("sim: record %d truncated: %w", n, ErrFormat)
			}
			return fmt.Errorf("sim: reading record %d: %w", n, err)
		}
		if err := b.add(decode(rec)); err != nil {
			return err
		}
	}
}
