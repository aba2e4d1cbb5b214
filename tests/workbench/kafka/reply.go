package kafka

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"zabkafka/tests/workbench/history"
)

// replyError is an error reply from the node (M:resources/errors.edn).
type replyError struct {
	kind errorKind
	text string // the body's text; empty when absent or null
}

// Error renders the error as the history records it: "name: text", or just
// the name when the reply had no text.
func (e *replyError) Error() string {
	if e.text == "" {
		return e.kind.name
	}
	return e.kind.name + ": " + e.text
}

// malformedError is a reply that fails its closed response schema
// (M:src/maelstrom/client.clj defrpc, recv-schema). Jepsen's worker turns
// the exception into an info op with "indeterminate: <message>".
type malformedError struct {
	replyType string
	reason    string
}

// Error names the expected reply type and what is wrong with it.
func (e *malformedError) Error() string {
	return fmt.Sprintf("malformed %s reply: %s", e.replyType, e.reason)
}

// reply is a decoded reply body whose envelope fields have been checked.
type reply map[string]json.RawMessage

// decodeReply splits a reply body into its fields. An error body becomes a
// *replyError before any schema check (M:client.clj); any other body must have
// type want, an integer in_reply_to, an optional integer msg_id, exactly the
// fields listed in fields and nothing else.
func decodeReply(body json.RawMessage, want string, fields ...string) (reply, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, &malformedError{want, "body is not a JSON object"}
	}
	var typ string
	if err := json.Unmarshal(m["type"], &typ); err != nil || m["type"] == nil {
		return nil, &malformedError{want, "missing or non-string type"}
	}
	if typ == "error" {
		return nil, decodeErrorBody(m)
	}
	if typ != want {
		return nil, &malformedError{want, fmt.Sprintf("type is %q", typ)}
	}
	if _, ok := integer(m["in_reply_to"]); !ok {
		return nil, &malformedError{want, "in_reply_to missing or not an integer"}
	}
	if raw, present := m["msg_id"]; present {
		if _, ok := integer(raw); !ok {
			return nil, &malformedError{want, "msg_id is not an integer"}
		}
	}
	for _, f := range fields {
		if _, present := m[f]; !present {
			return nil, &malformedError{want, "missing field " + f}
		}
	}
	for f := range m {
		if f != "type" && f != "in_reply_to" && f != "msg_id" && !slices.Contains(fields, f) {
			return nil, &malformedError{want, "unexpected field " + f}
		}
	}
	return reply(m), nil
}

// decodeErrorBody classifies an error body by its code and keeps its text.
func decodeErrorBody(m map[string]json.RawMessage) *replyError {
	code, ok := integer(m["code"])
	e := &replyError{kind: lookupError(code, ok)}
	if raw := m["text"]; raw != nil && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			e.text = s
		} else {
			e.text = string(bytes.TrimSpace(raw)) // a non-string text, kept as written
		}
	}
	return e
}

// integer parses a JSON integer token (no fraction, no exponent: 3.0 is not
// an integer to Maelstrom's schemas) that fits an int64.
func integer(raw json.RawMessage) (int64, bool) {
	tok := bytes.TrimSpace(raw)
	if len(tok) == 0 || bytes.ContainsAny(tok, ".eE") {
		return 0, false
	}
	n, err := strconv.ParseInt(string(tok), 10, 64)
	return n, err == nil
}

// isNull reports whether raw is the JSON null.
func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// offsetMap decodes a {string: integer} field.
func offsetMap(r reply, field, replyType string) (map[string]int64, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r[field], &m); err != nil || m == nil {
		return nil, &malformedError{replyType, field + " is not an object"}
	}
	out := make(map[string]int64, len(m))
	for k, raw := range m {
		n, ok := integer(raw)
		if !ok {
			return nil, &malformedError{replyType, fmt.Sprintf("%s[%q] is not an integer", field, k)}
		}
		out[k] = n
	}
	return out, nil
}

// errUnrepresentable marks a poll that returned a message the history cannot
// hold (not a JSON integer). Jepsen would record it, find no writer for it
// and return an unknown verdict (J:kafka.clj wr-graph no-writer-of-value);
// the workbench records the poll as info and flags the run unknown.
type errUnrepresentable struct{ key, raw string }

// Error says which message could not be represented.
func (e *errUnrepresentable) Error() string {
	return fmt.Sprintf("poll returned non-integer message %s under key %q; no send wrote it", e.raw, e.key)
}

// pollMessages decodes poll_ok's msgs: {string: [[integer, integer], ...]}.
// A null list counts as empty (the schema accepts nil for a sequence); a pair
// must have exactly two elements. A non-integer message is reported with
// *errUnrepresentable after the whole body has been checked, so that a
// malformed reply still wins.
//
// A reply in the plain form nodes write is scanned in one pass
// (scanPollMessages); anything else goes through the field-by-field
// decoding (pollMessagesSlowly), which names what is wrong.
func pollMessages(r reply) (map[string][]history.Pair, error) {
	if out, ok := scanPollMessages(r["msgs"]); ok {
		return out, nil
	}
	return pollMessagesSlowly(r)
}

// scanPollMessages decodes msgs without encoding/json when it is in the
// plain form nodes write: an object of keys without escapes or non-ASCII
// bytes, each holding a list of [integer, integer] pairs of 64-bit
// integers, with any JSON whitespace. On anything else (null, an escape,
// a number that is not a plain integer or does not fit, a malformed
// body) it reports false and changes nothing, and pollMessages decodes
// it field by field, which gives the same answer for the plain form
// (TestScanPollMessagesAgrees). The final phase's polls return every
// message of every key; decoding them through reflection took most of
// the workbench's CPU for seconds, and delayed node-to-node messages
// long enough for followers to give up on their leader.
func scanPollMessages(b []byte) (map[string][]history.Pair, bool) {
	i := 0
	ws := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
	}
	eat := func(c byte) bool {
		ws()
		if i < len(b) && b[i] == c {
			i++
			return true
		}
		return false
	}
	num := func() (int64, bool) {
		ws()
		start := i
		if i < len(b) && b[i] == '-' {
			i++
		}
		digits := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == digits || (b[digits] == '0' && i-digits > 1) {
			return 0, false // no digits, or a leading zero JSON forbids
		}
		if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
			return 0, false
		}
		n, err := strconv.ParseInt(string(b[start:i]), 10, 64)
		return n, err == nil
	}
	out := map[string][]history.Pair{}
	if !eat('{') {
		return nil, false
	}
	if !eat('}') {
		for {
			if !eat('"') {
				return nil, false
			}
			start := i
			for i < len(b) && b[i] != '"' {
				if b[i] == '\\' || b[i] < 0x20 || b[i] >= 0x80 {
					return nil, false
				}
				i++
			}
			if i == len(b) {
				return nil, false
			}
			key := string(b[start:i])
			i++
			if !eat(':') || !eat('[') {
				return nil, false
			}
			pairs := []history.Pair{}
			if !eat(']') {
				for {
					if !eat('[') {
						return nil, false
					}
					off, ok := num()
					if !ok || !eat(',') {
						return nil, false
					}
					msg, ok := num()
					if !ok || !eat(']') {
						return nil, false
					}
					pairs = append(pairs, history.Pair{Offset: off, Msg: msg})
					if eat(']') {
						break
					}
					if !eat(',') {
						return nil, false
					}
				}
			}
			out[key] = pairs
			if eat('}') {
				break
			}
			if !eat(',') {
				return nil, false
			}
		}
	}
	ws()
	return out, i == len(b)
}

// pollMessagesSlowly is pollMessages field by field, for the replies
// that are not well formed: it says what is wrong.
func pollMessagesSlowly(r reply) (map[string][]history.Pair, error) {
	const replyType = "poll_ok"
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r["msgs"], &m); err != nil || m == nil {
		return nil, &malformedError{replyType, "msgs is not an object"}
	}
	out := make(map[string][]history.Pair, len(m))
	var odd *errUnrepresentable
	for k, raw := range m {
		pairs := []history.Pair{}
		if !isNull(raw) {
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, &malformedError{replyType, fmt.Sprintf("msgs[%q] is not a list", k)}
			}
			for _, item := range items {
				var pair []json.RawMessage
				if err := json.Unmarshal(item, &pair); err != nil || len(pair) != 2 {
					return nil, &malformedError{replyType, fmt.Sprintf("msgs[%q] has %s, not an [offset, msg] pair", k, item)}
				}
				off, ok := integer(pair[0])
				if !ok {
					return nil, &malformedError{replyType, fmt.Sprintf("msgs[%q] has non-integer offset %s", k, pair[0])}
				}
				msg, ok := integer(pair[1])
				if !ok && odd == nil {
					odd = &errUnrepresentable{key: k, raw: string(bytes.TrimSpace(pair[1]))}
				}
				pairs = append(pairs, history.Pair{Offset: off, Msg: msg})
			}
		}
		out[k] = pairs
	}
	if odd != nil {
		return out, odd
	}
	return out, nil
}
