package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"zabkafka/tests/workbench/history"
)

// fakeConn answers RPCs from a script: one reply (or error) per call, and
// records every request body (after a JSON round trip, as the wire sees it).
type fakeConn struct {
	t       *testing.T
	replies []any // string (a raw JSON reply body) or error
	sent    []map[string]any
}

var errFakeTimeout = errors.New("fake timeout")

func (f *fakeConn) RPC(ctx context.Context, dest string, body map[string]any) (json.RawMessage, error) {
	b, err := json.Marshal(body)
	if err != nil {
		f.t.Fatalf("request does not marshal: %v", err)
	}
	var wire map[string]any
	_ = json.Unmarshal(b, &wire)
	f.sent = append(f.sent, wire)
	if len(f.replies) == 0 {
		f.t.Fatalf("unexpected RPC %s", b)
	}
	r := f.replies[0]
	f.replies = f.replies[1:]
	switch r := r.(type) {
	case error:
		return nil, r
	case string:
		return json.RawMessage(r), nil
	}
	f.t.Fatalf("bad script entry %#v", r)
	return nil, nil
}

func newFake(t *testing.T, replies ...any) (*fakeConn, *Client) {
	f := &fakeConn{t: t, replies: replies}
	return f, NewClient(f, "n0", time.Second, func(err error) bool { return errors.Is(err, errFakeTimeout) })
}

func TestClientSendOK(t *testing.T) {
	f, c := newFake(t, `{"type":"send_ok","offset":7,"in_reply_to":1}`)
	out := c.Invoke(context.Background(), Request{F: history.FSend, Key: "3", Msg: 5})
	if out.Type != history.OK || out.Offset == nil || *out.Offset != 7 {
		t.Fatalf("outcome %+v, want ok offset 7", out)
	}
	want := map[string]any{"type": "send", "key": "3", "msg": 5.0}
	if !reflect.DeepEqual(f.sent[0], want) {
		t.Fatalf("request %v, want %v", f.sent[0], want)
	}
	if len(f.sent) != 1 {
		t.Fatalf("a send must not be followed by a commit; sent %v", f.sent)
	}
}

// nodeErr is a conn error about a killed node, as net's are: definite
// when the request was not sent.
type nodeErr struct {
	name     string
	definite bool
}

func (e nodeErr) Error() string  { return e.name + " (text)" }
func (e nodeErr) Name() string   { return e.name }
func (e nodeErr) Definite() bool { return e.definite }

// TestClientErrorClassification walks what M:client.clj with-errors makes of
// each outcome.
func TestClientErrorClassification(t *testing.T) {
	cases := []struct {
		name    string
		f       string
		reply   any
		typ     history.Type
		errText string
	}{
		{"send definite", history.FSend, `{"type":"error","code":11,"text":"busy","in_reply_to":1}`, history.Fail, "temporarily-unavailable: busy"},
		{"send indefinite crash", history.FSend, `{"type":"error","code":13,"text":"boom","in_reply_to":1}`, history.Info, "crash: boom"},
		{"send custom code", history.FSend, `{"type":"error","code":1000,"in_reply_to":1}`, history.Info, "unknown"},
		{"send missing code", history.FSend, `{"type":"error","in_reply_to":1}`, history.Info, "unknown"},
		{"send float code", history.FSend, `{"type":"error","code":11.0,"in_reply_to":1}`, history.Info, "unknown"},
		{"send timeout code 0", history.FSend, `{"type":"error","code":0,"in_reply_to":1}`, history.Info, "timeout"},
		{"send net timeout", history.FSend, errFakeTimeout, history.Info, "net-timeout"},
		{"poll net timeout", history.FPoll, errFakeTimeout, history.Info, "net-timeout"},
		{"poll definite", history.FPoll, `{"type":"error","code":12,"text":"bad","in_reply_to":1}`, history.Fail, "malformed-request: bad"},
		{"assign net timeout", history.FAssign, errFakeTimeout, history.Fail, "net-timeout"},
		{"assign indefinite", history.FAssign, `{"type":"error","code":13,"in_reply_to":1}`, history.Fail, "crash"},
		{"assign definite", history.FAssign, `{"type":"error","code":20,"in_reply_to":1}`, history.Fail, "key-does-not-exist"},
		{"assign malformed", history.FAssign, `{"type":"list_committed_offsets_ok","offsets":{"1":"x"},"in_reply_to":1}`, history.Info, "indeterminate: malformed list_committed_offsets_ok reply"},
		{"send non-string text", history.FSend, `{"type":"error","code":14,"text":42,"in_reply_to":1}`, history.Fail, "abort: 42"},
		{"send other error", history.FSend, errors.New("client closed"), history.Info, "indeterminate: client closed"},
		{"send to a down node", history.FSend, fmt.Errorf("client c9: %w", nodeErr{"node-down", true}), history.Fail, "node-down"},
		{"poll to a down node", history.FPoll, nodeErr{"node-down", true}, history.Fail, "node-down"},
		{"send to a killed node", history.FSend, fmt.Errorf("client c9: %w", nodeErr{"node-killed", false}), history.Info, "node-killed"},
		{"poll to a killed node", history.FPoll, nodeErr{"node-killed", false}, history.Info, "node-killed"},
		{"assign to a killed node", history.FAssign, nodeErr{"node-killed", false}, history.Fail, "node-killed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFake(t, tc.reply)
			out := c.Invoke(context.Background(), Request{F: tc.f, Key: "1", Msg: 1, Keys: []string{"1"}})
			if out.Type != tc.typ || !strings.HasPrefix(out.Error, tc.errText) {
				t.Fatalf("outcome %+v, want %s %q", out, tc.typ, tc.errText)
			}
		})
	}
}

// TestClientTimeoutFromDeadline checks that an RPC cut by the client's own
// deadline is a timeout even when the conn does not say so.
func TestClientTimeoutFromDeadline(t *testing.T) {
	c := NewClient(blockingConn{}, "n0", time.Millisecond, nil)
	out := c.Invoke(context.Background(), Request{F: history.FSend, Key: "1", Msg: 1})
	if out.Type != history.Info || out.Error != "net-timeout" {
		t.Fatalf("outcome %+v, want info net-timeout", out)
	}
}

// TestClientCancelledRunIsIndeterminate: a run torn down mid-RPC is not a
// timeout.
func TestClientCancelledRunIsIndeterminate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := NewClient(blockingConn{}, "n0", time.Hour, nil)
	out := c.Invoke(ctx, Request{F: history.FAssign, Keys: []string{"1"}})
	if out.Type != history.Info || !strings.HasPrefix(out.Error, "indeterminate:") {
		t.Fatalf("outcome %+v, want info indeterminate", out)
	}
}

type blockingConn struct{}

func (blockingConn) RPC(ctx context.Context, _ string, _ map[string]any) (json.RawMessage, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestClientReplySchemas: the closed schemas of M:kafka.clj's defrpc forms
// make every deviation
// an info "indeterminate" op.
func TestClientReplySchemas(t *testing.T) {
	bad := []struct {
		name, f, reply string
	}{
		{"extra field", history.FSend, `{"type":"send_ok","offset":1,"in_reply_to":1,"extra":true}`},
		{"float offset", history.FSend, `{"type":"send_ok","offset":3.0,"in_reply_to":1}`},
		{"missing offset", history.FSend, `{"type":"send_ok","in_reply_to":1}`},
		{"string offset", history.FSend, `{"type":"send_ok","offset":"1","in_reply_to":1}`},
		{"wrong type", history.FSend, `{"type":"poll_ok","offset":1,"in_reply_to":1}`},
		{"missing in_reply_to", history.FSend, `{"type":"send_ok","offset":1}`},
		{"float msg_id", history.FSend, `{"type":"send_ok","offset":1,"in_reply_to":1,"msg_id":1.5}`},
		{"not an object", history.FSend, `[1,2]`},
		{"msgs null", history.FPoll, `{"type":"poll_ok","msgs":null,"in_reply_to":1}`},
		{"pair of three", history.FPoll, `{"type":"poll_ok","msgs":{"1":[[0,1,2]]},"in_reply_to":1}`},
		{"null pair", history.FPoll, `{"type":"poll_ok","msgs":{"1":[null]},"in_reply_to":1}`},
		{"float poll offset", history.FPoll, `{"type":"poll_ok","msgs":{"1":[[0.0,1]]},"in_reply_to":1}`},
		{"list not a list", history.FPoll, `{"type":"poll_ok","msgs":{"1":5},"in_reply_to":1}`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newFake(t, tc.reply)
			out := c.Invoke(context.Background(), Request{F: tc.f, Key: "1", Msg: 1})
			if out.Type != history.Info || !strings.HasPrefix(out.Error, "indeterminate: malformed") {
				t.Fatalf("outcome %+v, want info indeterminate malformed", out)
			}
			if len(c.Offsets()) != 0 {
				t.Fatalf("a malformed poll reply must not advance the local map: %v", c.Offsets())
			}
		})
	}
	t.Run("optional integer msg_id accepted", func(t *testing.T) {
		_, c := newFake(t, `{"type":"send_ok","offset":1,"in_reply_to":1,"msg_id":9}`)
		if out := c.Invoke(context.Background(), Request{F: history.FSend, Key: "1", Msg: 1}); out.Type != history.OK {
			t.Fatalf("outcome %+v, want ok", out)
		}
	})
}

// TestClientPollAndCommit covers the local offset map and the commit that
// follows a poll with messages (M:kafka.clj apply-mop!, txn-offsets).
func TestClientPollAndCommit(t *testing.T) {
	f, c := newFake(t,
		`{"type":"poll_ok","msgs":{},"in_reply_to":1}`,
		`{"type":"poll_ok","msgs":{"1":[[0,1],[2,2]],"2":[],"3":null},"in_reply_to":2}`,
		`{"type":"commit_offsets_ok","in_reply_to":3}`,
	)
	ctx := context.Background()
	out := c.Invoke(ctx, Request{F: history.FPoll})
	if out.Type != history.OK || len(out.Polls) != 0 || len(f.sent) != 1 {
		t.Fatalf("empty poll: outcome %+v, sent %v (no commit expected)", out, f.sent)
	}
	if got := f.sent[0]["offsets"]; !reflect.DeepEqual(got, map[string]any{}) {
		t.Fatalf("a fresh client polls with {} , sent %v", got)
	}
	out = c.Invoke(ctx, Request{F: history.FPoll})
	if out.Type != history.OK {
		t.Fatalf("outcome %+v, want ok", out)
	}
	wantPolls := map[string][]history.Pair{"1": {{Offset: 0, Msg: 1}, {Offset: 2, Msg: 2}}, "2": {}, "3": {}}
	if !reflect.DeepEqual(out.Polls, wantPolls) {
		t.Fatalf("polls %v, want %v", out.Polls, wantPolls)
	}
	if got, want := c.Offsets(), map[string]int64{"1": 3, "2": 0, "3": 0}; !maps.Equal(got, want) {
		t.Fatalf("local map %v, want %v", got, want)
	}
	commit := f.sent[2]
	if commit["type"] != "commit_offsets" || !reflect.DeepEqual(commit["offsets"], map[string]any{"1": 2.0}) {
		t.Fatalf("commit %v, want offsets {1: 2} only (keys with messages)", commit)
	}
}

// TestClientFailedCommitAdvancesLocalMap: the local map moved before the
// commit, so a definite commit error leaves it advanced (the source of
// poll-skip, M:kafka.clj Client invoke!).
func TestClientFailedCommitAdvancesLocalMap(t *testing.T) {
	_, c := newFake(t,
		`{"type":"poll_ok","msgs":{"5":[[4,9]]},"in_reply_to":1}`,
		`{"type":"error","code":11,"in_reply_to":2}`,
	)
	out := c.Invoke(context.Background(), Request{F: history.FPoll})
	if out.Type != history.Fail || out.Polls != nil {
		t.Fatalf("outcome %+v, want fail without polls", out)
	}
	if got := c.Offsets()["5"]; got != 5 {
		t.Fatalf("local offset of 5 = %d, want 5", got)
	}
	inv := Request{F: history.FPoll}.Invocation()
	if comp := out.Complete(inv); comp.Polls != nil || comp.Type != history.Fail || comp.Error != "temporarily-unavailable" {
		t.Fatalf("completion %+v", comp)
	}
}

// TestClientPollLowersNothing: merge-with max never moves a position back.
func TestClientPollLowersNothing(t *testing.T) {
	_, c := newFake(t,
		`{"type":"poll_ok","msgs":{"1":[[5,1]]},"in_reply_to":1}`,
		`{"type":"commit_offsets_ok","in_reply_to":2}`,
		`{"type":"poll_ok","msgs":{"1":[[1,1]]},"in_reply_to":3}`,
		`{"type":"commit_offsets_ok","in_reply_to":4}`,
	)
	c.Invoke(context.Background(), Request{F: history.FPoll})
	c.Invoke(context.Background(), Request{F: history.FPoll})
	if got := c.Offsets()["1"]; got != 6 {
		t.Fatalf("position %d, want 6", got)
	}
}

func TestClientUnrepresentableMessage(t *testing.T) {
	f, c := newFake(t,
		`{"type":"poll_ok","msgs":{"1":[[0,"x"]]},"in_reply_to":1}`,
		`{"type":"commit_offsets_ok","in_reply_to":2}`,
	)
	out := c.Invoke(context.Background(), Request{F: history.FPoll})
	if out.Type != history.Info || !out.Unrepresentable || !strings.Contains(out.Error, "non-integer message") {
		t.Fatalf("outcome %+v, want info flagged unrepresentable", out)
	}
	if len(f.sent) != 2 || c.Offsets()["1"] != 1 {
		t.Fatalf("the poll succeeded: commit expected and the map advanced; sent %v, map %v", f.sent, c.Offsets())
	}
}

func TestClientAssign(t *testing.T) {
	f, c := newFake(t,
		`{"type":"poll_ok","msgs":{"1":[[0,1]],"2":[[3,1]]},"in_reply_to":1}`,
		`{"type":"commit_offsets_ok","in_reply_to":2}`,
		`{"type":"list_committed_offsets_ok","offsets":{"1":7,"3":9},"in_reply_to":3}`,
	)
	ctx := context.Background()
	c.Invoke(ctx, Request{F: history.FPoll})
	out := c.Invoke(ctx, Request{F: history.FAssign, Keys: []string{"1", "3"}})
	if out.Type != history.OK {
		t.Fatalf("outcome %+v, want ok", out)
	}
	if got := f.sent[2]; got["type"] != "list_committed_offsets" || !reflect.DeepEqual(got["keys"], []any{"1", "3"}) {
		t.Fatalf("request %v", got)
	}
	// 1 keeps its local position; 3 starts at 0 (the committed 9 is never
	// used); 2 is dropped.
	if got, want := c.Offsets(), map[string]int64{"1": 1, "3": 0}; !maps.Equal(got, want) {
		t.Fatalf("local map %v, want %v", got, want)
	}
	out = c.Invoke(ctx, Request{F: history.FAssign, Keys: []string{"1", "4"}, SeekToBeginning: true})
	if out.Type != history.OK || len(f.sent) != 3 {
		t.Fatalf("seek-to-beginning must not make an RPC: %+v, sent %d", out, len(f.sent))
	}
	if got, want := c.Offsets(), map[string]int64{"1": 0, "4": 0}; !maps.Equal(got, want) {
		t.Fatalf("local map %v, want %v", got, want)
	}
}

func TestClientCrash(t *testing.T) {
	f, c := newFake(t)
	out := c.Invoke(context.Background(), Request{F: history.FCrash})
	if out.Type != history.Info || out.Error != "" || len(f.sent) != 0 {
		t.Fatalf("crash: %+v, sent %v", out, f.sent)
	}
}

func TestOutcomeComplete(t *testing.T) {
	inv := Request{F: history.FSend, Key: "4", Msg: 2}.Invocation()
	off := int64(9)
	ok := Outcome{Type: history.OK, Offset: &off}.Complete(inv)
	if ok.Type != history.OK || *ok.Offset != 9 || ok.Key != "4" || ok.Msg != 2 {
		t.Fatalf("ok completion %+v", ok)
	}
	info := Outcome{Type: history.Info, Offset: &off, Error: "net-timeout"}.Complete(inv)
	if info.Offset != nil || info.Error != "net-timeout" || info.Key != "4" {
		t.Fatalf("an info completion keeps the invocation value only: %+v", info)
	}
}
