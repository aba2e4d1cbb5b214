package zab

import "zabkafka/election/quorum"

// handlerStage is how far the leader has taken one follower through
// discovery and synchronisation (ZooKeeper's LearnerHandler.run, as data).
type handlerStage uint8

const (
	// stageInfo: LEADERINFO sent, waiting for its ACKEPOCH.
	stageInfo handlerStage = iota + 1
	// stageEpochAcked: ACKEPOCH received, waiting for the epoch-ack
	// quorum before the follower can be synchronised.
	stageEpochAcked
	// stageSyncing: NEWLEADER sent (re-sent until acknowledged). The
	// follower already receives every proposal made after its sync
	// (docs/companion.md, phase 2: it joins the broadcast set the moment
	// its NEWLEADER is planned, so no proposal made during the sync is
	// missed).
	stageSyncing
	// stageSynced: ACKNEWLEADER received: the follower counts for
	// establishing the epoch, for commits and for the leader's quorum.
	stageSynced
)

// learnerHandler is the leader's view of one follower in one sync session:
// ZooKeeper's LearnerHandler, the leader-side thread that serves one
// Learner, as data. (In ZooKeeper the Learner is the follower's own
// side; here that is follower, in follower.go.)
type learnerHandler struct {
	id PeerID
	// attempt is the follower's follow attempt this session answers;
	// session names the session, unique for this leader. Messages of any
	// other session are ignored in both directions.
	attempt   uint64
	session   uint64
	stage     handlerStage
	lastHeard int64 // tick of the last message of this session

	// What the follower reported in ACKEPOCH: its last zxid and its sync
	// base (SyncInput.FollowerLast, FollowerBase).
	last, base Zxid

	// newLeader is the NEWLEADER sent (without Txns; they are re-read
	// from the log on a re-send so no sent slice is kept).
	newLeader   Message
	newLeaderAt int64 // tick NEWLEADER was last sent
	// syncedTo is the last zxid NEWLEADER covered: the leader's last
	// proposed when the follower joined the broadcast set.
	syncedTo Zxid

	// match is the follower's highest cumulative ACK: it has logged
	// everything up to it durably. Invariant: match <= next.
	match Zxid
	// next is the highest zxid sent to the follower (NEWLEADER or
	// PROPOSAL); the next PROPOSAL starts after it.
	next Zxid
	// progressAt is the tick match last advanced or, when nothing was
	// outstanding, the tick a new send began: ResendTicks after it
	// without progress the leader resends from match (docs/differences.md,
	// "Resend from match").
	progressAt int64
	// commitSent is the highest commit point told to the follower.
	commitSent Zxid
	// resentAt is the tick of the last resend (0: none); backoff
	// multiplies ResendTicks while the follower stays silent after
	// resends (resendStalled), 0 or 1 meaning none.
	resentAt int64
	backoff  int
	// wantCommit is the highest zxid whose commit the follower waits
	// for (WantCommit, fanout.go).
	wantCommit Zxid

	// lastSent is the tick the follower was last sent anything (PINGs
	// are due HeartbeatTicks after it); servedRound the lazy fan-out
	// round it happened in; eager marks a follower the current round
	// picked (fanout.go).
	lastSent    int64
	servedRound uint64
	eager       bool
}

// learnersInOrder returns the learner handlers in ascending id order (the
// set Leader.getLearners returns), so no map order reaches an output. The
// slice is scratch space, valid until the next call: loops over it must
// not call it again.
func (l *leaderState) learnersInOrder(voters quorum.Set) []*learnerHandler {
	out := l.order[:0]
	for _, id := range voters.IDs() {
		if x := l.learners[id]; x != nil {
			out = append(out, x)
		}
	}
	l.order = out
	return out
}

// countAfter is how many proposals lie in (a, b] as far as flow control
// is concerned: exact within one epoch; across epochs, the proposals of
// b's epoch (everything sent after a sync is of the leader's epoch).
func (l *leaderState) countAfter(a, b Zxid) int {
	if b <= a {
		return 0
	}
	if a.Epoch() == b.Epoch() {
		return int(b.Counter() - a.Counter())
	}
	base := uint32(0)
	if b.Epoch() == l.epoch {
		base = l.initialCounter
	}
	if b.Counter() < base {
		return 0
	}
	return int(b.Counter() - base)
}
