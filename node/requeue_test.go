package node

import (
	"fmt"
	"testing"
)

// A send forwarded to a leader that is cut off before it proposes it is
// sent again to the next leader, and acknowledged long before the
// request's deadline, exactly once (requeueSent).
func TestForwardToLostLeaderIsSentAgain(t *testing.T) {
	cfg := testConfig()
	c := newCluster(t, 3, cfg)
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	leader := c.leader()
	follower := c.names[0]
	if follower == leader {
		follower = c.names[1]
	}
	c.isolate(leader)
	id := c.request("c9", follower, map[string]any{"type": "send", "key": "k", "msg": 7})
	asked := c.now
	var m outMsg
	c.until("an answer to the send", 1000, func() bool {
		var ok bool
		m, ok = c.reply("c9", id)
		return ok
	})
	if m.typ() != "send_ok" {
		t.Fatalf("the send got %s after the leader was cut off: %s", m.typ(), m.Line)
	}
	if took := c.now.Sub(asked); took >= cfg.RequestTimeout/2 {
		t.Fatalf("the send took %v, not far from its %v deadline", took, cfg.RequestTimeout)
	}
	if st := c.srv[follower].stats; st.requeued == 0 {
		t.Fatal("acknowledged without being queued again: the test did not cut the first forward off")
	}
	// Exactly once: the key holds the message at one offset.
	pid := c.request("c9", follower, map[string]any{"type": "poll", "offsets": map[string]any{"k": 0}})
	c.step()
	p, ok := c.reply("c9", pid)
	if !ok || p.typ() != "poll_ok" {
		t.Fatalf("poll: %v %s", ok, p.Line)
	}
	msgs, _ := p.Body["msgs"].(map[string]any)
	if got := fmt.Sprint(msgs["k"]); got != "[[0 7]]" {
		t.Fatalf("key k holds %s, want [[0 7]]", got)
	}
}
