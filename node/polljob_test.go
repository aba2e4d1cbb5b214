package node

import (
	"fmt"
	"testing"
	"time"

	"zabkafka/log/kafka"
)

// TestPollInSteps: a poll of more keys than one step reads is answered
// over several Process calls, with NextWake just ahead of now in
// between, in one reply holding every key. Each key is read at its own
// moment: a message sent to a key not yet read is in the reply, one sent
// to a key already read is not. A small poll arriving meanwhile is
// answered at once, and the node's other work goes on.
func TestPollInSteps(t *testing.T) {
	cfg := testConfig()
	cfg.MaxStaleness = 0
	cfg.PollStep = 10
	h := newLeader(t, cfg)
	const keys = 40
	var ops []kafka.Op
	offsets := map[string]any{}
	for k := 0; k < keys; k++ {
		key := fmt.Sprintf("k%02d", k)
		offsets[key] = 0
		for m := 0; m < 3; m++ {
			ops = append(ops, kafka.Op{Kind: kafka.OpSend, Key: key, Msg: int64(100*k + m)})
		}
	}
	h.s.kafka.Apply(h.s.kafka.AppliedZxid()+1, ops)

	pollReply := func(ms []outMsg, client string) (outMsg, bool) {
		for _, m := range ms {
			if m.Dest == client {
				return m, true
			}
		}
		return outMsg{}, false
	}
	if _, ok := pollReply(h.input(line("c1", "n1", map[string]any{"type": "poll", "msg_id": 7, "offsets": offsets})), "c1"); ok {
		t.Fatal("a poll of 40 keys at 4 units each was answered in one step of 10")
	}
	at, ok := h.s.NextWake()
	if !ok || at.Sub(h.now) != pollStepGap {
		t.Fatalf("NextWake = %v, %v with a poll in steps; want now + %v", at.Sub(h.now), ok, pollStepGap)
	}
	// A send reaches the state between steps: to the first key (read
	// already) and the last (not yet).
	h.s.kafka.Apply(h.s.kafka.AppliedZxid()+1, []kafka.Op{
		{Kind: kafka.OpSend, Key: "k00", Msg: 9000},
		{Kind: kafka.OpSend, Key: "k39", Msg: 9039},
	})
	// A small poll meanwhile: answered in the iteration it came in.
	small, ok := pollReply(h.input(line("c2", "n1", map[string]any{"type": "poll", "msg_id": 8, "offsets": map[string]any{"k00": 3}})), "c2")
	if !ok || small.typ() != "poll_ok" {
		t.Fatalf("small poll: %v, %v", small, ok)
	}
	if got := fmt.Sprint(small.Body["msgs"]); got != "map[k00:[[3 9000]]]" {
		t.Fatalf("small poll got %v", got)
	}

	// Each step reads keys until it spent 10: three keys of 4. The
	// poll's input took one step, its first; Process takes the next
	// only once it is due, a step gap later, so the small poll's input
	// took none. Each input from here on comes a gap later and takes
	// one step, so the other 37 keys take 13.
	var big outMsg
	inputs := 0
	for {
		inputs++
		if inputs > keys {
			t.Fatal("the poll is never answered")
		}
		h.now = h.now.Add(pollStepGap)
		if m, ok := pollReply(h.input(), "c1"); ok {
			big = m
			break
		}
	}
	if inputs != 13 {
		t.Fatalf("answered after %d more inputs, want 13", inputs)
	}
	if _, ok := h.s.NextWake(); ok {
		t.Fatal("NextWake still set after the last poll was answered")
	}
	msgs, _ := big.Body["msgs"].(map[string]any)
	if big.typ() != "poll_ok" || len(msgs) != keys {
		t.Fatalf("reply %v with %d keys, want poll_ok with %d", big.typ(), len(msgs), keys)
	}
	if n := len(msgs["k00"].([]any)); n != 3 {
		t.Fatalf("k00, read before the new send: %d messages, want 3", n)
	}
	if n := len(msgs["k39"].([]any)); n != 4 {
		t.Fatalf("k39, read after the new send: %d messages, want 4", n)
	}
	if got := fmt.Sprint(msgs["k17"]); got != "[[0 1700] [1 1701] [2 1702]]" {
		t.Fatalf("k17: %v", got)
	}
}

// TestPollInStepsGoesStale: a node that stops being fresh while a poll
// is being read in steps answers it with the definite 11 a new poll
// would get, not with a reply read partly from stale state; a node in
// touch answers the same poll in full.
func TestPollInStepsGoesStale(t *testing.T) {
	c, cfg, _, follower := staleReadsCluster(t)
	for _, n := range c.names {
		c.srv[n].cfg.PollStep = 1 // one key per step, one step per tick
	}
	var keys []string
	offsets := map[string]any{}
	for k := 0; k < 30; k++ {
		keys = append(keys, fmt.Sprintf("k%02d", k))
		offsets[keys[k]] = 0
	}
	acks, _ := c.sendAll(c.names, keys, make([]int64, 30))
	if len(acks) != 30 {
		t.Fatalf("%d of 30 sends acknowledged", len(acks))
	}
	c.until("every node applied every send", 100, c.converged)
	// 30 steps of a tick take longer than MaxStaleness.
	if 30*cfg.Tick <= cfg.MaxStaleness {
		t.Fatalf("tick %v too short for the test", cfg.Tick)
	}

	poll := func(node string) outMsg {
		id := c.request("c9", node, map[string]any{"type": "poll", "offsets": offsets})
		var m outMsg
		c.until("the poll answered", 100, func() bool {
			var ok bool
			m, ok = c.reply("c9", id)
			return ok
		})
		return m
	}
	if m := poll(follower); m.typ() != "poll_ok" || len(m.Body["msgs"].(map[string]any)) != 30 {
		t.Fatalf("in touch: %v", m)
	}
	start := c.now
	c.isolate(follower)
	m := poll(follower)
	if code, _ := m.intField("code"); m.typ() != "error" || code != 11 {
		t.Fatalf("cut off mid-poll: %v, want error 11", m)
	}
	if took := c.now.Sub(start); took < cfg.MaxStaleness {
		t.Fatalf("refused after %v, before the bound: was the first step refused?", took)
	}
}

// TestPollInStepsDeadline: a poll still in steps at the request deadline
// gets the definite 11 (a read changes nothing); one still in steps at
// the age a client has surely given up gets nothing at all; a poll
// whose steps end in time is answered in full.
func TestPollInStepsDeadline(t *testing.T) {
	cfg := testConfig()
	cfg.MaxStaleness = 0
	cfg.PollStep = 1 // one key per step
	h := newLeader(t, cfg)
	offsets := map[string]any{}
	var ops []kafka.Op
	for k := 0; k < 5; k++ {
		key := fmt.Sprintf("k%d", k)
		offsets[key] = 0
		ops = append(ops, kafka.Op{Kind: kafka.OpSend, Key: key, Msg: int64(k)})
	}
	h.s.kafka.Apply(h.s.kafka.AppliedZxid()+1, ops)
	for _, tc := range []struct {
		wait time.Duration // before the next step
		want string        // the reply's type; "" for none
	}{
		{cfg.RequestTimeout - time.Millisecond, "poll_ok"},
		{cfg.RequestTimeout, "error"},
		{lastReplyAge, ""},
	} {
		h.input(line("c1", "n1", map[string]any{"type": "poll", "msg_id": 9, "offsets": offsets}))
		h.now = h.now.Add(tc.wait)
		var got []outMsg
		for i := 0; i < 10 && len(h.s.polls) > 0; i++ {
			got = append(got, h.input()...)
			h.now = h.now.Add(pollStepGap)
		}
		if len(h.s.polls) > 0 {
			t.Fatalf("wait %v: the poll is still in steps", tc.wait)
		}
		switch {
		case tc.want == "" && len(got) != 0:
			t.Fatalf("wait %v: got %v, want no reply", tc.wait, got)
		case tc.want != "" && (len(got) != 1 || got[0].typ() != tc.want):
			t.Fatalf("wait %v: got %v, want one %s", tc.wait, got, tc.want)
		case tc.want == "error":
			if code, _ := got[0].intField("code"); code != 11 {
				t.Fatalf("wait %v: code %d, want 11", tc.wait, code)
			}
		}
	}
}

// TestNextWakeWithPollsInSteps: NextWake is the sooner of a poll's next
// step and the other work waiting, here a send held for want of a
// leader (its hold timeout).
func TestNextWakeWithPollsInSteps(t *testing.T) {
	for _, gap := range []time.Duration{100 * time.Millisecond, 2 * time.Second} {
		cfg := testConfig()
		cfg.MaxStaleness = 0
		cfg.PollStep = 1
		cfg.PollStepGap = gap
		h := newSingle(t, cfg)
		// One of three nodes, alone: no leader, so a send waits.
		h.input(line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1", "n2", "n3"}}))
		h.input(line("c1", "n1", map[string]any{"type": "send", "msg_id": 2, "key": "k", "msg": 1}))
		h.input(line("c2", "n1", map[string]any{"type": "poll", "msg_id": 3, "offsets": map[string]any{"a": 0, "b": 0, "c": 0}}))
		if len(h.s.polls) != 1 || h.s.queue.len() != 1 {
			t.Fatalf("gap %v: %d polls in steps, %d queued; want 1 and 1", gap, len(h.s.polls), h.s.queue.len())
		}
		at, ok := h.s.NextWake()
		want := min(gap, cfg.HoldTimeout)
		if !ok || at.Sub(h.now) != want {
			t.Fatalf("gap %v: NextWake in %v (%v), want %v", gap, at.Sub(h.now), ok, want)
		}
	}
}
