package node

import (
	"bytes"
	"encoding/json"
	"testing"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// parseLineByJSON is parseLine with the envelope always read by
// encoding/json: what the line means, which parseLine must agree with.
func parseLineByJSON(line []byte) (inbound, *lineError) {
	var env maelstrom.Message
	if e := json.Unmarshal(line, &env); e != nil {
		return inbound{}, &lineError{text: "not a JSON message envelope: " + e.Error()}
	}
	if env.Src == "" {
		return inbound{}, &lineError{text: "message without src"}
	}
	return parseBody(inbound{src: env.Src, dest: env.Dest, body: env.Body})
}

// envelopeSeeds are lines for TestScanEnvelopeAgrees and its fuzz
// target: the plain form and everything the fast path must hand over to
// encoding/json or reject as it would.
var envelopeSeeds = []string{
	`{"src":"c1","dest":"n1","body":{"type":"send","msg_id":1,"key":"a","msg":1}}`,
	`{"id":7,"src":"c1","dest":"n1","body":{"type":"poll","msg_id":2,"offsets":{"a":0}}}`,
	` { "body" : {"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]} , "dest" : "n1" , "src" : "c0" } `,
	`{"src":"n2","dest":"n1","body":{"type":"zab","m":[{"t":8,"x":[{"z":1,"d":"AQ=="}]}],"fw":"AQ=="}}`,
	`{"src":"c1","dest":"n1","body":{"type":"send","key":"}]\"{[","msg":1,"msg_id":3}}`,
	`{"src":"c1","dest":"n1","body":{"type":"send","key":"a","msg":1,"msg_id":3}}trailing`,
	`{"src":"c1","dest":"n1","body":{"type":"send","key":"a",}}`,
	`{"src":"c1","dest":"n1","body":{"type":"send","key":"a"]}`,
	`{"src":"c1","dest":"n1","body":{"a":[1}]}`,
	`{"src":"c1","dest":"n1","body":{"type":"send"}`,
	`{"src":"c1","dest":"n1","body":[1,2]}`,
	`{"src":"c1","dest":"n1","body":null}`,
	`{"src":"c1","dest":"n1","body":"x"}`,
	`{"src":"c1","dest":"n1"}`,
	`{"SRC":"c1","dest":"n1","body":{"type":"echo","msg_id":1}}`,
	`{"src":"c\u0031","dest":"n1","body":{"type":"echo","msg_id":1}}`,
	`{"src":"c1","src":"c2","dest":"n1","body":{"type":"echo","msg_id":1}}`,
	`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":1},"body":{"type":"echo","msg_id":2}}`,
	`{"src":"ç1","dest":"n1","body":{"type":"echo","msg_id":1}}`,
	`{"src":"c1","dest":"n1","x":tru,"body":{"type":"echo","msg_id":1}}`,
	`{"src":"c1","dest":"n1","x":[1,{"y":"]"}],"body":{"type":"echo","msg_id":1}}`,
	`{"src":"c1","dest":"n1","x":1 2,"body":{"type":"echo","msg_id":1}}`,
	`{"src":1,"dest":"n1","body":{"type":"echo","msg_id":1}}`,
	`{"src":"","dest":"n1","body":{"type":"echo","msg_id":1}}`,
	`{}`,
	`{`,
	``,
	`[]`,
	`{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":1}`,
	`{"src":"c1" "dest":"n1"}`,
	"{\"src\":\"c1\",\"dest\":\"n1\",\"body\":{\"type\":\"send\",\"key\":\"a\xff\",\"msg\":1,\"msg_id\":3}}",
}

// TestScanEnvelopeAgrees: every seed means the same read by parseLine
// (the fast path where it applies) as read by encoding/json alone, and
// the plain form takes the fast path.
func TestScanEnvelopeAgrees(t *testing.T) {
	for _, l := range envelopeSeeds {
		checkSameMeaning(t, []byte(l))
	}
	for _, l := range envelopeSeeds[:5] {
		if _, _, _, ok := scanEnvelope([]byte(l)); !ok {
			t.Errorf("the plain form %s took the slow path", l)
		}
	}
}

// FuzzScanEnvelope: for any line, parseLine and parseLineByJSON agree.
func FuzzScanEnvelope(f *testing.F) {
	for _, l := range envelopeSeeds {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) { checkSameMeaning(t, line) })
}

// checkSameMeaning fails if parseLine and parseLineByJSON read line
// differently: one answerable and the other not, another code, or
// another message. Texts of unanswerable errors may differ (they are
// only logged).
func checkSameMeaning(t *testing.T, line []byte) {
	t.Helper()
	got, gerr := parseLine(line)
	want, werr := parseLineByJSON(line)
	switch {
	case (gerr == nil) != (werr == nil):
		t.Fatalf("%q: parseLine error %v, encoding/json %v", line, gerr, werr)
	case gerr != nil && (gerr.answerable != werr.answerable || gerr.code != werr.code):
		t.Fatalf("%q: parseLine %+v, encoding/json %+v", line, gerr, werr)
	case gerr != nil && !gerr.answerable:
		return
	}
	if got.src != want.src || got.dest != want.dest || got.typ != want.typ || got.msgID != want.msgID ||
		got.hasMsgID != want.hasMsgID || got.reply != want.reply || !bytes.Equal(got.body, want.body) {
		t.Fatalf("%q: parseLine %+v, encoding/json %+v", line, got, want)
	}
}
