package node

import (
	"testing"
	"time"
)

// followerAnswering returns a 3-node cluster with an established leader
// and a follower whose client c1 keeps one send in flight, stepped until
// a step in which the follower answered c1 and ok held; ok is told how
// many messages the follower sent to other nodes in that step. The
// leader paces its followers (lazy fan-out), so a follower gets the
// commit of its client's operation together with new proposals, which
// it acknowledges.
func followerAnswering(t *testing.T, cfg Config, ok func(c *cluster, leader, follower string, sent int) bool) (c *cluster, leader, follower string) {
	t.Helper()
	cfg.Zab.LazyFanoutTicks = 8
	// A round trip takes two steps here (20 ms): a RoundWait above that
	// counts it as short, as a hold needs (pacer.go).
	cfg.RoundWait = time.Second
	c = newCluster(t, 3, cfg)
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	leader = c.leader()
	follower = c.names[0]
	if follower == leader {
		follower = c.names[1]
	}
	// Another client keeps the leader proposing, so that rounds go on.
	other := c.names[2]
	if other == leader || other == follower {
		other = c.names[1]
	}
	id := c.request("c1", follower, map[string]any{"type": "send", "key": "k", "msg": 1})
	for i := 0; i < 200; i++ {
		c.request("c2", leader, map[string]any{"type": "send", "key": "j", "msg": i})
		before := c.srv[follower].stats.peerMsgs
		c.step()
		if _, answered := c.reply("c1", id); answered {
			if ok(c, leader, follower, c.srv[follower].stats.peerMsgs-before) {
				return c, leader, follower
			}
			id = c.request("c1", follower, map[string]any{"type": "send", "key": "k", "msg": i + 2})
		}
	}
	t.Fatalf("no step in which the follower answered its client as wanted")
	return
}

// A follower that answered clients holds its ACK until they are back
// with their next operations, which then leave with it, in one message
// to the leader.
func TestFollowerAckHoldCarriesNextOps(t *testing.T) {
	cfg := testConfig()
	cfg.AckHold = 5 * time.Millisecond
	c, leader, f := followerAnswering(t, cfg, func(c *cluster, leader, f string, sent int) bool {
		if sent != 0 {
			t.Fatalf("follower sent %d messages in the step it answered its client", sent)
		}
		return !c.srv[f].outbox.empty() // an ACK waits
	})
	s := c.srv[f]
	if at, ok := s.NextWake(); !ok || !at.Equal(c.now.Add(cfg.AckHold)) {
		t.Fatalf("NextWake = %v %v, want the end of the hold %v", at, ok, c.now.Add(cfg.AckHold))
	}
	// Something else happens within the hold: nothing leaves.
	early := c.now.Add(cfg.AckHold / 4)
	s.Process(early)
	if out := parseOutput(t, c.out[f]); len(out) != 0 {
		t.Fatalf("sent during the hold: %v", out)
	}
	// The client's next operation arrives within the hold: the hold is
	// over, and the ACK leaves with it.
	mid := c.now.Add(cfg.AckHold / 2)
	s.HandleLine(line("c1", f, map[string]any{"type": "send", "msg_id": 900, "key": "k", "msg": 2}), mid)
	s.Process(mid)
	out := parseOutput(t, c.out[f])
	if len(out) != 1 || out[0].Dest != leader {
		t.Fatalf("the client back: %d messages %v, want one to the leader %s", len(out), out, leader)
	}
	msgs, _ := out[0].Body["m"].([]any)
	if len(msgs) == 0 || out[0].Body["fw"] == nil {
		t.Fatalf("the message does not carry both the ACK and the forwarded op: %s", out[0].Line)
	}
}

// A client that does not come back (a poll, or nothing) holds the ACK
// no longer than AckHold.
func TestFollowerAckHoldBounded(t *testing.T) {
	cfg := testConfig()
	cfg.AckHold = 5 * time.Millisecond
	c, leader, f := followerAnswering(t, cfg, func(c *cluster, leader, f string, sent int) bool {
		return !c.srv[f].outbox.empty()
	})
	s := c.srv[f]
	mid := c.now.Add(cfg.AckHold / 2)
	s.HandleLine(line("c1", f, map[string]any{"type": "poll", "msg_id": 900, "offsets": map[string]any{"k": 0}}), mid)
	s.Process(mid)
	for _, m := range parseOutput(t, c.out[f]) {
		if m.Dest == leader {
			t.Fatalf("a poll ended the hold: %s", m.Line)
		}
	}
	s.Process(c.now.Add(cfg.AckHold))
	out := parseOutput(t, c.out[f])
	if len(out) != 1 || out[0].Dest != leader {
		t.Fatalf("at the end of the hold: %d messages %v, want the ACK to %s", len(out), out, leader)
	}
}

// Without AckHold the ACK leaves in the step that answered the client.
func TestFollowerNoAckHold(t *testing.T) {
	cfg := testConfig()
	cfg.AckHold = 0
	followerAnswering(t, cfg, func(c *cluster, leader, f string, sent int) bool {
		if !c.srv[f].outbox.empty() {
			t.Fatalf("follower held messages with AckHold 0")
		}
		return sent > 0 // it acknowledged in that step
	})
}

// The hold never outlasts the batching window.
func TestFollowerAckHoldCutToWindow(t *testing.T) {
	cfg := testConfig()
	cfg.BatchInterval, cfg.AckHold = 2*time.Millisecond, 5*time.Millisecond
	c, _, f := followerAnswering(t, cfg, func(c *cluster, leader, f string, sent int) bool {
		return !c.srv[f].outbox.empty()
	})
	if at, ok := c.srv[f].NextWake(); !ok || !at.Equal(c.now.Add(cfg.BatchInterval)) {
		t.Fatalf("NextWake = %v %v, want the end of the window %v", at, ok, c.now.Add(cfg.BatchInterval))
	}
}
