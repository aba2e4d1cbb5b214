package net

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// call runs one request body through a handler and renders the reply as
// buildReply would (with msg_id 1).
func call(t *testing.T, h handler, src, body string) string {
	t.Helper()
	req := mustParse(t, body)
	fields, err := h.handle(src, req)
	if err != nil {
		return "ERR " + err.Error()
	}
	return string(buildReply(fields, req.get("msg_id")))
}

func expect(t *testing.T, h handler, src, body, want string) {
	t.Helper()
	if got := call(t, h, src, body); got != want {
		t.Errorf("%s -> %s\n  want %s", body, got, want)
	}
}

func TestLinKVSemantics(t *testing.T) {
	h := newLinKV()
	expect(t, h, "n0", `{"type":"read","key":"a","msg_id":1}`,
		`{"type":"error","code":20,"text":"key does not exist","in_reply_to":1}`)
	expect(t, h, "n0", `{"type":"write","key":"a","value":[1,{"x":2}],"msg_id":2}`,
		`{"type":"write_ok","in_reply_to":2}`)
	expect(t, h, "n1", `{"type":"read","key":"a","msg_id":3}`,
		`{"type":"read_ok","value":[1,{"x":2}],"in_reply_to":3}`)
	expect(t, h, "n0", `{"type":"cas","key":"a","from":[1,{"x":3}],"to":5,"msg_id":4}`,
		`{"type":"error","code":22,"text":"current value [1 {\"x\" 2}] is not [1 {\"x\" 3}]","in_reply_to":4}`)
	expect(t, h, "n0", `{"type":"cas","key":"a","from":[1,{"x":2}],"to":5,"msg_id":5}`,
		`{"type":"cas_ok","in_reply_to":5}`)
	expect(t, h, "n0", `{"type":"cas","key":"a","from":5.0,"to":6,"msg_id":6}`,
		`{"type":"error","code":22,"text":"current value 5 is not 5.0","in_reply_to":6}`)
	expect(t, h, "n0", `{"type":"cas","key":"b","from":1,"to":2,"msg_id":7}`,
		`{"type":"error","code":20,"text":"key does not exist","in_reply_to":7}`)
	expect(t, h, "n0", `{"type":"cas","key":"b","from":1,"to":2,"create_if_not_exists":true,"msg_id":8}`,
		`{"type":"cas_ok","in_reply_to":8}`)
	expect(t, h, "n0", `{"type":"read","key":"b","msg_id":9}`,
		`{"type":"read_ok","value":2,"in_reply_to":9}`)
	// Keys are JSON values: 1 and "1" are different keys.
	expect(t, h, "n0", `{"type":"write","key":1,"value":"int"}`, `{"type":"write_ok","in_reply_to":null}`)
	expect(t, h, "n0", `{"type":"read","key":"1","msg_id":"s"}`,
		`{"type":"error","code":20,"text":"key does not exist","in_reply_to":"s"}`)
	expect(t, h, "n0", `{"type":"read","key":1,"msg_id":10}`, `{"type":"read_ok","value":"int","in_reply_to":10}`)
	// A string expected value prints quoted in lin-kv's error text.
	expect(t, h, "n0", `{"type":"cas","key":1,"from":"other","to":"x","msg_id":11}`,
		`{"type":"error","code":22,"text":"current value \"int\" is not \"other\"","in_reply_to":11}`)
	// Unknown type: no reply at all.
	if got := call(t, h, "n0", `{"type":"delete","key":1}`); !strings.HasPrefix(got, "ERR No matching clause: delete") {
		t.Errorf("unknown type: %s", got)
	}
}

func TestLinTSOCountsFromZero(t *testing.T) {
	h := &linTSO{}
	for i, want := range []string{"0", "1", "2"} {
		got := call(t, h, "n0", `{"type":"ts","msg_id":7}`)
		if got != `{"type":"ts_ok","ts":`+want+`,"in_reply_to":7}` {
			t.Fatalf("call %d: %s", i, got)
		}
	}
	if got := call(t, h, "n0", `{"type":"read"}`); !strings.HasPrefix(got, "ERR") {
		t.Fatalf("tso answered a read: %s", got)
	}
}

// scriptedRand replays given draws (and fails the test when exhausted).
type scriptedRand struct {
	t     *testing.T
	draws []int64
}

func (s *scriptedRand) Int64N(n int64) int64 {
	if len(s.draws) == 0 {
		s.t.Fatal("scriptedRand exhausted")
	}
	d := s.draws[0]
	s.draws = s.draws[1:]
	if d < 0 || d >= n {
		s.t.Fatalf("scripted draw %d outside [0,%d)", d, n)
	}
	return d
}

func TestSeqKVStaleReadsAndMonotonicPerRequester(t *testing.T) {
	rng := &scriptedRand{t: t}
	h := newSeqKV(rng)
	// Version 1: a=1, version 2: a=2 (writes always land on the newest).
	rng.draws = []int64{0}
	expect(t, h, "n0", `{"type":"write","key":"a","value":1,"msg_id":1}`, `{"type":"write_ok","in_reply_to":1}`)
	rng.draws = []int64{0} // n0 is at 1: the draw picks from [1,1]
	expect(t, h, "n0", `{"type":"write","key":"a","value":2,"msg_id":2}`, `{"type":"write_ok","in_reply_to":2}`)
	// n1 has observed nothing: index 0 (the empty map) is a stale read.
	rng.draws = []int64{0}
	expect(t, h, "n1", `{"type":"read","key":"a","msg_id":3}`,
		`{"type":"error","code":20,"text":"key does not exist","in_reply_to":3}`)
	// Then version 1: still stale.
	rng.draws = []int64{1}
	expect(t, h, "n1", `{"type":"read","key":"a","msg_id":4}`, `{"type":"read_ok","value":1,"in_reply_to":4}`)
	// n1 is now at 1: the draw range is [1,2], never back to 0.
	rng.draws = []int64{0}
	expect(t, h, "n1", `{"type":"read","key":"a","msg_id":5}`, `{"type":"read_ok","value":1,"in_reply_to":5}`)
	// A cas evaluated on stale version 1 would change it, so it re-runs on
	// the newest (a=2) and fails there: a spurious precondition failure.
	rng.draws = []int64{0}
	expect(t, h, "n1", `{"type":"cas","key":"a","from":1,"to":3,"msg_id":6}`,
		`{"type":"error","code":22,"text":"current value 2 is not 1","in_reply_to":6}`)
	// That failed cas still appended a version (3) and moved n1 there.
	if h.lastIndex != 3 || h.observed["n1"] != 3 {
		t.Fatalf("lastIndex %d, n1 at %d; want 3, 3", h.lastIndex, h.observed["n1"])
	}
	// A write that changes the stale version it drew re-runs on the newest.
	rng.draws = []int64{0} // n2 at 0, range [0,3]: picks the empty map
	expect(t, h, "n2", `{"type":"write","key":"z","value":null,"msg_id":7}`, `{"type":"write_ok","in_reply_to":7}`)
	if h.lastIndex != 4 {
		t.Fatalf("write of a new key must append: lastIndex %d", h.lastIndex)
	}
	// A write of the value a stale version already holds does not change
	// it, so it "succeeds" there and is lost: a=1 on version 1.
	rng.draws = []int64{1} // n3 at 0, range [0,4]
	expect(t, h, "n3", `{"type":"write","key":"a","value":1}`, `{"type":"write_ok","in_reply_to":null}`)
	if h.lastIndex != 4 || h.observed["n3"] != 1 {
		t.Fatalf("lost write appended: lastIndex %d, n3 at %d", h.lastIndex, h.observed["n3"])
	}
	rng.draws = []int64{3} // range [1,4]: the newest still has a=2
	expect(t, h, "n3", `{"type":"read","key":"a"}`, `{"type":"read_ok","value":2,"in_reply_to":null}`)
	// create_if_not_exists is honoured.
	rng.draws = []int64{0}
	expect(t, h, "n2", `{"type":"cas","key":"new","from":0,"to":9,"create_if_not_exists":true,"msg_id":8}`,
		`{"type":"cas_ok","in_reply_to":8}`)
}

func TestSeqKVKeepsThirtyTwoVersionsAndWraps(t *testing.T) {
	rng := &scriptedRand{t: t}
	h := newSeqKV(rng)
	for i := 1; i <= 40; i++ {
		rng.draws = []int64{0}
		call(t, h, "w", `{"type":"write","key":"k","value":`+itoa(i)+`}`)
	}
	if len(h.versions) != seqVersions || h.lastIndex != 40 {
		t.Fatalf("%d versions, lastIndex %d", len(h.versions), h.lastIndex)
	}
	// Index 40 is the newest (k=40), 9 the oldest kept (k=9).
	for idx, want := range map[int64]string{40: "40", 9: "9", 20: "20"} {
		if got := h.at(idx)["\"k\""].val.num; got != want {
			t.Errorf("version %d holds %s, want %s", idx, got, want)
		}
	}
	// Index 8 is gone: ring-buffer nth wraps modulo the count onto the newest.
	if got := h.at(8)["\"k\""].val.num; got != "40" {
		t.Errorf("version 8 wraps to %s, want 40", got)
	}
	// Index 0 (the empty map) is long gone: wraps to version 32.
	if got := h.at(0)["\"k\""].val.num; got != "32" {
		t.Errorf("version 0 wraps to %s, want 32", got)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestLWWKVReplicasNeverConverge(t *testing.T) {
	rng := &scriptedRand{t: t}
	h := newLWWKV(rng)
	// Each request draws merge source, merge dest, then the replica.
	rng.draws = []int64{0, 1, 0}
	expect(t, h, "n0", `{"type":"write","key":"a","value":"x","msg_id":1}`, `{"type":"write_ok","in_reply_to":1}`)
	rng.draws = []int64{0, 1, 1}
	expect(t, h, "n0", `{"type":"read","key":"a","msg_id":2}`,
		`{"type":"error","code":20,"text":"key does not exist","in_reply_to":2}`)
	// Even after "merging" replica 0 into 1 many times, replica 1 is empty.
	for i := 0; i < 5; i++ {
		rng.draws = []int64{0, 1, 1}
		expect(t, h, "n0", `{"type":"read","key":"a"}`,
			`{"type":"error","code":20,"text":"key does not exist","in_reply_to":null}`)
	}
	rng.draws = []int64{1, 0, 0}
	expect(t, h, "n0", `{"type":"read","key":"a","msg_id":3}`, `{"type":"read_ok","value":"x","in_reply_to":3}`)
	// Divergence: replica 1 gets its own value for the same key.
	rng.draws = []int64{0, 0, 1}
	expect(t, h, "n1", `{"type":"write","key":"a","value":"y"}`, `{"type":"write_ok","in_reply_to":null}`)
	rng.draws = []int64{0, 0, 0}
	expect(t, h, "n1", `{"type":"read","key":"a"}`, `{"type":"read_ok","value":"x","in_reply_to":null}`)
	rng.draws = []int64{0, 0, 1}
	expect(t, h, "n1", `{"type":"read","key":"a"}`, `{"type":"read_ok","value":"y","in_reply_to":null}`)
}

func TestLWWKVCasIgnoresCreateAndPrintsExpectedRaw(t *testing.T) {
	rng := &scriptedRand{t: t}
	h := newLWWKV(rng)
	rng.draws = []int64{0, 0, 0}
	expect(t, h, "n0", `{"type":"cas","key":"a","from":1,"to":2,"create_if_not_exists":true,"msg_id":1}`,
		`{"type":"error","code":20,"text":"key does not exist","in_reply_to":1}`)
	rng.draws = []int64{0, 0, 0}
	expect(t, h, "n0", `{"type":"write","key":"a","value":"cur"}`, `{"type":"write_ok","in_reply_to":null}`)
	rng.draws = []int64{0, 0, 0}
	expect(t, h, "n0", `{"type":"cas","key":"a","from":"exp","to":2,"msg_id":2}`,
		`{"type":"error","code":22,"text":"current value \"cur\" is not exp","in_reply_to":2}`)
	rng.draws = []int64{0, 0, 0}
	expect(t, h, "n0", `{"type":"cas","key":"a","from":"cur","to":2,"msg_id":3}`, `{"type":"cas_ok","in_reply_to":3}`)
	rng.draws = []int64{0, 0, 0}
	if got := call(t, h, "n0", `{"type":"ts"}`); !strings.HasPrefix(got, "ERR") {
		t.Fatalf("lww-kv answered ts: %s", got)
	}
}

// TestServicesOverTheNetwork runs the real service workers: replies go
// back to the requester with in_reply_to, one request at a time, and a
// request of unknown type gets no reply.
func TestServicesOverTheNetwork(t *testing.T) {
	lm, _ := newLatencyModel(DistConstant, 0)
	n := newNetwork(lm, nil)
	var wg sync.WaitGroup
	sink := &logSink{t: t}
	if err := startServices(n, 1, sink.logf, &wg); err != nil {
		t.Fatal(err)
	}
	defer func() { n.shutdown(); wg.Wait() }()
	cl := newClient(n, "c0")
	ctx := context.Background()
	for _, svc := range []string{ServiceLinKV, ServiceSeqKV, ServiceLWWKV} {
		r, err := cl.RPC(ctx, svc, map[string]any{"type": "write", "key": "k", "value": 3})
		if err != nil || !strings.Contains(string(r), `"write_ok"`) {
			t.Fatalf("%s write: %s %v", svc, r, err)
		}
	}
	r, err := cl.RPC(ctx, ServiceLinTSO, map[string]any{"type": "ts"})
	if err != nil || string(r) != `{"type":"ts_ok","ts":0,"in_reply_to":4}` {
		t.Fatalf("tso: %s %v", r, err)
	}
	tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := cl.RPC(tctx, ServiceLinKV, map[string]any{"type": "frobnicate"}); !IsTimeout(err) {
		t.Fatalf("unknown type must get no reply: %v", err)
	}
	if !strings.Contains(sink.String(), "No matching clause: frobnicate") {
		t.Fatalf("service error not logged: %s", sink.String())
	}
	c := n.counts.snapshot()
	if c.Clients.SendCount != 9 || c.Clients.RecvCount != 9 {
		t.Fatalf("5 requests + 4 replies expected, all client traffic: %+v", c)
	}
}
