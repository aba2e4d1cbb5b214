package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"zabkafka/log/kafka"
)

// leaderRepliesCluster is three nodes with Config.LeaderReplies, a leader
// elected, and the names of the leader and its two followers.
func leaderRepliesCluster(t *testing.T) (c *cluster, lead, f, g string) {
	cfg := testConfig()
	cfg.LeaderReplies = true
	c = newCluster(t, 3, cfg)
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	lead = c.leader()
	for _, n := range c.names {
		switch {
		case n == lead:
		case f == "":
			f = n
		default:
			g = n
		}
	}
	return c, lead, f, g
}

// TestLeaderAnswersForwardedSends: with LeaderReplies, every send
// through a follower is answered once, by the leader, with the offset
// every replica holds it at; a commit_offsets through a follower is still
// answered by the follower.
func TestLeaderAnswersForwardedSends(t *testing.T) {
	c, lead, f, _ := leaderRepliesCluster(t)
	keys := []string{"a", "b"}
	var msgs []int64
	for i := range 30 {
		msgs = append(msgs, int64(i))
	}
	acks, errs := c.sendAll(c.names, keys, msgs)
	if len(errs) != 0 || len(acks) != len(msgs) {
		t.Fatalf("%d acks, errors %v", len(acks), errs)
	}
	for client, rs := range c.replies {
		for _, r := range rs {
			if r.msg.typ() == "send_ok" && r.msg.Src != lead {
				t.Fatalf("%s got a send_ok from %s, not the leader %s: %s", client, r.msg.Src, lead, r.msg.Line)
			}
		}
	}
	if got := c.srv[lead].stats.answeredFor; got != 20 {
		t.Fatalf("leader answered %d sends for followers, want the 20 sent through them", got)
	}
	c.until("replicas converged", 100, c.converged)
	c.checkAcks(acks, keys)

	id := c.request("c20", f, map[string]any{"type": "commit_offsets", "offsets": map[string]any{"a": 1}})
	c.until("commit_offsets answered", 100, func() bool { _, ok := c.reply("c20", id); return ok })
	if m, _ := c.reply("c20", id); m.typ() != "commit_offsets_ok" || m.Src != f {
		t.Fatalf("commit_offsets through %s: want commit_offsets_ok from it, got %s", f, m.Line)
	}
	c.checkDeadlines()
}

// TestOriginAnswersSendCommittedInRecovery: the leader proposes a
// follower's send, marked as its own to answer, and is cut off before
// any ACK reaches it. The next leader commits the send while it
// recovers, in another epoch, so the origin answers it, once.
func TestOriginAnswersSendCommittedInRecovery(t *testing.T) {
	c, lead, f, _ := leaderRepliesCluster(t)
	blocked := false
	c.drop = func(from, to string, l []byte) bool {
		if to != lead {
			return false
		}
		if blocked {
			return true
		}
		if from == f && bytes.Contains(l, []byte(`"fw":`)) {
			blocked = true // this forward arrives; nothing after it does
		}
		return false
	}
	id := c.request("c1", f, map[string]any{"type": "send", "key": "a", "msg": 7})
	c.until("the leader proposed the send", 50, func() bool {
		return c.srv[lead].stats.proposedOps > 0 && c.srv[lead].delegated.len() == 1
	})
	for i := 0; i < 5; i++ {
		c.step() // the proposal reaches both followers; their ACKs are lost
	}
	c.drop = nil
	c.isolate(lead)
	var rest []string
	for _, n := range c.names {
		if n != lead {
			rest = append(rest, n)
		}
	}
	c.until("a new leader among the rest", 1000, func() bool { return c.leader(rest...) != "" })
	c.until("the send answered", 200, func() bool { _, ok := c.reply("c1", id); return ok })
	m, _ := c.reply("c1", id)
	if m.typ() != "send_ok" || m.Src != f {
		t.Fatalf("want send_ok from the origin %s, got %s", f, m.Line)
	}
	if off, _ := m.intField("offset"); off != 0 {
		t.Fatalf("offset %d, want 0", off)
	}
	c.heal()
	c.until("everyone back in one epoch", 1000, func() bool { return c.leader() != "" })
	c.until("replicas converged", 200, c.converged)
	for i := 0; i < 100; i++ {
		c.step()
	}
	if n := len(c.replies["c1"]); n != 1 {
		t.Fatalf("client got %d replies, want 1: %v", n, c.replies["c1"])
	}
	c.checkAcks([]ack{{"a", 7, 0}}, []string{"a"})
	c.checkDeadlines()
}

// TestLeaderSilentPastDeadline: the leader takes over a follower's send,
// and the clock then passes the request's deadline before the send
// commits, as when the leader is paused. The leader must stay silent (the
// client has given up); the origin answers the indefinite timeout at the
// deadline, and nothing else reaches the client.
func TestLeaderSilentPastDeadline(t *testing.T) {
	c, lead, f, _ := leaderRepliesCluster(t)
	id := c.request("c1", f, map[string]any{"type": "send", "key": "a", "msg": 7})
	c.until("the leader took the send over", 50, func() bool { return c.srv[lead].delegated.len() == 1 })
	c.now = c.now.Add(c.cfg.RequestTimeout)
	c.until("the leader committed it", 50, func() bool { return len(c.srv[lead].kafka.Poll("a", 0, 10)) == 1 })
	c.until("f applied it", 100, func() bool { return len(c.srv[f].kafka.Poll("a", 0, 10)) == 1 })
	for i := 0; i < 50; i++ {
		c.step()
	}
	if n := len(c.replies["c1"]); n != 1 {
		t.Fatalf("client got %d replies, want only the deadline's: %v", n, c.replies["c1"])
	}
	m, _ := c.reply("c1", id)
	if code, _ := m.intField("code"); m.typ() != "error" || code != 0 || m.Src != f {
		t.Fatalf("want the indefinite error 0 from %s, got %s", f, m.Line)
	}
	if got := c.srv[lead].stats.answeredFor; got != 0 {
		t.Fatalf("leader answered %d sends past their deadline", got)
	}
}

// TestReplyToIsChecked: the leader takes over only what it may answer: a
// list that lines up with the forwarded operations, a send, a client
// name (never a cluster member's), a deadline still ahead; and a node
// without LeaderReplies takes over nothing. The mark goes only on an op
// whose replyTo it holds.
func TestReplyToIsChecked(t *testing.T) {
	cfg := testConfig()
	cfg.LeaderReplies = true
	h := newLeader(t, cfg)
	s := h.s
	ops := []kafka.Op{sendOp("a", 1, "n2", 1), sendOp("a", 2, "n2", 2)}
	raw, _ := json.Marshal([]replyTo{{Client: "c1", MsgID: 1, Deadline: h.now.Add(time.Second).UnixMilli()}})
	if got := s.decodeReplyTos("n2", raw, len(ops)); got != nil {
		t.Fatalf("a list of 1 for 2 ops was taken: %v", got)
	}
	if got := s.decodeReplyTos("n2", json.RawMessage(`[{"c":7}]`), 1); got != nil {
		t.Fatalf("a malformed list was taken: %v", got)
	}
	if got := s.decodeReplyTos("n2", json.RawMessage(`null`), 1); got != nil {
		t.Fatalf("null was taken: %v", got)
	}

	ahead := h.now.Add(time.Second).UnixMilli()
	commit := kafka.Op{Kind: kafka.OpCommitOffsets, Offsets: map[string]int64{"a": 0}, Origin: "n2", Incarnation: 1, Seq: 9}
	for i, tc := range []struct {
		op   kafka.Op
		rt   replyTo
		take bool
	}{
		{sendOp("a", 1, "n2", 1), replyTo{"c1", 1, ahead}, true},
		{sendOp("a", 1, "n2", 2), replyTo{"n1", 1, ahead}, false},     // a member
		{sendOp("a", 1, "n2", 3), replyTo{"lin-kv", 1, ahead}, false}, // not a client
		{sendOp("a", 1, "n2", 4), replyTo{"c1", 1, h.now.UnixMilli()}, false},
		{sendOp("a", 1, "n2", 5), replyTo{}, false},
		{commit, replyTo{"c1", 1, ahead}, false},
	} {
		s.delegated.reset()
		s.delegate(tc.op, tc.rt, h.now)
		batch := []kafka.Op{tc.op}
		s.markDelegated(batch)
		if got := s.delegated.len() == 1; got != tc.take || batch[0].ProposerAnswers != tc.take {
			t.Errorf("case %d (%+v): taken %v, marked %v; want %v", i, tc.rt, got, batch[0].ProposerAnswers, tc.take)
		}
	}

	s.cfg.LeaderReplies = false
	s.delegated.reset()
	s.delegate(sendOp("a", 1, "n2", 1), replyTo{"c1", 1, ahead}, h.now)
	if s.delegated.len() != 0 {
		t.Fatal("a node without LeaderReplies took a send over")
	}
}

// TestDelegationsExpire: entries are forgotten at their deadline, in
// arrival order, and take forgets one for good.
func TestDelegationsExpire(t *testing.T) {
	var d delegations
	for i := range 4 {
		d.add(sendOp("a", int64(i), "n2", uint64(i+1)), replyTo{Client: fmt.Sprintf("c%d", i), MsgID: 1, Deadline: int64(100 * (i + 1))})
	}
	if _, ok := d.take(sendOp("a", 1, "n2", 2)); !ok {
		t.Fatal("take missed an entry")
	}
	if _, ok := d.take(sendOp("a", 1, "n2", 2)); ok {
		t.Fatal("take found an entry twice")
	}
	d.expire(300)
	if d.len() != 1 || len(d.order) != 1 {
		t.Fatalf("after expire(300): %d entries, order %v; want the one due at 400", d.len(), d.order)
	}
	if _, ok := d.take(sendOp("a", 3, "n2", 4)); !ok {
		t.Fatal("the entry due at 400 is gone")
	}
}

// TestLeaderNoDefiniteErrorForStaleCopy: a follower's send commits and
// the leader answers it; the follower then restarts, so the state
// machine refuses any copy of its old requests as stale. A late copy of
// the old forward, with the client's replyTo in it, reaches the leader
// before the request's deadline. The copy is refused, but the send it
// copies was applied: the leader must not tell the client it failed
// (nodesim seed 8301 with pauses: the first send_ok was lost, the client
// still waited, got a definite error 11, and the checker found the
// message in polls: G1a).
func TestLeaderNoDefiniteErrorForStaleCopy(t *testing.T) {
	c, lead, f, _ := leaderRepliesCluster(t)
	var forward []byte
	c.inspect = func(from, to string, l []byte) {
		if from == f && to == lead && forward == nil && bytes.Contains(l, []byte(`"rt":`)) {
			forward = bytes.Clone(l)
		}
	}
	id := c.request("c1", f, map[string]any{"type": "send", "key": "a", "msg": 7})
	c.until("the send answered", 100, func() bool { _, ok := c.reply("c1", id); return ok })
	if m, _ := c.reply("c1", id); m.typ() != "send_ok" || m.Src != lead {
		t.Fatalf("want send_ok from the leader, got %s", m.Line)
	}
	if forward == nil {
		t.Fatal("no forward with a replyTo was seen")
	}
	c.inspect = nil

	// f restarts: a new process, a new incarnation.
	c.srv[f].Close()
	buf := &bytes.Buffer{}
	s, err := NewServer(c.cfg, buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c.srv[f], c.out[f] = s, buf
	c.request("c0", f, map[string]any{"type": "init", "node_id": f, "node_ids": c.names})
	id2 := c.request("c2", f, map[string]any{"type": "send", "key": "a", "msg": 8})
	c.until("the restarted follower's send answered", 1000, func() bool { _, ok := c.reply("c2", id2); return ok })
	if m, _ := c.reply("c2", id2); m.typ() != "send_ok" {
		t.Fatalf("the restarted follower's send: %s", m.Line)
	}

	applied := c.srv[lead].stats.applied
	c.inbox[lead] = append(c.inbox[lead], forward)
	c.until("the late copy applied", 100, func() bool { return c.srv[lead].stats.applied > applied })
	for i := 0; i < 20; i++ {
		c.step()
	}
	for _, r := range c.replies["c1"][1:] {
		if code, _ := r.msg.intField("code"); r.msg.typ() != "error" || code != codeUnknown {
			t.Fatalf("after its send_ok the client got %s: only an indefinite error may follow", r.msg.Line)
		}
	}
	c.until("replicas converged", 200, c.converged)
	c.checkAcks([]ack{{"a", 7, 0}, {"a", 8, 1}}, []string{"a"})
	c.checkDeadlines()
}
