package fuzz_test

// source hands the fuzzer's bytes out one decision at a time. Once they run
// out every read returns zero (and more reports false), so any input
// decodes to a finite program.
type source struct {
	data []byte
	pos  int
}

func (s *source) more() bool { return s.pos < len(s.data) }

func (s *source) u8() byte {
	if s.pos >= len(s.data) {
		return 0
	}
	b := s.data[s.pos]
	s.pos++
	return b
}

// take returns a copy of the next n bytes, fewer if the input ends first.
func (s *source) take(n int) []byte {
	n = min(n, len(s.data)-s.pos)
	p := append([]byte{}, s.data[s.pos:s.pos+n]...)
	s.pos += n
	return p
}

// sink is the inverse of source: seed generators write each decision in
// the form source reads it back.
type sink struct{ buf []byte }

func (k *sink) u8(b byte)     { k.buf = append(k.buf, b) }
func (k *sink) put(p []byte)  { k.buf = append(k.buf, p...) }
func (k *sink) bytes() []byte { return k.buf }
