package net

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// envelope is one message in flight. The body stays the raw JSON object the
// sender wrote; it is never re-encoded, only framed once per delivery.
type envelope struct {
	id       int64  // the network's message number, from 0 (M:net.clj send!)
	src      string // sender id as written in the message (not checked against the writer)
	dest     string
	body     []byte // a JSON object
	deadline int64  // delivery time, ns since the network's epoch
	client   bool   // a client at either end: zero latency, counted under clients
}

// emptyBody is what a missing or nil-like body becomes: Maelstrom's
// keywordize-keys-1 turns nil (and empty seqables) into {} (M:process.clj).
var emptyBody = []byte("{}")

// errMalformed is wrapped by every envelope schema failure.
var errMalformed = errors.New("malformed message")

// nodeMessage is a node's stdout line after parsing and schema validation.
// src and dest are the unescaped id bytes, which may alias the line buffer
// (valid until the next line is read): the network resolves them to its
// members at once, without allocating a string per message.
type nodeMessage struct {
	src, dest []byte
	body      []byte // a JSON object, owned by the message (never the line buffer)
}

// parseNodeLine parses one stdout line the way Maelstrom does (M:process.clj
// parse-msg, M:net.clj Message schema): only the first JSON value of the
// line counts (Cheshire ignores the rest); it must be an object whose keys
// are exactly src (string), dest (string), optional body (object; null,
// missing, "" and [] become {}) and optional id (integer). A blank line
// parses to nil and fails the schema. Every failure wraps errMalformed.
//
// The common case, a line that is exactly one JSON object, is scanned in
// place; anything else takes the slower path through encoding/json.
func parseNodeLine(line []byte) (nodeMessage, error) {
	if t := bytes.TrimLeft(line, " \t"); len(t) > 0 && t[0] == '{' && json.Valid(line) {
		return scanObjectLine(line)
	}
	return parseNodeLineSlow(line)
}

// scanObjectLine validates the top-level members of a line known to be one
// valid JSON object. Later duplicate keys win, as in Cheshire's map.
func scanObjectLine(line []byte) (nodeMessage, error) {
	var m nodeMessage
	var haveSrc, haveDest bool
	i := bytes.IndexByte(line, '{') + 1
	for {
		i = skipSpace(line, i)
		switch line[i] {
		case '}':
			return m.complete(haveSrc, haveDest)
		case ',':
			i++
			continue
		}
		kEnd := skipString(line, i)
		key, err := unquote(line[i:kEnd])
		if err != nil {
			return m, fmt.Errorf("%w: %v", errMalformed, err)
		}
		i = skipSpace(line, kEnd) + 1 // past ':'
		i = skipSpace(line, i)
		vEnd := skipValue(line, i)
		val := line[i:vEnd]
		i = vEnd
		if err := m.setField(key, val, &haveSrc, &haveDest); err != nil {
			return m, err
		}
	}
}

// setField checks one top-level member and stores it.
func (m *nodeMessage) setField(key, val []byte, haveSrc, haveDest *bool) error {
	switch string(key) {
	case "src", "dest":
		if len(val) == 0 || val[0] != '"' {
			return fmt.Errorf("%w: %s %s is not a string", errMalformed, key, val)
		}
		s, err := unquote(val)
		if err != nil {
			return fmt.Errorf("%w: %v", errMalformed, err)
		}
		if string(key) == "src" {
			m.src, *haveSrc = s, true
		} else {
			m.dest, *haveDest = s, true
		}
	case "id":
		if !isIntegerLiteral(val) {
			return fmt.Errorf("%w: id %s is not an integer", errMalformed, val)
		}
	case "body":
		b, err := normaliseBody(val)
		if err != nil {
			return err
		}
		m.body = b
	default:
		return fmt.Errorf("%w: unexpected top-level key %q", errMalformed, key)
	}
	return nil
}

// complete checks the required keys and takes ownership of the body, the
// only part that outlives the line.
func (m *nodeMessage) complete(haveSrc, haveDest bool) (nodeMessage, error) {
	switch {
	case !haveSrc:
		return *m, fmt.Errorf("%w: missing src", errMalformed)
	case !haveDest:
		return *m, fmt.Errorf("%w: missing dest", errMalformed)
	}
	out := *m
	if m.body == nil || bytes.Equal(m.body, emptyBody) {
		out.body = emptyBody
	} else {
		out.body = append([]byte(nil), m.body...)
	}
	return out, nil
}

// parseNodeLineSlow handles every line that is not exactly one JSON object:
// a value followed by junk, non-objects, invalid JSON, blank lines.
func parseNodeLineSlow(line []byte) (nodeMessage, error) {
	var first json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&first); err != nil {
		if len(bytes.TrimSpace(line)) == 0 {
			return nodeMessage{}, fmt.Errorf("%w: blank line (parses to nil: no src and no dest)", errMalformed)
		}
		return nodeMessage{}, fmt.Errorf("%w: line is not valid JSON (was it meant for stderr?): %v", errMalformed, err)
	}
	// Cheshire reads one value and ignores what follows it.
	if t := bytes.TrimSpace(first); len(t) > 0 && t[0] == '{' {
		return scanObjectLine(t)
	}
	var v any
	json.Unmarshal(first, &v)
	if v == nil {
		return nodeMessage{}, fmt.Errorf("%w: line is null (no src and no dest)", errMalformed)
	}
	return nodeMessage{}, fmt.Errorf("%w: line is a JSON %s, not an object", errMalformed, jsonTypeName(v))
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

// normaliseBody applies keywordize-keys-1 to a body: objects pass, nil and
// empty seqables become {}, anything else cannot be turned into a map.
func normaliseBody(raw json.RawMessage) ([]byte, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return emptyBody, nil
	}
	switch t[0] {
	case '{':
		return t, nil
	case 'n':
		return emptyBody, nil
	case '"':
		if string(t) == `""` {
			return emptyBody, nil
		}
	case '[':
		if len(bytes.TrimSpace(t[1:len(t)-1])) == 0 {
			return emptyBody, nil
		}
	}
	return nil, fmt.Errorf("%w: body %s is not a JSON object", errMalformed, truncate(t, 80))
}

// unquote returns the bytes of a JSON string literal, unescaped. Without
// escapes it is a subslice of raw.
func unquote(raw []byte) ([]byte, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, fmt.Errorf("not a string: %s", truncate(raw, 40))
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return inner, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// The scanners below run on input json.Valid has accepted, so they only
// find where things end; they never need to report an error.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string literal at b[i].
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the JSON value at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); {
			switch b[j] {
			case '"':
				j = skipString(b, j)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
			j++
		}
		return len(b)
	}
	j := i
	for j < len(b) && !endsLiteral(b[j]) {
		j++
	}
	return j
}

// endsLiteral reports whether c ends a number or a true/false/null literal.
func endsLiteral(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// isIntegerLiteral reports whether raw is a JSON number without fraction or
// exponent (Jackson parses those as integers, which schema's s/Int accepts).
func isIntegerLiteral(raw json.RawMessage) bool {
	s := raw
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// appendDelivery frames e as the line Maelstrom writes to a node's stdin:
// {"id":…,"src":…,"dest":…,"body":…} and a newline (M:process.clj
// stdin-thread serialises the Message record in that field order).
func appendDelivery(dst []byte, e *envelope) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, e.id, 10)
	dst = append(dst, `,"src":`...)
	dst = appendJSONString(dst, e.src)
	dst = append(dst, `,"dest":`...)
	dst = appendJSONString(dst, e.dest)
	dst = append(dst, `,"body":`...)
	dst = append(dst, e.body...)
	return append(dst, "}\n"...)
}

// appendJSONString appends s as a JSON string literal. Valid UTF-8 passes
// through; control characters, quote and backslash are escaped; invalid
// bytes become U+FFFD as encoding/json would make them.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// truncate shortens b for error texts and fault records.
func truncate(b []byte, max int) string {
	if len(b) <= max {
		return string(b)
	}
	return string(b[:max]) + fmt.Sprintf("… (%d bytes)", len(b))
}
