package zab

import (
	"fmt"
	"slices"
	"testing"
)

// Lazy fan-out (fanout.go) and quiet heartbeats (pingQuiet), as
// conversations with one leader.

// paced configures a leader that paces its followers with the given
// lazy bound, and keeps heartbeats, resends and timeouts out of the way.
func paced(lazy int) func(*Config) {
	return func(cfg *Config) {
		cfg.LazyFanoutTicks = lazy
		cfg.HeartbeatTicks, cfg.SyncLimit, cfg.ResendTicks = 100, 200, 100
	}
}

// receivers lists the destinations of the messages of type typ, ascending.
func receivers(msgs []Message, typ MsgType) []PeerID {
	var out []PeerID
	for _, m := range msgs {
		if m.Type == typ {
			out = append(out, m.To)
		}
	}
	slices.Sort(out)
	return out
}

// Each round goes to quorum-1 followers, least recently served first;
// a follower whose turn it was not gets the accumulated proposals, and the
// commit point, in one PROPOSAL at its next turn.
func TestPacedRoundsRotate(t *testing.T) {
	c, s := establishedLeader(t, 5, paced(10))
	ack := func(z Zxid, ids ...PeerID) {
		for _, id := range ids {
			c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: s[id], Zxid: z})
		}
	}
	za, _ := c.p.Propose([]byte("a"))
	msgs := c.drain()
	if got := receivers(msgs, MsgProposal); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("round 1 went to %v, want [1 2] (a quorum of 5 needs 2 followers):%s", got, describeMsgs(msgs))
	}
	ack(za, 1, 2)
	if msgs := c.drain(); len(msgs) != 0 {
		t.Fatalf("commit-only messages while rounds keep coming:%s", describeMsgs(msgs))
	}
	if zs(c.delivered) != fmt.Sprint([]Zxid{za}) {
		t.Fatalf("leader delivered %s, want %v", zs(c.delivered), za)
	}

	zb, _ := c.p.Propose([]byte("b"))
	msgs = c.drain()
	props := only(t, msgs, MsgProposal, 2)
	for _, m := range props {
		if m.To != 3 && m.To != 4 {
			t.Fatalf("round 2 went to %d, want the followers not yet served:%s", m.To, describeMsgs(msgs))
		}
		if m.Zxid != 0 || zs(m.Txns) != fmt.Sprint([]Zxid{za, zb}) || m.Commit != za {
			t.Fatalf("held-back follower got %s after %v commit %v, want both proposals and commit %v",
				zs(m.Txns), m.Zxid, m.Commit, za)
		}
	}
	ack(zb, 3, 4)
	c.drain()

	zc, _ := c.p.Propose([]byte("c"))
	msgs = c.drain()
	props = only(t, msgs, MsgProposal, 2)
	for _, m := range props {
		if (m.To != 1 && m.To != 2) || m.Zxid != za || zs(m.Txns) != fmt.Sprint([]Zxid{zb, zc}) || m.Commit != zb {
			t.Fatalf("round 3: %s", describeMsgs(props))
		}
	}
}

// A follower with unacknowledged proposals is picked last, however long
// ago it was served: it may be slow or cut off, and would hold up the
// commit.
func TestPacedPrefersAnsweringFollowers(t *testing.T) {
	c, s := establishedLeader(t, 5, paced(10))
	za, _ := c.p.Propose([]byte("a"))
	c.drain() // to 1 and 2
	c.step(Message{Type: MsgAck, From: 1, Epoch: 1, Session: s[1], Zxid: za})
	zb, _ := c.p.Propose([]byte("b"))
	if got := receivers(c.drain(), MsgProposal); fmt.Sprint(got) != "[3 4]" {
		t.Fatalf("round 2 went to %v, want [3 4]", got)
	}
	for _, id := range []PeerID{3, 4} {
		c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: s[id], Zxid: zb})
	}
	c.p.Propose([]byte("c"))
	// 2 was served in round 1 like 1, but has not answered.
	if got := receivers(c.drain(), MsgProposal); fmt.Sprint(got) != "[1 3]" {
		t.Fatalf("round 3 went to %v, want [1 3]: the silent 2 last", got)
	}
}

// A follower that is never picked still hears everything waiting for it,
// exactly every LazyFanoutTicks ticks: never more often, never less.
func TestPacedLazyBound(t *testing.T) {
	const lazy = 3
	c, s := establishedLeader(t, 5, paced(lazy))
	var at []int // ticks at which follower 4 was sent anything
	for tick := 1; tick <= 20; tick++ {
		c.p.Tick()
		z, err := c.p.Propose([]byte{byte(tick)})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range c.drain() {
			if m.To == 4 {
				at = append(at, tick)
			}
		}
		for _, id := range []PeerID{1, 2, 3} { // 4 never answers
			c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: s[id], Zxid: z})
		}
		c.drain()
	}
	if len(at) < 5 {
		t.Fatalf("follower 4 was sent something at ticks %v only", at)
	}
	for i := 1; i < len(at); i++ {
		if at[i]-at[i-1] != lazy {
			t.Fatalf("follower 4 was sent something at ticks %v, want every %d ticks", at, lazy)
		}
	}
}

// When rounds stop, nobody waits for a turn: within idleRoundTicks every
// follower has the commit point, and not before.
func TestPacedIdleCommitReachesAll(t *testing.T) {
	c, s := establishedLeader(t, 5, paced(10))
	za, _ := c.p.Propose([]byte("a"))
	c.drain()
	for _, id := range []PeerID{1, 2} {
		c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: s[id], Zxid: za})
	}
	c.drain()
	told := map[PeerID]bool{}
	for tick := 1; tick <= idleRoundTicks; tick++ {
		c.p.Tick()
		for _, m := range c.drain() {
			if (m.Type == MsgCommit || m.Type == MsgProposal) && m.Commit == za {
				told[m.To] = true
			}
		}
		if tick < idleRoundTicks && len(told) > 0 {
			t.Fatalf("commit sent after %d tick(s), while another round may still come", tick)
		}
	}
	if len(told) != 4 {
		t.Fatalf("after %d idle ticks the commit reached %v, want all 4 followers", idleRoundTicks, told)
	}
}

// A follower that waits for a commit (WantCommit) gets it as soon as the
// commit point reaches what it waits for, and the round starting then
// goes to it first: commit and new proposals in one message, which it
// answers with one ACK. CommitPoint shows the commit before the Ready
// that delivers it.
func TestPacedOriginGetsCommitAtOnce(t *testing.T) {
	c, s := establishedLeader(t, 5, paced(10))
	ack := func(z Zxid, ids ...PeerID) {
		for _, id := range ids {
			c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: s[id], Zxid: z})
		}
	}
	za, _ := c.p.Propose([]byte("a"))
	c.p.WantCommit(3, za) // 3 forwarded a's operations
	c.p.WantCommit(9, za) // no such follower: ignored
	if got := receivers(c.drain(), MsgProposal); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("round 1 went to %v, want [1 2]", got)
	}
	ack(za, 1, 2)
	if cp, del := c.p.CommitPoint(), c.p.Status().Committed; cp != za || del == za {
		t.Fatalf("CommitPoint %v, delivered %v: want the commit point at %v before the Ready", cp, del, za)
	}
	// The next round starts in the same Ready as the commit.
	zb, _ := c.p.Propose([]byte("b"))
	msgs := c.drain()
	only(t, msgs, MsgCommit, 0)
	props := only(t, msgs, MsgProposal, 2)
	if got := receivers(msgs, MsgProposal); fmt.Sprint(got) != "[3 4]" {
		t.Fatalf("round 2 went to %v, want 3 (owed the commit) and 4:%s", got, describeMsgs(msgs))
	}
	for _, m := range props {
		if m.Commit != za || zs(m.Txns) != fmt.Sprint([]Zxid{za, zb}) {
			t.Fatalf("round 2 to %d: commit %v txns %s, want commit %v and both proposals", m.To, m.Commit, zs(m.Txns), za)
		}
	}

	// Without a new round, the owed follower gets what it lacks and the
	// commit at once, and only it: the others wait for their turn.
	ack(zb, 3, 4)
	c.p.WantCommit(1, zb)
	msgs = c.drain()
	if len(msgs) != 1 || msgs[0].To != 1 || msgs[0].Type != MsgProposal || msgs[0].Commit != zb || zs(msgs[0].Txns) != fmt.Sprint([]Zxid{zb}) {
		t.Fatalf("after zb commits: %s, want one PROPOSAL of zb with commit %v, to 1", describeMsgs(msgs), zb)
	}
	// A commit it was told already is not owed again, and one not yet
	// reached is not owed yet: round 3 is picked as usual (2 served
	// longest ago, then 3; 1 has not acknowledged zb, so it comes last).
	zc, _ := c.p.Propose([]byte("c"))
	c.p.WantCommit(1, zb)
	c.p.WantCommit(4, zc)
	if got := receivers(c.drain(), MsgProposal); fmt.Sprint(got) != "[2 3]" {
		t.Fatalf("round 3 went to %v, want [2 3]", got)
	}
}

// Unpaced (the default), every follower gets every round; negative pacing
// settings mean off.
func TestUnpacedSendsToAll(t *testing.T) {
	c, _ := establishedLeader(t, 5, func(cfg *Config) { cfg.LazyFanoutTicks, cfg.FanoutSpare = -1, -1 })
	c.p.Propose([]byte("a"))
	if got := receivers(c.drain(), MsgProposal); fmt.Sprint(got) != "[1 2 3 4]" {
		t.Fatalf("went to %v, want everyone", got)
	}
}

// FanoutSpare adds followers beyond a quorum's need to each round.
func TestPacedSpare(t *testing.T) {
	c, _ := establishedLeader(t, 5, func(cfg *Config) { paced(10)(cfg); cfg.FanoutSpare = 1 })
	c.p.Propose([]byte("a"))
	if got := receivers(c.drain(), MsgProposal); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("went to %v, want quorum-1 plus one spare", got)
	}
}

// Quiet heartbeats: a follower that is being sent proposals gets no PING;
// once nothing has gone to it for HeartbeatTicks it gets one, and then one
// every HeartbeatTicks, which it answers with an ACK.
func TestQuietHeartbeat(t *testing.T) {
	const hb = 3
	c, s := establishedLeader(t, 3, func(cfg *Config) { cfg.HeartbeatTicks, cfg.SyncLimit = hb, 20 })
	for tick := 0; tick < 10; tick++ {
		c.p.Tick()
		z, _ := c.p.Propose([]byte{byte(tick)})
		msgs := c.drain()
		only(t, msgs, MsgPing, 0)
		for _, id := range []PeerID{1, 2} {
			c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: s[id], Zxid: z})
		}
		c.drain()
	}
	var pings []int
	for tick := 1; tick <= 10; tick++ {
		c.p.Tick()
		for _, m := range c.drain() {
			if m.Type == MsgPing {
				pings = append(pings, tick)
				c.step(Message{Type: MsgAck, From: m.To, Epoch: 1, Session: s[m.To], Zxid: m.Zxid})
			}
		}
	}
	// Both followers were last sent the COMMIT of tick 0's proposal.
	if fmt.Sprint(pings) != "[3 3 6 6 9 9]" {
		t.Fatalf("PINGs at ticks %v, want both followers at 3, 6 and 9", pings)
	}
	if r := c.p.Status().Role; r != RoleLeading {
		t.Fatalf("role %v: answered PINGs must keep the quorum", r)
	}
}

// Any message of the session is a sign of life for a follower: one fed
// only PROPOSALs, never a PING, stays following well past SyncLimit, and
// gives up SyncLimit ticks after they stop.
func TestFollowerLivesOnProposalsAlone(t *testing.T) {
	c, s := syncedFollower(t) // SyncLimit 5
	prev := MakeZxid(1, 3)
	for i := uint32(1); i <= 15; i++ {
		c.p.Tick()
		z := MakeZxid(2, i)
		c.step(Message{Type: MsgProposal, From: 3, Epoch: 2, Session: s, Zxid: prev, Txns: txns(z), Stamp: int64(100 + i)})
		c.drain()
		prev = z
	}
	if r := c.p.Status().Role; r != RoleFollowing {
		t.Fatalf("role %v while the leader kept sending proposals", r)
	}
	for i := 0; i < 6; i++ {
		c.p.Tick()
	}
	if r := c.p.Status().Role; r != RoleLooking {
		t.Fatalf("role %v after SyncLimit of silence", r)
	}
}

// The lossy random cluster, paced: same safety and convergence checks.
func TestRandomLossyClusterPaced(t *testing.T) {
	eachSeed(t, []int64{21, 22, 23, 24, 25, 26}, func(t *testing.T, seed int64, n int) {
		runRandomWith(t, seed, n, func(cfg *Config) {
			cfg.LazyFanoutTicks = 1 + int(seed%3)
			cfg.FanoutSpare = int(seed % 2)
			cfg.HeartbeatTicks = 1 + int(seed%2)
		})
	})
}

// TestHasReadyIsExact runs the lossy random cluster, paced and unpaced,
// checking at every HasReady that it is exact and pure: true only for a
// Ready that is not empty, the same when asked twice, and false only when
// a flush would send nothing (cluster.hasReady). The paced runs exercise
// the rounds a flush starts, which HasReady must foresee without starting
// them.
func TestHasReadyIsExact(t *testing.T) {
	eachSeed(t, []int64{31, 32, 33, 34, 35, 36}, func(t *testing.T, seed int64, n int) {
		runRandomChecked(t, seed, n, func(cfg *Config) {
			cfg.LazyFanoutTicks = int(seed % 3) // 0: unpaced
			cfg.FanoutSpare = int(seed/3) % 2
		}, true)
	})
}
