package zab

import (
	"fmt"
	"testing"
)

// leaderInDiscovery returns peer n of an n-peer ensemble (the highest id)
// leading, with storage st, before any FOLLOWERINFO.
func leaderInDiscovery(t *testing.T, n int, st *memStorage) *conv {
	c := newConv(t, PeerID(n), n, st)
	var others []PeerID
	for i := 1; i < n; i++ {
		others = append(others, PeerID(i))
	}
	c.lead(others...)
	c.drain()
	return c
}

// acceptedEpoch = e is written in the Ready that sends the first
// LEADERINFO, currentEpoch = e in the Ready that sends the first
// NEWLEADER (docs/rules.md#acceptedepoch-before-leaderinfo-and-ackepoch,
// docs/rules.md#the-leaders-currentepoch-before-newleader).
func TestLeaderEpochWritesPrecedeMessages(t *testing.T) {
	c := leaderInDiscovery(t, 3, logOf(1, 1, run(1, 1, 3)...))
	c.step(Message{Type: MsgFollowerInfo, From: 1, Epoch: 1, Attempt: 1})
	rd := c.ready()
	if rd.Epochs == nil || *rd.Epochs != (Epochs{Accepted: 2, Current: 1}) {
		t.Fatalf("Epochs %v, want accepted 2 with the first LEADERINFO", rd.Epochs)
	}
	li := only(t, rd.Messages, MsgLeaderInfo, 1)[0]
	if li.To != 1 || li.Epoch != 2 || li.Session == 0 {
		t.Fatalf("LEADERINFO %+v", li)
	}
	c.step(Message{Type: MsgAckEpoch, From: 1, Epoch: 2, Session: li.Session, Counted: true,
		Zxid: MakeZxid(1, 2), CurrentEpoch: 1, Commit: MakeZxid(1, 1)})
	rd = c.ready()
	if rd.Epochs == nil || *rd.Epochs != (Epochs{Accepted: 2, Current: 2}) {
		t.Fatalf("Epochs %v, want current 2 with the first NEWLEADER", rd.Epochs)
	}
	nl := only(t, rd.Messages, MsgNewLeader, 1)[0]
	if nl.Mode != SyncDiff || nl.Zxid != MakeZxid(1, 2) || zs(nl.Txns) != fmt.Sprint(run(1, 3, 3)) {
		t.Fatalf("NEWLEADER %+v", nl)
	}
	// The epoch is established by the follower's ack plus the leader's
	// own durable currentEpoch; the inherited history is then committed.
	c.step(Message{Type: MsgAckNewLeader, From: 1, Epoch: 2, Session: li.Session, Zxid: MakeZxid(1, 3)})
	rd = c.ready()
	ut := only(t, rd.Messages, MsgUpToDate, 1)[0]
	if ut.Commit != MakeZxid(1, 3) {
		t.Fatalf("UPTODATE commit %v, want the whole inherited history 1:3", ut.Commit)
	}
	if zs(rd.Committed) != fmt.Sprint(run(1, 1, 3)) {
		t.Fatalf("leader delivered %s", zs(rd.Committed))
	}
	if st := c.p.Status(); st.Phase != PhaseBroadcast {
		t.Fatalf("phase %v", st.Phase)
	}
}

// An uncounted ACKEPOCH (the follower had already promised e) does not
// help form the epoch quorum: with only such acks the leader times out
// instead of establishing (TestRepeatedLeaderInfoGetsUncountedAck is the
// same in the simulation).
func TestLeaderUncountedAckEpochDoesNotCount(t *testing.T) {
	c := leaderInDiscovery(t, 3, logOf(1, 1))
	c.step(Message{Type: MsgFollowerInfo, From: 1, Epoch: 2, Attempt: 1})
	li := only(t, c.drain(), MsgLeaderInfo, 1)[0]
	if li.Epoch != 3 {
		t.Fatalf("epoch %d, want 1 + max accepted = 3", li.Epoch)
	}
	c.step(Message{Type: MsgAckEpoch, From: 1, Epoch: 3, Session: li.Session, Counted: false})
	only(t, c.drain(), MsgNewLeader, 0)
	for i := 0; i < 11; i++ {
		c.p.Tick()
	}
	if r := c.p.Status().Role; r != RoleLooking {
		t.Fatalf("role %v after InitLimit without an epoch quorum", r)
	}
}

// A follower whose (currentEpoch, lastZxid) is newer than the leader's
// makes the leader give up (ZooKeeper's StateSummary.isMoreRecentThan;
// TestFollowerAheadOfLeaderIsRefused is the same in the simulation).
func TestLeaderGivesUpWhenFollowerAhead(t *testing.T) {
	for _, tc := range []struct {
		name string
		ack  Message
	}{
		{"longer log, same epoch", Message{Zxid: MakeZxid(1, 5), CurrentEpoch: 1}},
		{"newer currentEpoch", Message{Zxid: MakeZxid(1, 1), CurrentEpoch: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := leaderInDiscovery(t, 3, logOf(2, 1, run(1, 1, 3)...))
			c.step(Message{Type: MsgFollowerInfo, From: 1, Epoch: 2, Attempt: 1})
			li := only(t, c.drain(), MsgLeaderInfo, 1)[0]
			m := tc.ack
			m.Type, m.From, m.Epoch, m.Session, m.Counted = MsgAckEpoch, 1, li.Epoch, li.Session, true
			c.step(m)
			if r := c.p.Status().Role; r != RoleLooking {
				t.Fatalf("role %v, want LOOKING", r)
			}
			only(t, c.drain(), MsgNewLeader, 0)
		})
	}
}

// Acks arriving out of order commit strictly in zxid order
// (docs/rules.md#acknowledgements-and-commits-are-cumulative):
// with cumulative acks, 1:2 cannot commit before 1:1.
func TestLeaderOutOfOrderAcksCommitInOrder(t *testing.T) {
	c, s := establishedLeader(t, 5, nil)
	z1, _ := c.p.Propose([]byte("a"))
	z2, _ := c.p.Propose([]byte("b"))
	c.drain()
	ack := func(from PeerID, z Zxid) {
		c.step(Message{Type: MsgAck, From: from, Epoch: 1, Session: s[from], Zxid: z})
	}
	ack(1, z2) // one follower has both: with the leader, 2 of 5
	c.drain()
	if len(c.delivered) != 0 {
		t.Fatalf("committed without a quorum: %s", zs(c.delivered))
	}
	ack(2, z1) // 1:1 now on 3 of 5, 1:2 on 2 of 5
	c.drain()
	if zs(c.delivered) != fmt.Sprint([]Zxid{z1}) {
		t.Fatalf("delivered %s, want only %v", zs(c.delivered), z1)
	}
	ack(3, z2)
	ack(2, z1) // duplicate: counted once
	c.drain()
	if zs(c.delivered) != fmt.Sprint([]Zxid{z1, z2}) {
		t.Fatalf("delivered %s, want %v %v", zs(c.delivered), z1, z2)
	}
}

// The leader's own ack counts only once its append is durable
// (docs/rules.md#the-leaders-own-ack-once-its-append-is-durable): two
// follower acks of 5 are not enough while the leader has not Advanced.
func TestLeaderOwnAckAfterAdvance(t *testing.T) {
	c, s := establishedLeader(t, 5, nil)
	z1, _ := c.p.Propose([]byte("a"))
	rd := c.p.Ready() // not yet persisted nor Advanced
	for _, id := range []PeerID{1, 2} {
		c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: s[id], Zxid: z1})
	}
	if got := c.p.Ready(); len(got.Committed) != 0 {
		t.Fatalf("committed %s before the leader's own append was durable", zs(got.Committed))
	}
	c.st.persist(rd)
	c.p.Advance(rd)
	c.p.Advance(Ready{})
	if got := c.p.Ready(); zs(got.Committed) != fmt.Sprint([]Zxid{z1}) {
		t.Fatalf("committed %s after Advance, want %v", zs(got.Committed), z1)
	}
}

// Proposals are batched per follower: many proposals between two Readies
// travel in one PROPOSAL message each, within MaxTxnsPerMessage.
func TestLeaderBatchesProposals(t *testing.T) {
	c, _ := establishedLeader(t, 5, nil)
	for i := 0; i < 10; i++ {
		if _, err := c.p.Propose([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	props := only(t, c.ready().Messages, MsgProposal, 4)
	for _, m := range props {
		if len(m.Txns) != 10 || m.Zxid != 0 {
			t.Fatalf("PROPOSAL to %d: %d txns after %v", m.To, len(m.Txns), m.Zxid)
		}
	}
}

// Without acks the leader resends from the follower's match after
// ResendTicks (docs/rules.md#resends-on-timers).
func TestLeaderResendsFromMatch(t *testing.T) {
	c, s := establishedLeader(t, 5, nil)
	z1, _ := c.p.Propose([]byte("a"))
	c.drain()
	for id := PeerID(1); id <= 3; id++ {
		c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: s[id], Zxid: z1})
	}
	c.drain()
	var resent []Message
	for i := 0; i < 3; i++ {
		c.p.Tick()
		for id := PeerID(1); id <= 3; id++ { // keep the quorum alive
			c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: s[id], Zxid: z1})
		}
		for _, m := range c.drain() {
			if m.Type == MsgProposal {
				resent = append(resent, m)
			}
		}
	}
	if len(resent) != 1 || resent[0].To != 4 || resent[0].Zxid != 0 || zs(resent[0].Txns) != fmt.Sprint([]Zxid{z1}) {
		t.Fatalf("resent %s, want one PROPOSAL of %v to 4", describeMsgs(resent), z1)
	}
}

// A follower that stays silent is resent its backlog ever less often:
// every ResendTicks at first, then after gaps doubling up to
// maxResendBackoff times that. A word from it restores the usual pace; a
// late copy of an old message (its echoed stamp is old) does not.
func TestLeaderBacksOffResendsToSilentFollower(t *testing.T) {
	c, s := establishedLeader(t, 5, func(cfg *Config) { cfg.ResendTicks, cfg.HeartbeatTicks = 3, 1000 })
	z1, _ := c.p.Propose([]byte("a"))
	c.drain()
	var at []int
	for tick := 1; tick <= 80; tick++ {
		c.p.Tick()
		// Acknowledgements echo the leader's newest stamp, as a
		// follower's do: only those count as signs of life.
		for id := PeerID(1); id <= 3; id++ { // keep the quorum alive
			c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: s[id], Zxid: z1, Stamp: c.p.now})
		}
		if tick == 40 { // a late copy of an old message from 4 is no word from it
			c.step(Message{Type: MsgAck, From: 4, Epoch: 1, Session: s[4], Zxid: 0, Stamp: 0})
		}
		if tick == 73 { // 4 speaks, without having logged z1
			c.step(Message{Type: MsgAck, From: 4, Epoch: 1, Session: s[4], Zxid: 0, Stamp: c.p.now})
		}
		for _, m := range c.drain() {
			if m.Type == MsgProposal && m.To == 4 {
				at = append(at, tick)
			}
		}
	}
	// Gaps 3, 3, 6, 12, 24, 24 (the cap: 8 x 3), then 3 after it spoke,
	// then 3 (it spoke since the resend before).
	if fmt.Sprint(at) != "[3 6 12 24 48 72 75 78]" {
		t.Fatalf("resent to the silent follower at ticks %v", at)
	}
}

// A leader that hears from no quorum for SyncLimit ticks steps down.
func TestLeaderStepsDownWithoutQuorum(t *testing.T) {
	c, _ := establishedLeader(t, 5, nil)
	for i := 0; i < 7; i++ {
		c.p.Tick()
	}
	if r := c.p.Status().Role; r != RoleLooking {
		t.Fatalf("role %v after SyncLimit without followers", r)
	}
	if _, err := c.p.Propose([]byte("x")); err != ErrNotLeader {
		t.Fatalf("Propose after stepping down: %v, want ErrNotLeader", err)
	}
}

// Propose outside an established leadership is refused.
func TestProposeNotLeader(t *testing.T) {
	c := newConv(t, 1, 3, logOf(0, 0))
	if _, err := c.p.Propose([]byte("x")); err != ErrNotLeader {
		t.Fatalf("LOOKING: %v", err)
	}
	c = leaderInDiscovery(t, 3, logOf(0, 0))
	if _, err := c.p.Propose([]byte("x")); err != ErrNotLeader {
		t.Fatalf("leader in discovery: %v", err)
	}
}

// A late joiner that promised a newer epoch (to a leader that never
// established it) would refuse this leader's LEADERINFO forever. The
// leader steps down so the next epoch is chosen above the promise
// (tests/sim seed 1252). A late joiner whose promise is this very epoch
// (it reconnects) is simply synced.
func TestLeaderStepsDownForFollowerWithNewerPromise(t *testing.T) {
	c, _ := establishedLeader(t, 5, nil)
	c.step(Message{Type: MsgFollowerInfo, From: 2, Epoch: 1, Attempt: 2})
	if r := c.p.Status().Role; r != RoleLeading {
		t.Fatalf("role %v after a FOLLOWERINFO promising our own epoch", r)
	}
	only(t, c.drain(), MsgLeaderInfo, 1)

	c.step(Message{Type: MsgFollowerInfo, From: 3, Epoch: 2, Attempt: 2})
	if r := c.p.Status().Role; r != RoleLooking {
		t.Fatalf("role %v after a FOLLOWERINFO promising epoch 2 > 1, want LOOKING", r)
	}
}

// A PROPOSAL message carries at most MaxBytesPerMessage of payload, but
// always at least one transaction, however large.
func TestLeaderCapsProposalBytes(t *testing.T) {
	c, _ := establishedLeader(t, 3, func(cfg *Config) { cfg.MaxBytesPerMessage = 100 })
	for _, size := range []int{60, 30, 20, 250, 10} {
		if _, err := c.p.Propose(make([]byte, size)); err != nil {
			t.Fatal(err)
		}
	}
	var sizes [][]int
	for _, m := range c.drain() {
		if m.Type != MsgProposal || m.To != 1 {
			continue
		}
		var s []int
		for _, x := range m.Txns {
			s = append(s, len(x.Data))
		}
		sizes = append(sizes, s)
	}
	if got, want := fmt.Sprint(sizes), "[[60 30] [20] [250] [10]]"; got != want {
		t.Fatalf("PROPOSAL payload sizes to follower 1: %s, want %s", got, want)
	}
}

// HasReady is a pure query (etcd raft's shape): asking it between two
// proposals changes nothing, so both still travel in one PROPOSAL per
// follower. A HasReady that flushed would have sent the first one alone.
// Paced and unpaced, since a paced flush also starts a round.
func TestHasReadyChangesNothing(t *testing.T) {
	for _, lazy := range []int{0, 4} {
		c, _ := establishedLeader(t, 5, paced(lazy))
		za, _ := c.p.Propose([]byte("a"))
		for i := 0; i < 3; i++ {
			if !c.p.HasReady() {
				t.Fatalf("lazy %d: no Ready after a proposal", lazy)
			}
		}
		zb, _ := c.p.Propose([]byte("b"))
		props := c.ready().Messages
		want := 4 // every follower
		if lazy > 0 {
			want = 2 // a quorum of 5 needs 2 followers
		}
		for _, m := range only(t, props, MsgProposal, want) {
			if m.Zxid != 0 || zs(m.Txns) != fmt.Sprint([]Zxid{za, zb}) {
				t.Fatalf("lazy %d: PROPOSAL to %d carries %s after %v, want both proposals in one", lazy, m.To, zs(m.Txns), m.Zxid)
			}
		}
	}
}
