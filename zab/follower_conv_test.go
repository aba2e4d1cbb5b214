package zab

import (
	"fmt"
	"testing"
)

// followerInSync drives peer 1 (log 1:1..1:3, epochs 1/1) through
// discovery with leader 3 proposing epoch 2, session s; it returns the
// conversation with the peer waiting for NEWLEADER.
func followerInSync(t *testing.T, st *memStorage) (*conv, uint64) {
	c := newConv(t, 1, 3, st)
	c.follow(3, 2, st.epochs.Current)
	fi := only(t, c.drain(), MsgFollowerInfo, 1)[0]
	if fi.To != 3 || fi.Epoch != st.epochs.Accepted {
		t.Fatalf("FOLLOWERINFO %+v, want to 3 with acceptedEpoch %d", fi, st.epochs.Accepted)
	}
	const s = 2<<32 | 1
	c.step(Message{Type: MsgLeaderInfo, From: 3, Epoch: 2, Session: s, Attempt: c.attempt})
	return c, s
}

// acceptedEpoch = e is written in the same Ready as the counted ACKEPOCH
// (the Ready contract writes epochs before sending;
// docs/rules.md#acceptedepoch-before-leaderinfo-and-ackepoch).
func TestFollowerAckEpochAfterAcceptedEpochWrite(t *testing.T) {
	c, s := followerInSync(t, logOf(1, 1, run(1, 1, 3)...))
	rd := c.ready()
	if rd.Epochs == nil || *rd.Epochs != (Epochs{Accepted: 2, Current: 1}) {
		t.Fatalf("Ready.Epochs = %v, want accepted 2 current 1", rd.Epochs)
	}
	ack := only(t, rd.Messages, MsgAckEpoch, 1)[0]
	if !ack.Counted || ack.Epoch != 2 || ack.Session != s || ack.Zxid != MakeZxid(1, 3) || ack.CurrentEpoch != 1 {
		t.Fatalf("ACKEPOCH %+v", ack)
	}
}

// A follower that already accepted e (it promised e before a restart)
// sends the uncounted ACKEPOCH and writes nothing; its sync still works
// (the "-1" ACKEPOCH of ZooKeeper's Learner.registerWithLeader;
// TestRepeatedLeaderInfoGetsUncountedAck is the same in the simulation).
func TestFollowerRepeatedLeaderInfoSameEpochUncounted(t *testing.T) {
	c, s := followerInSync(t, logOf(2, 1, run(1, 1, 3)...))
	rd := c.ready()
	if rd.Epochs != nil {
		t.Fatalf("no epoch write expected, got %+v", *rd.Epochs)
	}
	if ack := only(t, rd.Messages, MsgAckEpoch, 1)[0]; ack.Counted {
		t.Fatalf("ACKEPOCH for an already accepted epoch must not be counted: %+v", ack)
	}
	c.step(Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: c.attempt, Mode: SyncDiff, Zxid: MakeZxid(1, 3)})
	only(t, c.drain(), MsgAckNewLeader, 1)
	if e := c.st.epochs; e.Current != 2 {
		t.Fatalf("currentEpoch %d after sync, want 2", e.Current)
	}
}

// A LEADERINFO below acceptedEpoch sends the follower back to LOOKING.
func TestFollowerRejectsOlderEpoch(t *testing.T) {
	c := newConv(t, 1, 3, logOf(5, 4, run(4, 1, 2)...))
	c.follow(3, 2, 4)
	c.drain()
	c.step(Message{Type: MsgLeaderInfo, From: 3, Epoch: 4, Session: 4<<32 | 1, Attempt: c.attempt})
	if r := c.p.Status().Role; r != RoleLooking {
		t.Fatalf("role %v, want LOOKING", r)
	}
}

// DIFF: entries appended and synced, currentEpoch written, then (same
// Ready, later step) ACKNEWLEADER; committed entries delivered.
func TestFollowerDiffSync(t *testing.T) {
	c, s := followerInSync(t, logOf(1, 1, run(1, 1, 3)...))
	c.drain()
	c.step(Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: c.attempt, Mode: SyncDiff,
		Zxid: MakeZxid(1, 3), Txns: txns(run(1, 4, 5)...), Commit: MakeZxid(1, 4)})
	rd := c.ready()
	if rd.Truncate || rd.Snapshot != nil {
		t.Fatalf("DIFF must not cut or replace the log: %+v", rd)
	}
	if zs(rd.Append) != fmt.Sprint(run(1, 4, 5)) || !rd.MustSync {
		t.Fatalf("Append %s MustSync %t", zs(rd.Append), rd.MustSync)
	}
	if rd.Epochs == nil || rd.Epochs.Current != 2 {
		t.Fatalf("currentEpoch must be written with the sync: %v", rd.Epochs)
	}
	ack := only(t, rd.Messages, MsgAckNewLeader, 1)[0]
	if ack.Zxid != MakeZxid(1, 5) || ack.Session != s {
		t.Fatalf("ACKNEWLEADER %+v", ack)
	}
	if zs(rd.Committed) != fmt.Sprint(run(1, 1, 4)) {
		t.Fatalf("Committed %s, want 1:1..1:4", zs(rd.Committed))
	}
	if ph := c.p.Status().Phase; ph != PhaseSync {
		t.Fatalf("phase %v before UPTODATE, want SYNC", ph)
	}
	c.step(Message{Type: MsgUpToDate, From: 3, Epoch: 2, Session: s, Commit: MakeZxid(1, 5)})
	rd = c.ready()
	if a := only(t, rd.Messages, MsgAck, 1)[0]; a.Zxid != MakeZxid(1, 5) {
		t.Fatalf("ACK after UPTODATE %+v", a)
	}
	if zs(rd.Committed) != fmt.Sprint(run(1, 5, 5)) {
		t.Fatalf("Committed %s, want 1:5", zs(rd.Committed))
	}
	if st := c.p.Status(); st.Phase != PhaseBroadcast || st.Committed != MakeZxid(1, 5) {
		t.Fatalf("status %+v", st)
	}
}

// TRUNC: the follower's extra entries are cut (ZOOKEEPER-1154) before the
// leader's are appended; entries of the new epoch itself wait until
// currentEpoch is durable
// (docs/rules.md#entries-of-the-new-epoch-after-currentepoch) and are
// then acked with a plain ACK, after the NEWLEADER ack (ZOOKEEPER-4685).
func TestFollowerTruncSyncHoldsNewEpochEntries(t *testing.T) {
	c, s := followerInSync(t, logOf(1, 1, run(1, 1, 5)...))
	c.drain()
	c.step(Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: c.attempt, Mode: SyncTrunc,
		Zxid: MakeZxid(1, 3), Txns: txns(MakeZxid(2, 1), MakeZxid(2, 2)), Commit: MakeZxid(1, 3)})
	rd := c.ready()
	if !rd.Truncate || rd.TruncateAfter != MakeZxid(1, 3) {
		t.Fatalf("Truncate %t after %v, want after 1:3", rd.Truncate, rd.TruncateAfter)
	}
	if len(rd.Append) != 0 {
		t.Fatalf("entries of epoch 2 appended with the epoch write: %s", zs(rd.Append))
	}
	if rd.Epochs == nil || rd.Epochs.Current != 2 {
		t.Fatalf("Epochs %v", rd.Epochs)
	}
	if a := only(t, rd.Messages, MsgAckNewLeader, 1)[0]; a.Zxid != MakeZxid(1, 3) {
		t.Fatalf("ACKNEWLEADER must vouch only for the durable history: %+v", a)
	}
	only(t, rd.Messages, MsgAck, 0)
	rd = c.ready()
	if zs(rd.Append) != fmt.Sprint([]Zxid{MakeZxid(2, 1), MakeZxid(2, 2)}) || !rd.MustSync {
		t.Fatalf("held entries not appended after the epoch write: %s", zs(rd.Append))
	}
	if a := only(t, rd.Messages, MsgAck, 1)[0]; a.Zxid != MakeZxid(2, 2) {
		t.Fatalf("ACK %+v", a)
	}
	if got := zxidsOf(c.st.entries); fmt.Sprint(got) != fmt.Sprint(append(run(1, 1, 3), MakeZxid(2, 1), MakeZxid(2, 2))) {
		t.Fatalf("log %v", got)
	}
}

// A TRUNC below what the follower knows committed is refused.
func TestFollowerRefusesTruncBelowCommitted(t *testing.T) {
	c, s := followerInSync(t, logOf(1, 1, run(1, 1, 5)...))
	c.drain()
	c.p.committed = MakeZxid(1, 4) // as if learnt in an earlier session
	c.step(Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: c.attempt, Mode: SyncTrunc, Zxid: MakeZxid(1, 3)})
	if msgs := c.drain(); len(msgs) != 0 {
		t.Fatalf("refused NEWLEADER must not be acked: %s", describeMsgs(msgs))
	}
	if got := len(c.st.entries); got != 5 {
		t.Fatalf("log cut to %d entries", got)
	}
}

// SNAP replaces state and the whole log (ZOOKEEPER-2832), then appends
// after it.
func TestFollowerSnapSync(t *testing.T) {
	c, s := followerInSync(t, logOf(1, 1, MakeZxid(1, 1), MakeZxid(1, 2)))
	c.drain()
	snap := Snapshot{Zxid: MakeZxid(1, 4), Data: []byte("state@1:4")}
	c.step(Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: c.attempt, Mode: SyncSnap,
		Zxid: snap.Zxid, Snapshot: &snap, Txns: txns(MakeZxid(1, 5)), Commit: MakeZxid(1, 5)})
	rd := c.ready()
	if rd.Snapshot == nil || rd.Snapshot.Zxid != snap.Zxid {
		t.Fatalf("Snapshot %v", rd.Snapshot)
	}
	if zs(rd.Append) != fmt.Sprint([]Zxid{MakeZxid(1, 5)}) {
		t.Fatalf("Append %s", zs(rd.Append))
	}
	if zs(rd.Committed) != fmt.Sprint([]Zxid{MakeZxid(1, 5)}) {
		t.Fatalf("Committed %s: entries under the snapshot come with it", zs(rd.Committed))
	}
	if got := zxidsOf(c.st.entries); fmt.Sprint(got) != fmt.Sprint([]Zxid{MakeZxid(1, 5)}) {
		t.Fatalf("log after SNAP %v: no old entry may survive", got)
	}
	only(t, rd.Messages, MsgAckNewLeader, 1)
}

// syncedFollower returns peer 1 in broadcast with leader 3, epoch 2, log
// 1:1..1:3 all committed.
func syncedFollower(t *testing.T) (*conv, uint64) {
	c, s := followerInSync(t, logOf(1, 1, run(1, 1, 3)...))
	c.drain()
	c.step(Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: c.attempt, Mode: SyncDiff, Zxid: MakeZxid(1, 3)})
	c.step(Message{Type: MsgUpToDate, From: 3, Epoch: 2, Session: s, Commit: MakeZxid(1, 3)})
	c.drain()
	if ph := c.p.Status().Phase; ph != PhaseBroadcast {
		t.Fatalf("phase %v", ph)
	}
	return c, s
}

// A PROPOSAL is appended, synced and acked in the same Ready
// (docs/rules.md#a-proposal-is-durable-before-its-ack).
func TestFollowerAckAfterAppendSync(t *testing.T) {
	c, s := syncedFollower(t)
	c.step(Message{Type: MsgProposal, From: 3, Epoch: 2, Session: s, Zxid: MakeZxid(1, 3),
		Txns: txns(MakeZxid(2, 1), MakeZxid(2, 2))})
	rd := c.ready()
	if len(rd.Append) != 2 || !rd.MustSync {
		t.Fatalf("Append %s MustSync %t", zs(rd.Append), rd.MustSync)
	}
	if a := only(t, rd.Messages, MsgAck, 1)[0]; a.Zxid != MakeZxid(2, 2) {
		t.Fatalf("ACK %+v", a)
	}
}

// Duplicates are re-acked, never re-appended; early batches are dropped
// and re-acked at the current position
// (docs/rules.md#every-handler-is-idempotent).
func TestFollowerDuplicateAndEarlyProposals(t *testing.T) {
	c, s := syncedFollower(t)
	p1 := Message{Type: MsgProposal, From: 3, Epoch: 2, Session: s, Zxid: MakeZxid(1, 3), Txns: txns(MakeZxid(2, 1))}
	c.step(p1)
	c.drain()
	c.step(p1)
	rd := c.ready()
	if len(rd.Append) != 0 {
		t.Fatalf("duplicate re-appended: %s", zs(rd.Append))
	}
	if a := only(t, rd.Messages, MsgAck, 1)[0]; a.Zxid != MakeZxid(2, 1) {
		t.Fatalf("re-ACK %+v", a)
	}
	// 2:3 after 2:2, which never arrived: a gap.
	c.step(Message{Type: MsgProposal, From: 3, Epoch: 2, Session: s, Zxid: MakeZxid(2, 2), Txns: txns(MakeZxid(2, 3))})
	rd = c.ready()
	if len(rd.Append) != 0 {
		t.Fatalf("early proposal appended: %s", zs(rd.Append))
	}
	if a := only(t, rd.Messages, MsgAck, 1)[0]; a.Zxid != MakeZxid(2, 1) {
		t.Fatalf("re-ACK %+v", a)
	}
	// An overlapping batch appends only what is new.
	c.step(Message{Type: MsgProposal, From: 3, Epoch: 2, Session: s, Zxid: MakeZxid(1, 3), Txns: txns(run(2, 1, 3)...)})
	rd = c.ready()
	if zs(rd.Append) != fmt.Sprint(run(2, 2, 3)) {
		t.Fatalf("Append %s, want 2:2..2:3", zs(rd.Append))
	}
}

// Messages of an older epoch or another session change nothing
// (docs/rules.md#every-message-names-its-epoch-and-session).
func TestFollowerIgnoresStaleMessages(t *testing.T) {
	c, s := syncedFollower(t)
	before := c.p.Status()
	for _, m := range []Message{
		{Type: MsgProposal, From: 3, Epoch: 1, Session: s, Zxid: MakeZxid(1, 3), Txns: txns(MakeZxid(1, 4))},
		{Type: MsgProposal, From: 3, Epoch: 2, Session: s + 1, Zxid: MakeZxid(1, 3), Txns: txns(MakeZxid(2, 1))},
		{Type: MsgCommit, From: 3, Epoch: 1, Session: s, Commit: MakeZxid(1, 9)},
		{Type: MsgPing, From: 3, Epoch: 2, Session: s - 1, Commit: MakeZxid(1, 9)},
		{Type: MsgLeaderInfo, From: 3, Epoch: 1, Session: 1<<32 | 7},
		{Type: MsgNewLeader, From: 3, Epoch: 1, Session: s, Mode: SyncTrunc, Zxid: MakeZxid(1, 1)},
		{Type: MsgProposal, From: 2, Epoch: 2, Session: s, Zxid: MakeZxid(1, 3), Txns: txns(MakeZxid(2, 1))},
	} {
		c.step(m)
	}
	if c.p.HasReady() {
		t.Fatalf("stale messages produced a Ready: %+v", c.p.Ready())
	}
	if after := c.p.Status(); after != before {
		t.Fatalf("status changed: %+v -> %+v", before, after)
	}
}

// A commit point beyond the last logged entry delivers only what is
// logged; the rest follows as entries arrive.
func TestFollowerCommitBeyondLastLogged(t *testing.T) {
	c, s := syncedFollower(t)
	c.step(Message{Type: MsgProposal, From: 3, Epoch: 2, Session: s, Zxid: MakeZxid(1, 3), Txns: txns(MakeZxid(2, 1))})
	c.drain()
	c.delivered = nil
	c.step(Message{Type: MsgCommit, From: 3, Epoch: 2, Session: s, Commit: MakeZxid(2, 5)})
	c.drain()
	if zs(c.delivered) != fmt.Sprint([]Zxid{MakeZxid(2, 1)}) {
		t.Fatalf("delivered %s, want only 2:1", zs(c.delivered))
	}
	c.step(Message{Type: MsgProposal, From: 3, Epoch: 2, Session: s, Zxid: MakeZxid(2, 1), Txns: txns(MakeZxid(2, 2))})
	c.drain()
	if zs(c.delivered) != fmt.Sprint(run(2, 1, 2)) {
		t.Fatalf("delivered %s, want 2:1..2:2", zs(c.delivered))
	}
}

// A silent leader sends the follower back to LOOKING after SyncLimit, and
// its vote carries the real end of its log (ZOOKEEPER-2845).
func TestFollowerTimesOutAndVotesWithLogEnd(t *testing.T) {
	c, s := syncedFollower(t)
	c.step(Message{Type: MsgProposal, From: 3, Epoch: 2, Session: s, Zxid: MakeZxid(1, 3), Txns: txns(MakeZxid(2, 1))})
	c.drain()
	for i := 0; i < 6; i++ {
		c.p.Tick()
	}
	if r := c.p.Status().Role; r != RoleLooking {
		t.Fatalf("role %v after SyncLimit of silence", r)
	}
	votes := only(t, c.drain(), MsgVote, 2)
	if z := Zxid(votes[0].Vote.Vote.Zxid); z != MakeZxid(2, 1) {
		t.Fatalf("vote zxid %v, want the log end 2:1", z)
	}
}

// A repeated LEADERINFO (the leader answering a duplicated FOLLOWERINFO)
// stepped in the same batch as the NEWLEADER, before any Ready, must not
// leave an ACKEPOCH in the Ready that also truncates: sent after the
// truncation (Ready step 6), it would report a last zxid the sync just
// cut. Found by the whole-node simulation (tests/nodesim, seed 862),
// where a leader's coalesced message carried both.
func TestFollowerNoStaleAckEpochAfterTruncation(t *testing.T) {
	c, s := followerInSync(t, logOf(1, 1, run(1, 1, 5)...))
	only(t, c.drain(), MsgAckEpoch, 1) // the first report: last 1:5
	c.step(Message{Type: MsgLeaderInfo, From: 3, Epoch: 2, Session: s, Attempt: c.attempt})
	c.step(Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: c.attempt, Mode: SyncTrunc,
		Zxid: MakeZxid(1, 3), Commit: MakeZxid(1, 3)})
	rd := c.ready()
	if !rd.Truncate || rd.TruncateAfter != MakeZxid(1, 3) {
		t.Fatalf("TRUNC to 1:3 not in the Ready: %+v", rd)
	}
	for _, m := range rd.Messages {
		if m.Type == MsgAckEpoch {
			t.Fatalf("the Ready that truncates after %v also sends %v reporting last %v", rd.TruncateAfter, m.Type, m.Zxid)
		}
	}
	only(t, rd.Messages, MsgAckNewLeader, 1)
}

// The same for a SNAP: every acknowledgement queued before the snapshot
// replaced the log vouched for that log, and is dropped with it.
func TestFollowerNoStaleAckEpochAfterSnap(t *testing.T) {
	c, s := followerInSync(t, logOf(1, 1, run(1, 1, 5)...))
	only(t, c.drain(), MsgAckEpoch, 1)
	c.step(Message{Type: MsgLeaderInfo, From: 3, Epoch: 2, Session: s, Attempt: c.attempt})
	snap := Snapshot{Zxid: MakeZxid(1, 6), Data: []byte("state@1:6")}
	c.step(Message{Type: MsgNewLeader, From: 3, Epoch: 2, Session: s, Attempt: c.attempt, Mode: SyncSnap,
		Zxid: snap.Zxid, Snapshot: &snap, Commit: snap.Zxid})
	rd := c.ready()
	if rd.Snapshot == nil {
		t.Fatalf("SNAP not in the Ready: %+v", rd)
	}
	only(t, rd.Messages, MsgAckEpoch, 0)
	if a := only(t, rd.Messages, MsgAckNewLeader, 1)[0]; a.Zxid != snap.Zxid {
		t.Fatalf("ACKNEWLEADER %+v, want %v", a, snap.Zxid)
	}
}
