package node

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputIsAnsweredOrDropped feeds one bad line per case to an
// elected one-node cluster: each is answered with the right error code
// (and in_reply_to when the request had a usable msg_id) or, when it has
// no usable source or is itself a reply, dropped silently. The node keeps
// working afterwards.
func TestBadInputIsAnsweredOrDropped(t *testing.T) {
	cases := []struct {
		name      string
		line      string
		code      int64 // -1: no output at all
		inReplyTo int64 // -1: no in_reply_to field
	}{
		{"not json", `not json at all`, -1, -1},
		{"truncated json", `{"src":"c1","dest":"n1","body":{"type":"send"`, -1, -1},
		{"src not a string", `{"src":5,"dest":"n1","body":{"type":"poll","msg_id":1,"offsets":{}}}`, -1, -1},
		{"no src", `{"dest":"n1","body":{"type":"poll","msg_id":1,"offsets":{}}}`, -1, -1},
		{"json array", `[1,2,3]`, -1, -1},
		{"body a number", `{"src":"c1","dest":"n1","body":5}`, 12, -1},
		{"body missing", `{"src":"c1","dest":"n1"}`, 12, -1},
		{"body null", `{"src":"c1","dest":"n1","body":null}`, 12, -1},
		{"msg_id a string", `{"src":"c1","dest":"n1","body":{"type":"poll","msg_id":"7","offsets":{}}}`, 12, -1},
		{"type a number", `{"src":"c1","dest":"n1","body":{"type":7,"msg_id":3}}`, 12, 3},
		{"type missing", `{"src":"c1","dest":"n1","body":{"msg_id":3}}`, 12, 3},
		{"unknown type", `{"src":"c1","dest":"n1","body":{"type":"echo","msg_id":4,"echo":1}}`, 10, 4},
		{"send key a number", `{"src":"c1","dest":"n1","body":{"type":"send","msg_id":5,"key":5,"msg":1}}`, 12, 5},
		{"send key missing", `{"src":"c1","dest":"n1","body":{"type":"send","msg_id":5,"msg":1}}`, 12, 5},
		{"send msg a string", `{"src":"c1","dest":"n1","body":{"type":"send","msg_id":6,"key":"k","msg":"x"}}`, 12, 6},
		{"send msg a float", `{"src":"c1","dest":"n1","body":{"type":"send","msg_id":6,"key":"k","msg":1.5}}`, 12, 6},
		{"send msg an exponent", `{"src":"c1","dest":"n1","body":{"type":"send","msg_id":6,"key":"k","msg":1e3}}`, 12, 6},
		{"send msg too big", `{"src":"c1","dest":"n1","body":{"type":"send","msg_id":6,"key":"k","msg":18446744073709551616}}`, 12, 6},
		{"send msg missing", `{"src":"c1","dest":"n1","body":{"type":"send","msg_id":6,"key":"k"}}`, 12, 6},
		{"poll offsets values", `{"src":"c1","dest":"n1","body":{"type":"poll","msg_id":8,"offsets":{"a":"x"}}}`, 12, 8},
		{"poll offsets an array", `{"src":"c1","dest":"n1","body":{"type":"poll","msg_id":8,"offsets":[1]}}`, 12, 8},
		{"poll offsets missing", `{"src":"c1","dest":"n1","body":{"type":"poll","msg_id":8}}`, 12, 8},
		{"commit offsets float", `{"src":"c1","dest":"n1","body":{"type":"commit_offsets","msg_id":9,"offsets":{"a":1.5}}}`, 12, 9},
		{"commit offsets a string", `{"src":"c1","dest":"n1","body":{"type":"commit_offsets","msg_id":9,"offsets":"a"}}`, 12, 9},
		{"list keys numbers", `{"src":"c1","dest":"n1","body":{"type":"list_committed_offsets","msg_id":10,"keys":[1]}}`, 12, 10},
		{"list keys a string", `{"src":"c1","dest":"n1","body":{"type":"list_committed_offsets","msg_id":10,"keys":"a"}}`, 12, 10},
		// A request without msg_id cannot be answered, so it is not
		// executed (the send to "k" below would take offset 0 otherwise).
		{"send without msg_id", `{"src":"c1","dest":"n1","body":{"type":"send","key":"k","msg":1}}`, 12, -1},
		{"commit without msg_id", `{"src":"c1","dest":"n1","body":{"type":"commit_offsets","offsets":{"k":0}}}`, 12, -1},
		{"poll without msg_id", `{"src":"c1","dest":"n1","body":{"type":"poll","offsets":{"k":0}}}`, 12, -1},
		{"list without msg_id", `{"src":"c1","dest":"n1","body":{"type":"list_committed_offsets","keys":[]}}`, 12, -1},
		{"init without msg_id", `{"src":"c1","dest":"n1","body":{"type":"init","node_id":"n1","node_ids":["n1"]}}`, 12, -1},
		{"msg_id null", `{"src":"c1","dest":"n1","body":{"type":"send","msg_id":null,"key":"k","msg":1}}`, 12, -1},
		// A message for another node is not ours to serve.
		{"dest another node", `{"src":"c1","dest":"n2","body":{"type":"send","msg_id":12,"key":"k","msg":1}}`, 12, 12},
		{"dest missing", `{"src":"c1","body":{"type":"send","msg_id":13,"key":"k","msg":1}}`, 12, 13},
		{"dest another node, no msg_id", `{"src":"c1","dest":"n2","body":{"type":"send","key":"k","msg":1}}`, -1, -1},
		{"commit a negative offset", `{"src":"c1","dest":"n1","body":{"type":"commit_offsets","msg_id":14,"offsets":{"k":-1}}}`, 12, 14},
		{"an error from a client", `{"src":"c1","dest":"n1","body":{"type":"error","code":13,"msg_id":11}}`, -1, -1},
		{"a reply from a client", `{"src":"c1","dest":"n1","body":{"type":"send_ok","offset":1,"in_reply_to":3}}`, -1, -1},
		{"a bad reply", `{"src":"c1","dest":"n1","body":{"type":5,"in_reply_to":3}}`, -1, -1},
	}
	h := newLeader(t, testConfig())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := h.input([]byte(tc.line))
			if tc.code < 0 {
				if len(got) != 0 {
					t.Fatalf("want no output, got %v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one error reply, got %v", got)
			}
			m := got[0]
			code, _ := m.intField("code")
			if m.typ() != "error" || code != tc.code || m.Dest != "c1" || m.Src != "n1" {
				t.Fatalf("want error %d from n1 to c1, got %s", tc.code, m.Line)
			}
			irt, has := m.intField("in_reply_to")
			if tc.inReplyTo < 0 && has {
				t.Fatalf("want no in_reply_to, got %s", m.Line)
			}
			if tc.inReplyTo >= 0 && irt != tc.inReplyTo {
				t.Fatalf("want in_reply_to %d, got %s", tc.inReplyTo, m.Line)
			}
		})
	}
	// Nothing above changed what the node does next.
	if h.s.queue.len() != 0 || h.s.reqs.len() != 0 {
		t.Fatalf("bad input left work behind: queue %d pending %d", h.s.queue.len(), h.s.reqs.len())
	}
	m, ok := h.call("c2", map[string]any{"type": "send", "msg_id": 1, "key": "k", "msg": 7}, 100)
	if off, _ := m.intField("offset"); !ok || m.typ() != "send_ok" || off != 0 {
		t.Fatalf("node no longer works after bad input: %v %v", ok, m.Line)
	}
}

// TestProtocolMessageFromNonMember: a zab message from a client gets an
// error reply and changes nothing, though the same message from a member
// would have been taken.
func TestProtocolMessageFromNonMember(t *testing.T) {
	h := newSingle(t, testConfig())
	h.input(line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1", "n2", "n3"}}))
	before := h.s.peer.Status()
	// A vote from n2 claiming n2 should lead, and a forwarded op.
	zabMsg := func(src string) []byte {
		return line(src, "n1", map[string]any{
			"type": "zab", "msg_id": 2,
			"m":  []any{map[string]any{"t": 1, "f": 2, "to": 1, "v": map[string]any{"f": 2, "to": 1, "v": map[string]any{"l": 2, "z": 99, "e": 9}, "r": 5}}},
			"fw": encodeOps(t, sendOp("k", 1, "n2", 1)),
		})
	}
	got := h.input(zabMsg("c9"))
	if len(got) != 1 || got[0].typ() != "error" || got[0].Dest != "c9" {
		t.Fatalf("want one error reply to c9, got %v", got)
	}
	if code, _ := got[0].intField("code"); code != 10 {
		t.Fatalf("want not-supported (10), got %s", got[0].Line)
	}
	if after := h.s.peer.Status(); after != before || h.s.queue.len() != 0 {
		t.Fatalf("a non-member changed state: %+v -> %+v, queue %d", before, after, h.s.queue.len())
	}
	// The same message from a member is taken: its op is queued, and
	// no error goes back to it.
	got = h.input(zabMsg("n2"))
	for _, m := range got {
		if m.typ() == "error" {
			t.Fatalf("a member got an error reply: %s", m.Line)
		}
	}
	if h.s.queue.len() != 1 || h.s.queue.ops[0].op.Origin != "n2" {
		t.Fatalf("member's forwarded op not queued: %+v", h.s.queue.ops)
	}
}

// TestMisaddressedZabMessageIgnored: a member's zab message claiming
// another sender, or another receiver, never reaches the peer.
func TestMisaddressedZabMessageIgnored(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to int
	}{{"forged sender", 3, 1}, {"other receiver", 2, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSingle(t, testConfig())
			h.input(line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1", "n2", "n3"}}))
			var logs bytes.Buffer
			h.s.logger = newTextLogger(&logs)
			before := h.s.peer.Status()
			got := h.input(line("n2", "n1", map[string]any{"type": "zab",
				"m": []any{map[string]any{"t": 1, "f": tc.from, "to": tc.to, "v": map[string]any{"f": tc.from, "to": tc.to, "v": map[string]any{"l": 3, "z": 99, "e": 9}, "r": 5}}}}))
			if len(got) != 0 || h.s.peer.Status() != before {
				t.Fatalf("misaddressed message had an effect: out %v", got)
			}
			if !strings.Contains(logs.String(), "misaddressed") {
				t.Fatalf("misaddressed message not logged: %q", logs.String())
			}
		})
	}
}

// TestInitValidation: init is checked, repeated inits are idempotent, and
// nothing but init is handled before it.
func TestInitValidation(t *testing.T) {
	init := func(id string, ids any) []byte {
		return line("c0", id, map[string]any{"type": "init", "msg_id": 1, "node_id": id, "node_ids": ids})
	}
	errCode := func(t *testing.T, got []outMsg) int64 {
		t.Helper()
		if len(got) != 1 || got[0].typ() != "error" {
			t.Fatalf("want one error, got %v", got)
		}
		c, _ := got[0].intField("code")
		return c
	}
	t.Run("before init", func(t *testing.T) {
		// A request gets temporarily-unavailable, from the name it was
		// sent to; anything that cannot be answered is dropped.
		h := newSingle(t, testConfig())
		got := h.input(line("c1", "n1", map[string]any{"type": "send", "msg_id": 7, "key": "a", "msg": 1}))
		if c := errCode(t, got); c != 11 || got[0].Src != "n1" || got[0].Dest != "c1" {
			t.Fatalf("send before init: %v", got)
		}
		if irt, _ := got[0].intField("in_reply_to"); irt != 7 {
			t.Fatalf("send before init: %s", got[0].Line)
		}
		for _, l := range [][]byte{
			line("n2", "n1", map[string]any{"type": "zab", "m": []any{}}),                            // a faster peer
			line("c1", "n1", map[string]any{"type": "poll", "offsets": map[string]any{}}),            // no msg_id
			line("c1", "", map[string]any{"type": "poll", "msg_id": 1, "offsets": map[string]any{}}), // no name to answer from
		} {
			if got := h.input(l); len(got) != 0 {
				t.Fatalf("%s: want no answer, got %v", l, got)
			}
		}
		if h.s.reqs.len() != 0 || h.s.queue.len() != 0 {
			t.Fatal("a request before init was taken")
		}
		// init still works afterwards.
		if got := h.input(init("n1", []string{"n1"})); countType(got, "init_ok") != 1 {
			t.Fatalf("init after early requests: %v", got)
		}
	})
	t.Run("init for another node", func(t *testing.T) {
		h := newSingle(t, testConfig())
		l := line("c0", "n2", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1", "n2"}})
		if c := errCode(t, h.input(l)); c != 12 || h.s.peer != nil {
			t.Fatalf("init naming n1 sent to n2: want 12 and no start, got %d", c)
		}
	})
	for _, tc := range []struct {
		name string
		id   string
		ids  any
	}{
		{"id not in ids", "n4", []string{"n1", "n2"}},
		{"duplicate ids", "n1", []string{"n1", "n1"}},
		{"empty name", "n1", []string{"n1", ""}},
		{"ids not a list", "n1", "n1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newSingle(t, testConfig())
			if c := errCode(t, h.input(init(tc.id, tc.ids))); c != 12 {
				t.Fatalf("want 12, got %d", c)
			}
			if h.s.peer != nil {
				t.Fatal("a bad init started the peer")
			}
		})
	}
	t.Run("id unfit for a directory", func(t *testing.T) {
		cfg := testConfig()
		cfg.DataDir = t.TempDir()
		for _, id := range []string{"../n1", "a/b", ".."} {
			h := newSingle(t, cfg)
			if c := errCode(t, h.input(init(id, []string{id}))); c != 12 {
				t.Fatalf("%q: want 12, got %d", id, c)
			}
		}
	})
	t.Run("failed start", func(t *testing.T) {
		cfg := testConfig()
		cfg.DataDir = filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(cfg.DataDir, nil, 0o644); err != nil { // a file where a directory must go
			t.Fatal(err)
		}
		h := newSingle(t, cfg)
		for i := 0; i < 2; i++ {
			if c := errCode(t, h.input(init("n1", []string{"n1"}))); c != 14 {
				t.Fatalf("init %d on an unusable data dir: want 14 (abort: it definitely did not start), got %d", i, c)
			}
		}
		m, _ := h.call("c1", map[string]any{"type": "send", "msg_id": 5, "key": "a", "msg": 1}, 0)
		if code, _ := m.intField("code"); code != 11 {
			t.Fatalf("send on a node that failed to start: %s", m.Line)
		}
	})
	t.Run("repeated", func(t *testing.T) {
		h := newSingle(t, testConfig())
		for i := 0; i < 2; i++ {
			if got := h.input(init("n1", []string{"n1", "n2"})); countType(got, "init_ok") != 1 || countType(got, "error") != 0 {
				t.Fatalf("init %d: %v", i, got)
			}
		}
		if c := errCode(t, filterType(h.input(init("n1", []string{"n1", "n2", "n3"})), "error")); c != 10 {
			t.Fatalf("re-init with other members: want 10, got %d", c)
		}
		l := line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n2", "node_ids": []string{"n1", "n2"}})
		if c := errCode(t, filterType(h.input(l), "error")); c != 12 {
			t.Fatalf("re-init as another node: want 12, got %d", c)
		}
		if h.s.members.id != "n1" || len(h.s.members.names) != 2 {
			t.Fatalf("re-init changed the node to %q %v", h.s.members.id, h.s.members.names)
		}
	})
}
