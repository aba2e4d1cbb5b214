package zab

import (
	"fmt"
	"testing"

	"zabkafka/election"
)

// Conversation tests (ZooKeeper's Zab1_0Test idea): one real Peer, the
// test plays every other peer message by message and inspects each Ready.

// conv is one peer under test with its storage.
type conv struct {
	t  *testing.T
	p  *Peer
	st *memStorage
	// delivered collects Ready.Committed across handled Readies.
	delivered []Txn
	// attempt is the follow attempt of the peer's last FOLLOWERINFO seen
	// by drain: what a leader's LEADERINFO and NEWLEADER must echo.
	attempt uint64
}

// logOf builds a storage holding the given entries (data "x<zxid>") and
// epochs.
func logOf(acc, cur Epoch, zs ...Zxid) *memStorage {
	st := &memStorage{epochs: Epochs{Accepted: acc, Current: cur}}
	for _, z := range zs {
		st.entries = append(st.entries, Txn{Zxid: z, Data: []byte("x" + z.String())})
	}
	return st
}

// run returns entries e:from..e:to.
func run(e Epoch, from, to uint32) []Zxid {
	var out []Zxid
	for c := from; c <= to; c++ {
		out = append(out, MakeZxid(e, c))
	}
	return out
}

// txns builds Txns for zxids with the same data convention as logOf.
func txns(zs ...Zxid) []Txn {
	out := make([]Txn, len(zs))
	for i, z := range zs {
		out[i] = Txn{Zxid: z, Data: []byte("x" + z.String())}
	}
	return out
}

func newConv(t *testing.T, id PeerID, n int, st *memStorage) *conv {
	t.Helper()
	return newConvWith(t, id, n, st, nil)
}

// newConvWith is newConv with a configuration tweak (nil: none).
func newConvWith(t *testing.T, id PeerID, n int, st *memStorage, tweak func(*Config)) *conv {
	t.Helper()
	var peers []PeerID
	for i := 1; i <= n; i++ {
		peers = append(peers, PeerID(i))
	}
	cfg := Config{ID: id, Peers: peers, Storage: st, InitLimit: 10, SyncLimit: 5,
		HeartbeatTicks: 1, ResendTicks: 2}
	if tweak != nil {
		tweak(&cfg)
	}
	p, err := NewPeer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &conv{t: t, p: p, st: st}
	c.drain()
	return c
}

// ready takes the next Ready, persists it and Advances it, returning it
// for inspection.
func (c *conv) ready() Ready {
	c.t.Helper()
	if !c.p.HasReady() {
		return Ready{}
	}
	rd := c.p.Ready()
	c.st.persist(rd)
	c.delivered = append(c.delivered, rd.Committed...)
	c.p.Advance(rd)
	return rd
}

// drain handles every pending Ready and returns all their messages.
func (c *conv) drain() []Message {
	var msgs []Message
	for i := 0; c.p.HasReady(); i++ {
		if i > 100 {
			c.t.Fatal("HasReady never false")
		}
		msgs = append(msgs, c.ready().Messages...)
	}
	for _, m := range msgs {
		if m.Type == MsgFollowerInfo {
			c.attempt = m.Attempt
		}
	}
	return msgs
}

func (c *conv) step(m Message) {
	c.t.Helper()
	m.To = c.p.id
	if err := c.p.Step(m); err != nil {
		c.t.Fatalf("Step(%v): %v", m.Type, err)
	}
}

// follow makes the peer follow leader through the election: the leader
// says LEADING and other says FOLLOWING it, in the peer's round.
func (c *conv) follow(leader, other PeerID, epoch Epoch) {
	c.t.Helper()
	v := election.Vote{Leader: leader, Epoch: uint32(epoch)}
	round := c.p.elector.Round()
	for _, n := range []election.Notification{
		{From: leader, To: c.p.id, Vote: v, Round: round, State: election.Leading},
		{From: other, To: c.p.id, Vote: v, Round: round, State: election.Following},
	} {
		n := n
		c.step(Message{Type: MsgVote, From: n.From, Vote: &n})
	}
	if s := c.p.Status(); s.Role != RoleFollowing || s.Leader != leader {
		c.t.Fatalf("peer did not follow %d: %+v", leader, s)
	}
}

// lead makes the peer win an election: every other listed peer votes for
// it while LOOKING; the finalize wait is ticked out.
func (c *conv) lead(others ...PeerID) {
	c.t.Helper()
	v := c.p.initialVote()
	round := c.p.elector.Round()
	for _, o := range others {
		n := election.Notification{From: o, To: c.p.id, Vote: v, Round: round, State: election.Looking}
		c.step(Message{Type: MsgVote, From: o, Vote: &n})
	}
	for i := 0; i < 10 && c.p.Status().Role != RoleLeading; i++ {
		c.p.Tick()
	}
	if s := c.p.Status(); s.Role != RoleLeading {
		c.t.Fatalf("peer did not lead: %+v", s)
	}
}

// establishedLeader returns peer n of n established in epoch 1 with
// followers 1..n-1 synced (empty logs), under cfg tweaked, and the
// followers' sessions.
func establishedLeader(t *testing.T, n int, tweak func(*Config)) (*conv, map[PeerID]uint64) {
	t.Helper()
	c := newConvWith(t, PeerID(n), n, logOf(0, 0), tweak)
	var others []PeerID
	for i := 1; i < n; i++ {
		others = append(others, PeerID(i))
	}
	c.lead(others...)
	c.drain()
	sessions := map[PeerID]uint64{}
	for _, id := range others {
		c.step(Message{Type: MsgFollowerInfo, From: id, Attempt: 1})
	}
	for _, m := range c.drain() {
		if m.Type == MsgLeaderInfo {
			sessions[m.To] = m.Session
		}
	}
	for _, id := range others {
		c.step(Message{Type: MsgAckEpoch, From: id, Epoch: 1, Session: sessions[id], Counted: true})
	}
	c.drain()
	for _, id := range others {
		c.step(Message{Type: MsgAckNewLeader, From: id, Epoch: 1, Session: sessions[id]})
	}
	c.drain()
	if st := c.p.Status(); st.Phase != PhaseBroadcast || st.Epochs.Current != 1 {
		t.Fatalf("leader not established: %+v", st)
	}
	return c, sessions
}

// only returns the messages of type typ, failing unless there are n.
func only(t *testing.T, msgs []Message, typ MsgType, n int) []Message {
	t.Helper()
	var out []Message
	for _, m := range msgs {
		if m.Type == typ {
			out = append(out, m)
		}
	}
	if len(out) != n {
		t.Fatalf("%d %v messages, want %d; all: %s", len(out), typ, n, describeMsgs(msgs))
	}
	return out
}

func describeMsgs(msgs []Message) string {
	s := ""
	for _, m := range msgs {
		s += fmt.Sprintf("\n  %v %d->%d e=%d s=%#x z=%v c=%v n=%d", m.Type, m.From, m.To, m.Epoch, m.Session, m.Zxid, m.Commit, len(m.Txns))
	}
	return s
}

// zs renders zxids for comparisons.
func zs(txns []Txn) string { return fmt.Sprint(zxidsOf(txns)) }
