package node

import (
	"testing"
	"time"

	"zabkafka/zab"
)

// TestFreshnessRule: when reads may be served, state by state. Five
// nodes; this one is peer 1; the bound is 100 ms; it is now 1 s.
func TestFreshnessRule(t *testing.T) {
	now := t0.Add(time.Second)
	recent, old := now.Add(-50*time.Millisecond), now.Add(-150*time.Millisecond)
	following := zab.Status{Role: zab.RoleFollowing, Phase: zab.PhaseBroadcast, Leader: 3}
	leading := zab.Status{Role: zab.RoleLeading, Phase: zab.PhaseBroadcast, Leader: 1}
	tests := []struct {
		name  string
		bound time.Duration
		st    zab.Status
		heard map[zab.PeerID]time.Time
		fresh bool
	}{
		{"no bound: always", 0, zab.Status{Role: zab.RoleLooking}, nil, true},
		{"looking", 100 * time.Millisecond, zab.Status{Role: zab.RoleLooking, Phase: zab.PhaseElection}, nil, false},
		{"following, still synchronising", 100 * time.Millisecond,
			zab.Status{Role: zab.RoleFollowing, Phase: zab.PhaseSync, Leader: 3}, map[zab.PeerID]time.Time{3: recent}, false},
		{"following, leader heard lately", 100 * time.Millisecond, following, map[zab.PeerID]time.Time{3: recent}, true},
		{"following, leader heard too long ago", 100 * time.Millisecond, following, map[zab.PeerID]time.Time{3: old, 2: recent, 4: recent}, false},
		{"leading, a quorum heard lately", 100 * time.Millisecond, leading, map[zab.PeerID]time.Time{2: recent, 5: recent, 3: old}, true},
		{"leading, only a minority heard lately", 100 * time.Millisecond, leading, map[zab.PeerID]time.Time{2: recent, 3: old, 4: old}, false},
		{"leading, still synchronising", 100 * time.Millisecond,
			zab.Status{Role: zab.RoleLeading, Phase: zab.PhaseSync, Leader: 1}, map[zab.PeerID]time.Time{2: recent, 3: recent}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFreshness(tc.bound, 5)
			for id, at := range tc.heard {
				f.noteContact(id, 7, at)
				// The same mark again, later, is no news from id.
				f.noteContact(id, 7, now)
			}
			why := f.stale(tc.st, 1, now)
			if (why == "") != tc.fresh {
				t.Fatalf("stale = %q, want fresh %v", why, tc.fresh)
			}
		})
	}
	// A cluster of one needs nobody.
	alone := newFreshness(100*time.Millisecond, 1)
	if why := alone.stale(leading, 1, now); why != "" {
		t.Fatalf("a leader of one: %q", why)
	}
}

// staleReadsCluster is three nodes with a 100 ms read staleness bound and
// a SyncLimit of 1 s, so that within a cut the bound, not the role,
// refuses reads; it returns once a leader leads, with one follower.
func staleReadsCluster(t *testing.T) (c *cluster, cfg Config, leader, follower string) {
	cfg = testConfig()
	cfg.MaxStaleness = 100 * time.Millisecond
	cfg.Zab.SyncLimit = 100
	c = newCluster(t, 3, cfg)
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	leader = c.leader()
	follower = c.names[0]
	if follower == leader {
		follower = c.names[1]
	}
	return c, cfg, leader, follower
}

// A follower cut off from its leader serves polls until MaxStaleness has
// passed since it last heard from it, then refuses them with a definite
// 11, before it gives up on the leader (SyncLimit, longer here), and
// serves again once the cut heals. The leader, cut off from the quorum,
// does the same.
func TestStaleNodesRefuseReads(t *testing.T) {
	c, cfg, leader, follower := staleReadsCluster(t)
	acks, _ := c.sendAll(c.names, []string{"k"}, []int64{1, 2, 3})
	if len(acks) == 0 {
		t.Fatal("no send acknowledged")
	}
	poll := func(node string) (code int64, ok bool) {
		id := c.request("c9", node, map[string]any{"type": "poll", "offsets": map[string]any{"k": 0}})
		c.step()
		m, got := c.reply("c9", id)
		if !got {
			t.Fatalf("poll to %s not answered at once", node)
		}
		if m.typ() == "poll_ok" {
			return 0, true
		}
		code, _ = m.intField("code")
		return code, false
	}
	for _, n := range []string{leader, follower} {
		if code, ok := poll(n); !ok {
			t.Fatalf("%s refused a poll while in touch: %d", n, code)
		}
	}

	c.isolate(follower)
	c.isolate(leader)
	cut := c.now
	for _, n := range []string{leader, follower} {
		served := true
		for served {
			_, served = poll(n)
			if served && c.now.Sub(cut) > cfg.MaxStaleness+2*cfg.Tick {
				t.Fatalf("%s still serves polls %v after the cut", n, c.now.Sub(cut))
			}
		}
		if code, _ := poll(n); code != 11 {
			t.Fatalf("%s: code %d, want 11", n, code)
		}
		// The bound counts from the last message heard, a step or two
		// before the cut.
		if c.now.Sub(cut) < cfg.MaxStaleness-2*cfg.Tick {
			t.Fatalf("%s refused polls %v after the cut, before the bound", n, c.now.Sub(cut))
		}
		st := c.srv[n].peer.Status()
		if st.Phase != zab.PhaseBroadcast {
			t.Fatalf("%s left broadcast (%v): the role refused, not the bound", n, st.Phase)
		}
	}

	c.heal()
	c.until("a leader after the heal", 1000, func() bool { return c.leader() != "" })
	c.until("the follower serving again", 100, func() bool { _, ok := poll(follower); return ok })
}

// Copies of the leader's old messages, delivered late to a follower cut
// off from it, are no sign that the follower is in touch: it refuses
// reads once MaxStaleness has passed since it last heard the leader
// itself, however many old copies keep arriving (zab.Peer.Contact).
func TestLateCopiesDoNotKeepReadsFresh(t *testing.T) {
	c, cfg, leader, follower := staleReadsCluster(t)
	var old [][]byte // what the leader sent the follower before the cut
	c.inspect = func(from, to string, line []byte) {
		if from == leader && to == follower {
			old = append(old, line)
		}
	}
	if acks, _ := c.sendAll(c.names, []string{"k"}, []int64{1, 2, 3}); len(acks) == 0 {
		t.Fatal("no send acknowledged")
	}
	c.inspect = nil
	if len(old) == 0 {
		t.Fatal("captured no message from the leader to the follower")
	}
	c.isolate(follower)
	cut := c.now
	for i := 0; c.now.Sub(cut) < cfg.MaxStaleness+5*cfg.Tick; i++ {
		// The network delivers an old copy every step.
		c.inbox[follower] = append(c.inbox[follower], old[i%len(old)])
		c.step()
	}
	id := c.request("c9", follower, map[string]any{"type": "poll", "offsets": map[string]any{"k": 0}})
	c.step()
	m, ok := c.reply("c9", id)
	if !ok {
		t.Fatal("poll not answered at once")
	}
	if code, _ := m.intField("code"); m.typ() == "poll_ok" || code != 11 {
		t.Fatalf("%s answered %s (code %d) %v after the cut, fed old copies: want 11", follower, m.typ(), code, c.now.Sub(cut))
	}
	if st := c.srv[follower].peer.Status(); st.Phase != zab.PhaseBroadcast {
		t.Fatalf("%s left broadcast (%v): the role refused, not the bound", follower, st.Phase)
	}
}
