package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/urfave/cli/v2"
)

// codec turns keys and values typed on the command line into bytes and
// back: text (the default), hex or base64.
type codec int

const (
	codecText codec = iota
	codecHex
	codecBase64
)

var codecFlags = []cli.Flag{
	&cli.BoolFlag{Name: "hex", Usage: "keys and values are hex, in arguments and output"},
	&cli.BoolFlag{Name: "base64", Usage: "keys and values are standard base64, in arguments and output"},
}

func codecOf(c *cli.Context) (codec, error) {
	switch {
	case c.Bool("hex") && c.Bool("base64"):
		return 0, usagef(c.Command.HelpName, "--hex and --base64 exclude each other")
	case c.Bool("hex"):
		return codecHex, nil
	case c.Bool("base64"):
		return codecBase64, nil
	}
	return codecText, nil
}

// decode converts an argument (what names the key or value in messages).
func (cd codec) decode(s, what string) ([]byte, error) {
	var b []byte
	var err error
	switch cd {
	case codecHex:
		b, err = hex.DecodeString(s)
	case codecBase64:
		b, err = base64.StdEncoding.DecodeString(s)
	default:
		return []byte(s), nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s is not valid %s: %w", what, cd, err)
	}
	return b, nil
}

// decodeKey converts a key argument, which must not be empty.
func (cd codec) decodeKey(s string) ([]byte, error) {
	k, err := cd.decode(s, "KEY")
	if err == nil && len(k) == 0 {
		err = fmt.Errorf("KEY must not be empty")
	}
	return k, err
}

// decodeInput converts bytes read from stdin: text is taken verbatim,
// hex and base64 ignore surrounding white space.
func (cd codec) decodeInput(b []byte) ([]byte, error) {
	if cd == codecText {
		return b, nil
	}
	return cd.decode(string(bytes.TrimSpace(b)), "stdin")
}

// encode formats bytes for output. Text that is not printable UTF-8, or
// holds tabs or newlines (the output's separators), is printed Go-quoted so
// that each record stays on one line.
func (cd codec) encode(b []byte) string {
	switch cd {
	case codecHex:
		return hex.EncodeToString(b)
	case codecBase64:
		return base64.StdEncoding.EncodeToString(b)
	}
	if printable(b) {
		return string(b)
	}
	return strconv.Quote(string(b))
}

func printable(b []byte) bool {
	if !utf8.Valid(b) || (len(b) > 0 && b[0] == '"') {
		return false
	}
	for _, r := range string(b) {
		if !strconv.IsPrint(r) || r == '\t' || r == '\n' {
			return false
		}
	}
	return true
}

func (cd codec) String() string {
	return [...]string{"text", "hex", "base64"}[cd]
}

// prefixEnd returns the smallest key greater than every key with the
// prefix p, or nil if there is none (p is all 0xff).
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
