package node

import (
	"bytes"
	"encoding/json"
	"strings"
)

// scanEnvelope reads the Maelstrom envelope of one input line, {"src":
// ..., "dest": ..., "body": {...}} with keys in any order and any others
// skipped, without encoding/json's reflection, which a profile of a
// 16-node run found costing a tenth of all node CPU (docs/tuning.md,
// "Where the time goes"). It handles only the plain form every Maelstrom
// line has: ASCII src and dest without escapes, body an object, keys
// spelled exactly. For anything else ok is false and the caller decodes
// the line with encoding/json, so what a line means never depends on
// which path read it.
//
// The body is delimited, not validated: its brackets are matched outside
// strings. The caller decodes the body next and must treat a syntax
// error there as the whole line's (parseLine): the line is valid JSON
// exactly when the body is, since everything around it is checked here.
// The body returned is a copy, as encoding/json's would be: the line's
// buffer is reused for the next line.
func scanEnvelope(line []byte) (src, dest string, body []byte, ok bool) {
	s := envScanner{b: line}
	if !s.consume('{') {
		return "", "", nil, false
	}
	if s.consume('}') {
		return "", "", nil, s.atEnd()
	}
	for {
		key, kok := s.plainString()
		if !kok || !s.consume(':') {
			return "", "", nil, false
		}
		s.space()
		switch key {
		case "src", "dest":
			v, vok := s.plainString()
			if !vok {
				return "", "", nil, false
			}
			if key == "src" {
				src = v
			} else {
				dest = v
			}
		case "body":
			// A second body would leave the first unchecked.
			if body != nil || s.i >= len(s.b) || s.b[s.i] != '{' {
				return "", "", nil, false
			}
			start := s.i
			if !s.skipComposite() {
				return "", "", nil, false
			}
			body = s.b[start:s.i]
		default:
			// A key encoding/json would match to a field regardless of
			// case ("SRC") is left to it.
			if strings.EqualFold(key, "src") || strings.EqualFold(key, "dest") || strings.EqualFold(key, "body") {
				return "", "", nil, false
			}
			start := s.i
			if !s.skipValue() || !json.Valid(s.b[start:s.i]) {
				return "", "", nil, false
			}
		}
		if s.consume(',') {
			s.space()
			continue
		}
		if s.consume('}') {
			break
		}
		return "", "", nil, false
	}
	if !s.atEnd() {
		return "", "", nil, false
	}
	return src, dest, bytes.Clone(body), true
}

// envScanner walks a line for scanEnvelope; i is the next byte to read.
type envScanner struct {
	b []byte
	i int
}

// space skips JSON whitespace.
func (s *envScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips whitespace, then c if it is next, reporting whether it
// was.
func (s *envScanner) consume(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// atEnd reports whether only whitespace is left.
func (s *envScanner) atEnd() bool {
	s.space()
	return s.i == len(s.b)
}

// plainString reads a string of printable ASCII without escapes, the
// only kind whose bytes are its value; ok is false for any other.
func (s *envScanner) plainString() (string, bool) {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			v := string(s.b[s.i+1 : j])
			s.i = j + 1
			return v, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", false
		}
	}
	return "", false
}

// skipValue moves past one value: an object or array by its brackets, a
// string by its quotes, anything else up to the next delimiter. It does
// not validate; ok is false only if the value has no end.
func (s *envScanner) skipValue() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '{', '[':
		return s.skipComposite()
	case '"':
		return s.skipString()
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return true
		}
		s.i++
	}
	return true
}

// skipComposite moves past the object or array that starts at i, by
// counting brackets outside strings.
func (s *envScanner) skipComposite() bool {
	depth := 0
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			if !s.skipString() {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.i++
				return true
			}
		}
		s.i++
	}
	return false
}

// skipString moves past the string that starts at i, escapes included.
func (s *envScanner) skipString() bool {
	for j := s.i + 1; j < len(s.b); j++ {
		switch s.b[j] {
		case '\\':
			j++
		case '"':
			s.i = j + 1
			return true
		}
	}
	return false
}
