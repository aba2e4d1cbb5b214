package zab

import (
	"fmt"
	"testing"
)

// Sync sessions are bound to follow attempts (docs/safety.md, "Late
// messages cannot replay a sync"). These conversations replay the late
// LEADERINFO + NEWLEADER of an earlier attempt that once made a follower
// cut entries it had acknowledged and a quorum had committed.

// ackedFollower returns peer 1 synced with leader 3 in epoch 2 (session
// s, attempt of c.attempt) that has logged and acknowledged 2:1..2:5,
// while the leader has told it only the commit point 1:3. With the
// leader, it is the quorum that committed 2:1..2:5.
func ackedFollower(t *testing.T, tweak func(*Config)) (*conv, uint64) {
	t.Helper()
	c := newConvWith(t, 1, 3, logOf(1, 1, run(1, 1, 3)...), tweak)
	c.follow(3, 2, 1)
	c.drain()
	const s = 2<<32 | 1
	c.step(Message{Type: MsgLeaderInfo, From: 3, Epoch: 2, Session: s, Attempt: c.attempt})
	c.drain()
	c.step(Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: c.attempt, Mode: SyncDiff, Zxid: MakeZxid(1, 3)})
	c.step(Message{Type: MsgUpToDate, From: 3, Epoch: 2, Session: s, Commit: MakeZxid(1, 3)})
	c.drain()
	c.step(Message{Type: MsgProposal, From: 3, Epoch: 2, Session: s, Zxid: MakeZxid(1, 3),
		Txns: txns(run(2, 1, 5)...), Commit: MakeZxid(1, 3)})
	if a := only(t, c.drain(), MsgAck, 1)[0]; a.Zxid != MakeZxid(2, 5) {
		t.Fatalf("ACK %+v, want 2:5", a)
	}
	return c, s
}

// refollow makes the follower lose its leader (SyncLimit of silence) and
// elect the same leader again: a new follow attempt, same epoch.
func refollow(t *testing.T, c *conv) (oldAttempt uint64) {
	t.Helper()
	oldAttempt = c.attempt
	for i := 0; i < 10 && c.p.Status().Role != RoleLooking; i++ {
		c.p.Tick()
	}
	c.drain()
	c.follow(3, 2, 2)
	fi := only(t, c.drain(), MsgFollowerInfo, 1)[0]
	if fi.Attempt <= oldAttempt {
		t.Fatalf("new attempt %d, not above %d", fi.Attempt, oldAttempt)
	}
	return oldAttempt
}

// lateSync is the leader's first LEADERINFO and NEWLEADER for the
// follower (session s, attempt a), delivered late: a DIFF from 1:3, as
// planned when the follower's log ended there.
func lateSync(s, a uint64) []Message {
	return []Message{
		{Type: MsgLeaderInfo, From: 3, Epoch: 2, Session: s, Attempt: a},
		{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: a, Mode: SyncDiff, Zxid: MakeZxid(1, 3)},
	}
}

// The fix: a late LEADERINFO and NEWLEADER of the earlier attempt are
// ignored; the acknowledged entries stay.
func TestFollowerIgnoresSyncOfEarlierAttempt(t *testing.T) {
	c, s := ackedFollower(t, nil)
	old := refollow(t, c)
	for _, m := range lateSync(s, old) {
		c.step(m)
	}
	if msgs := c.drain(); len(msgs) != 0 {
		t.Fatalf("late sync of attempt %d answered: %s", old, describeMsgs(msgs))
	}
	if last := c.p.Status().LastZxid; last != MakeZxid(2, 5) {
		t.Fatalf("log ends at %v after a late sync, want 2:5", last)
	}
}

// The broken twin: with the check switched off the same late messages
// cut 2:1..2:5 from the log, entries the follower acknowledged and that
// the leader committed. (If this test fails, the conversation above no
// longer shows the bug, and so no longer tests the fix.)
func TestFollowerWithoutAttemptCheckCutsAckedEntries(t *testing.T) {
	c, s := ackedFollower(t, func(cfg *Config) {
		cfg.TestingKnobs = &TestingKnobs{AcceptStaleSyncSessions: true}
	})
	old := refollow(t, c)
	for _, m := range lateSync(s, old) {
		c.step(m)
	}
	c.drain()
	if got := zxidsOf(c.st.entries); fmt.Sprint(got) != fmt.Sprint(run(1, 1, 3)) {
		t.Fatalf("log %v: the broken twin should have cut back to 1:3", got)
	}
}

// After a restart the attempt number continues from storage, so a late
// sync of the attempt before the restart is still recognised.
func TestFollowAttemptSurvivesRestart(t *testing.T) {
	c, s := ackedFollower(t, nil)
	old := c.attempt
	if c.st.attempt != old {
		t.Fatalf("durable attempt %d, want %d", c.st.attempt, old)
	}
	c = newConv(t, 1, 3, c.st.clone())
	c.follow(3, 2, 2)
	rd := c.ready()
	fi := only(t, rd.Messages, MsgFollowerInfo, 1)[0]
	if rd.FollowAttempt != old+1 || fi.Attempt != old+1 {
		t.Fatalf("after restart: Ready.FollowAttempt %d, FOLLOWERINFO attempt %d, want both %d",
			rd.FollowAttempt, fi.Attempt, old+1)
	}
	c.attempt = fi.Attempt
	for _, m := range lateSync(s, old) {
		c.step(m)
	}
	if msgs := c.drain(); len(msgs) != 0 {
		t.Fatalf("late sync answered after restart: %s", describeMsgs(msgs))
	}
	if last := c.p.Status().LastZxid; last != MakeZxid(2, 5) {
		t.Fatalf("log ends at %v, want 2:5", last)
	}
}

// Within the current attempt a NEWLEADER must fit the ACKEPOCH it was
// planned from: each of these is refused and leaves the log alone.
func TestFollowerRefusesNewLeaderThatDoesNotFitItsReport(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    func(s, a uint64) Message
	}{
		{"DIFF before the reported end", func(s, a uint64) Message {
			return Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: a, Mode: SyncDiff, Zxid: MakeZxid(2, 3)}
		}},
		{"TRUNC below acknowledged", func(s, a uint64) Message {
			return Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: a, Mode: SyncTrunc, Zxid: MakeZxid(2, 2)}
		}},
		{"TRUNC at the reported end", func(s, a uint64) Message {
			return Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: a, Mode: SyncTrunc, Zxid: MakeZxid(2, 5)}
		}},
		{"SNAP older than acknowledged", func(s, a uint64) Message {
			snap := Snapshot{Zxid: MakeZxid(2, 4)}
			return Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: a, Mode: SyncSnap, Zxid: snap.Zxid, Snapshot: &snap}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := ackedFollower(t, nil)
			refollow(t, c)
			const s2 = 2<<32 | 2
			c.step(Message{Type: MsgLeaderInfo, From: 3, Epoch: 2, Session: s2, Attempt: c.attempt})
			if ack := only(t, c.drain(), MsgAckEpoch, 1)[0]; ack.Zxid != MakeZxid(2, 5) {
				t.Fatalf("ACKEPOCH reports %v, want 2:5", ack.Zxid)
			}
			c.step(tc.m(s2, c.attempt))
			if msgs := c.drain(); len(msgs) != 0 {
				t.Fatalf("NEWLEADER accepted: %s", describeMsgs(msgs))
			}
			if last := c.p.Status().LastZxid; last != MakeZxid(2, 5) {
				t.Fatalf("log ends at %v, want 2:5", last)
			}
		})
	}
}

// The leader starts a session per follow attempt: a repeat of the newest
// FOLLOWERINFO after the follower synced (a duplicate) changes nothing,
// an older attempt is ignored, a newer one opens a new session.
func TestLeaderOneSessionPerAttempt(t *testing.T) {
	c, sessions := establishedLeader(t, 3, nil)
	c.step(Message{Type: MsgFollowerInfo, From: 1, Epoch: 1, Attempt: 1})
	c.step(Message{Type: MsgFollowerInfo, From: 1, Epoch: 0, Attempt: 0})
	only(t, c.drain(), MsgLeaderInfo, 0)
	if st := c.p.Status(); st.Role != RoleLeading || st.Phase != PhaseBroadcast {
		t.Fatalf("status %+v after duplicate FOLLOWERINFO", st)
	}
	c.step(Message{Type: MsgFollowerInfo, From: 1, Epoch: 1, Attempt: 3})
	li := only(t, c.drain(), MsgLeaderInfo, 1)[0]
	if li.Attempt != 3 || li.Session == sessions[1] {
		t.Fatalf("LEADERINFO %+v for attempt 3, want a new session answering 3", li)
	}
	c.step(Message{Type: MsgFollowerInfo, From: 1, Epoch: 1, Attempt: 2})
	only(t, c.drain(), MsgLeaderInfo, 0)
	// A repeat while the session waits for ACKEPOCH is a re-send: the
	// same LEADERINFO again.
	c.step(Message{Type: MsgFollowerInfo, From: 1, Epoch: 1, Attempt: 3})
	if again := only(t, c.drain(), MsgLeaderInfo, 1)[0]; again.Session != li.Session {
		t.Fatalf("re-sent LEADERINFO session %#x, want %#x", again.Session, li.Session)
	}
}

// Late copies do not keep a peer alive (docs/safety.md): a follower fed
// only copies of one old PING (the same stamp again and again) gives up on
// its leader after SyncLimit, as if the leader were silent; fresh stamps
// keep it following.
func TestFollowerIgnoresLateCopiesForLiveness(t *testing.T) {
	for _, fresh := range []bool{true, false} {
		c, s := syncedFollower(t) // SyncLimit 5
		for i := int64(1); i <= 12; i++ {
			c.p.Tick()
			stamp := int64(50)
			if fresh {
				stamp += i
			}
			c.step(Message{Type: MsgPing, From: 3, Epoch: 2, Session: s, Commit: MakeZxid(1, 3), Stamp: stamp})
			c.drain()
		}
		want := RoleLooking
		if fresh {
			want = RoleFollowing
		}
		if r := c.p.Status().Role; r != want {
			t.Fatalf("fresh stamps %t: role %v after 12 ticks of PINGs, want %v", fresh, r, want)
		}
	}
}

// The same on the leader: ACKs whose echo is old (late copies of a dead
// follower's ACKs) do not count it as alive, so a leader left with only
// such copies loses its quorum; ACKs echoing recent stamps keep it.
func TestLeaderIgnoresLateCopiesForLiveness(t *testing.T) {
	for _, fresh := range []bool{true, false} {
		c, sessions := establishedLeader(t, 3, nil) // SyncLimit 5
		for i := 0; i < 12; i++ {
			c.p.Tick()
			var pings []Message
			for _, m := range c.drain() {
				if m.Type == MsgPing || m.Type == MsgProposal || m.Type == MsgCommit {
					pings = append(pings, m)
				}
			}
			for _, id := range []PeerID{1, 2} {
				echo := int64(0) // a copy of the ACK answering the first message
				if fresh {
					for _, m := range pings {
						if m.To == id && m.Stamp > echo {
							echo = m.Stamp
						}
					}
				}
				c.step(Message{Type: MsgAck, From: id, Epoch: 1, Session: sessions[id], Stamp: echo})
			}
			c.drain()
		}
		want := RoleLooking
		if fresh {
			want = RoleLeading
		}
		if r := c.p.Status().Role; r != want {
			t.Fatalf("fresh echoes %t: role %v after 12 ticks, want %v", fresh, r, want)
		}
	}
}
