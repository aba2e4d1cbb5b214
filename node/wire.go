package node

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"zabkafka/zab"
)

// Message types the node understands. The kafka ones and their replies
// follow Maelstrom's closed schemas (Maelstrom's
// src/maelstrom/workload/kafka.clj); typeZab is our own node-to-node
// envelope.
const (
	typeInit                   = "init"
	typeInitOK                 = "init_ok"
	typeSend                   = "send"
	typeSendOK                 = "send_ok"
	typePoll                   = "poll"
	typePollOK                 = "poll_ok"
	typeCommitOffsets          = "commit_offsets"
	typeCommitOffsetsOK        = "commit_offsets_ok"
	typeListCommittedOffsets   = "list_committed_offsets"
	typeListCommittedOffsetsOK = "list_committed_offsets_ok"
	typeError                  = "error"
	typeZab                    = "zab"
)

// errMissing marks a required field that is absent or null.
var errMissing = errors.New("missing")

// inbound is one input line after the envelope and the body's reserved
// keys have been read. The body's other fields are left raw (f) so each
// handler checks only the ones it needs, with the types it expects.
type inbound struct {
	src, dest string
	typ       string
	msgID     int64
	hasMsgID  bool
	// reply is true for anything that answers a request (in_reply_to
	// set, or an error body). The node sends no requests, so replies are
	// dropped, and never answered: two confused peers must not bounce
	// errors back and forth forever.
	reply bool
	body  json.RawMessage
	f     bodyFields
}

// bodyFields is every body field the node reads, for any message type,
// each kept raw so that one ill-typed field does not hide the others (we
// still want msg_id to answer a body whose type is wrong). One
// json.Unmarshal reads them all: a second one per handler cost another
// pass over every line (docs/tuning.md, "Where the time goes").
type bodyFields struct {
	Type      json.RawMessage `json:"type"`
	MsgID     json.RawMessage `json:"msg_id"`
	InReplyTo json.RawMessage `json:"in_reply_to"`

	Key     json.RawMessage `json:"key"`     // send
	Msg     json.RawMessage `json:"msg"`     // send
	Offsets json.RawMessage `json:"offsets"` // poll, commit_offsets
	Keys    json.RawMessage `json:"keys"`    // list_committed_offsets

	// zabBody's, on the way in.
	Msgs json.RawMessage `json:"m"`
	Fwd  json.RawMessage `json:"fw"`
	Rt   json.RawMessage `json:"rt"`
}

// lineError says why a line was rejected and whether it can be answered.
type lineError struct {
	answerable bool // src is known: an error reply can be addressed
	code       int
	text       string
}

func (e *lineError) Error() string { return e.text }

// parseLine reads one input line (its envelope by scanEnvelope where it
// can, else by encoding/json). A nil error means in is complete. An
// error with answerable set carries the code to reply with (12 for a body
// that is not what the protocol says); otherwise the line has no usable
// source and can only be logged.
func parseLine(line []byte) (in inbound, err *lineError) {
	src, dest, body, fast := scanEnvelope(line)
	if !fast {
		var env maelstrom.Message
		if e := json.Unmarshal(line, &env); e != nil {
			return in, &lineError{text: "not a JSON message envelope: " + e.Error()}
		}
		src, dest, body = env.Src, env.Dest, env.Body
	}
	if src == "" {
		return in, &lineError{text: "message without src"}
	}
	return parseBody(inbound{src: src, dest: dest, body: body})
}

// parseBody reads the reserved keys of in.body, src and dest already
// read.
func parseBody(in inbound) (inbound, *lineError) {
	malformed := func(format string, args ...any) *lineError {
		return &lineError{answerable: true, code: maelstrom.MalformedRequest, text: fmt.Sprintf(format, args...)}
	}
	if len(bytes.TrimSpace(in.body)) == 0 || bytes.Equal(bytes.TrimSpace(in.body), []byte("null")) {
		return in, malformed("message without body")
	}
	h := &in.f
	if e := json.Unmarshal(in.body, h); e != nil {
		var syntax *json.SyntaxError
		if errors.As(e, &syntax) {
			// Only a body scanEnvelope delimited can get here: the
			// line is not JSON, as json.Unmarshal would have said.
			return inbound{}, &lineError{text: "not a JSON message envelope: " + e.Error()}
		}
		return in, malformed("body is not a JSON object: %v", e)
	}
	if !isNull(h.MsgID) {
		id, e := parseInt(h.MsgID)
		if e != nil {
			return in, malformed("msg_id: %v", e)
		}
		in.msgID, in.hasMsgID = id, true
	}
	if !isNull(h.InReplyTo) {
		in.reply = true
	}
	typ, e := parseString(h.Type)
	if e != nil {
		return in, malformed("type: %v", e)
	}
	in.typ = typ
	if typ == typeError {
		in.reply = true
	}
	return in, nil
}

// isNull reports whether a raw field is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// parseInt reads a JSON integer that fits in an int64. Floats such as 3.0,
// exponents and quoted numbers are refused: Maelstrom's schemas say
// integer, and a float offset would not round-trip.
func parseInt(raw json.RawMessage) (int64, error) {
	if isNull(raw) {
		return 0, errMissing
	}
	v, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want an integer, got %.40s", raw)
	}
	return v, nil
}

// parseString reads a JSON string.
func parseString(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", errMissing
	}
	t := bytes.TrimSpace(raw)
	if t[0] != '"' {
		return "", fmt.Errorf("want a string, got %.40s", raw)
	}
	var s string
	if err := json.Unmarshal(t, &s); err != nil {
		return "", err
	}
	return s, nil
}

// parseOffsets reads a {key: integer} object, as poll and commit_offsets
// carry it.
func parseOffsets(raw json.RawMessage) (map[string]int64, error) {
	if isNull(raw) {
		return nil, errMissing
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("want an object of integers: %v", err)
	}
	out := make(map[string]int64, len(fields))
	for k, v := range fields {
		n, err := parseInt(v)
		if err != nil {
			return nil, fmt.Errorf("key %q: %v", k, err)
		}
		out[k] = n
	}
	return out, nil
}

// parseKeys reads a [string, ...] array, as list_committed_offsets
// carries it.
func parseKeys(raw json.RawMessage) ([]string, error) {
	if isNull(raw) {
		return nil, errMissing
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("want an array of strings: %v", err)
	}
	keys := make([]string, 0, len(items))
	for i, it := range items {
		k, err := parseString(it)
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %v", i, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// Reply bodies. Maelstrom checks them against closed schemas: exactly
// these fields plus in_reply_to, nothing else
// (docs/running.md#replies-have-exactly-the-schemas-fields), so none of
// them may grow a field.
type (
	initOK struct {
		Type      string `json:"type"`
		InReplyTo int64  `json:"in_reply_to"`
	}
	sendOK struct {
		Type      string `json:"type"`
		Offset    int64  `json:"offset"`
		InReplyTo int64  `json:"in_reply_to"`
	}
	// pollOK is encoded by beginPollOK, appendPollKey and endPollOK
	// (output.go), which write the same bytes json.Marshal would,
	// faster; tests compare the two.
	pollOK struct {
		Type      string                `json:"type"`
		Msgs      map[string][][2]int64 `json:"msgs"`
		InReplyTo int64                 `json:"in_reply_to"`
	}
	commitOffsetsOK struct {
		Type      string `json:"type"`
		InReplyTo int64  `json:"in_reply_to"`
	}
	listCommittedOffsetsOK struct {
		Type      string           `json:"type"`
		Offsets   map[string]int64 `json:"offsets"`
		InReplyTo int64            `json:"in_reply_to"`
	}
	// errorBody always carries its code: the library's RPCError drops a
	// zero code, which Maelstrom then reads as "unknown"
	// (Maelstrom's demo/go/node.go, RPCError).
	errorBody struct {
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Text      string `json:"text,omitempty"`
		InReplyTo *int64 `json:"in_reply_to,omitempty"`
	}
)

// zabBody is the one node-to-node message type: what a node has for one
// peer in one flush, coalesced (outbox.go). Msgs are zab messages as the
// core produced them; Fwd is kafka.EncodeBatch of client operations
// forwarded to the leader, and Rt, when any of them is a send the leader
// may answer, one replyTo per operation (delegate.go).
type zabBody struct {
	Type string        `json:"type"`
	Msgs []zab.Message `json:"m,omitempty"`
	Fwd  []byte        `json:"fw,omitempty"`
	Rt   []replyTo     `json:"rt,omitempty"`
}

// decodeZabMsgs reads the messages of a zab body (bodyFields.Msgs): all
// at once where they all decode, else one by one, leaving out those that
// do not (bad counts them), so that one undecodable message costs only
// itself. ok is false if raw is not an array.
func decodeZabMsgs(raw json.RawMessage) (msgs []zab.Message, bad int, ok bool) {
	if isNull(raw) {
		return nil, 0, true
	}
	if json.Unmarshal(raw, &msgs) == nil {
		return msgs, 0, true
	}
	var each []json.RawMessage
	if json.Unmarshal(raw, &each) != nil {
		return nil, 0, false
	}
	msgs = make([]zab.Message, 0, len(each))
	for _, r := range each {
		var m zab.Message
		if json.Unmarshal(r, &m) != nil {
			bad++
			continue
		}
		msgs = append(msgs, m)
	}
	return msgs, bad, true
}
