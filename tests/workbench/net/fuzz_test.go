package net

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
)

// FuzzParseNodeLine checks that no line makes the parser panic, that every
// rejection is a malformed-message error, and that an accepted line agrees
// with encoding/json's reading of its first value.
func FuzzParseNodeLine(f *testing.F) {
	for _, s := range []string{
		`{"src":"n0","dest":"n1","body":{"type":"x","in_reply_to":1}}`,
		`{"id":3,"src":"n\"0","dest":"c1","body":null}`,
		`{"src":"n0","dest":"n1","body":{"s":"}{\"]"}} junk`,
		`[]`, `null`, ``, ` `, `{`, `{"src":"n0","dest":"n1","x":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		m, err := parseNodeLine(line)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("error %v does not wrap errMalformed", err)
			}
			return
		}
		var first map[string]json.RawMessage
		if err := json.NewDecoder(bytes.NewReader(line)).Decode(&first); err != nil {
			t.Fatalf("accepted %q, which encoding/json cannot read: %v", line, err)
		}
		var src, dest string
		json.Unmarshal(first["src"], &src)
		json.Unmarshal(first["dest"], &dest)
		if src != string(m.src) || dest != string(m.dest) {
			t.Fatalf("%q: src/dest %q/%q, encoding/json says %q/%q", line, m.src, m.dest, src, dest)
		}
		if !json.Valid(m.body) || m.body[0] != '{' {
			t.Fatalf("%q: body %q is not a JSON object", line, m.body)
		}
	})
}

// FuzzRepliesTo checks that scanning a valid JSON object for in_reply_to
// agrees with decoding it: the same member found (the last of
// duplicates, keys unescaped and matched exactly), the same integer
// rule.
func FuzzRepliesTo(f *testing.F) {
	for _, s := range []string{
		`{"type":"poll_ok","msgs":{"k":[[0,1]]},"in_reply_to":3}`,
		`{"in_reply_to":3,"in_reply_to":4}`,
		`{"in_reply_to":"3"}`, `{"in_reply_to":3.0}`, `{"In_reply_to":3}`,
		`{"in\u005freply_to":3}`, `{"s":"\"in_reply_to\":3","in_reply_to":1}`,
		` { "a" : [ {"in_reply_to":3} ] , "in_reply_to" : -1 } `, `{}`, `[]`, `3`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			return // never in a mailbox
		}
		var m map[string]json.RawMessage
		isObject := json.Unmarshal(body, &m) == nil && m != nil
		for _, id := range []int64{-1, 0, 1, 3, 4} {
			want := false
			if v, ok := m["in_reply_to"]; isObject && ok && isIntegerLiteral(v) {
				n, err := strconv.ParseInt(string(v), 10, 64)
				want = err == nil && n == id
			}
			if got := repliesTo(body, id); got != want {
				t.Fatalf("repliesTo(%q, %d) = %v, decoding says %v", body, id, got, want)
			}
		}
	})
}
