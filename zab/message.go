package zab

import "zabkafka/election"

// MsgType is the kind of a Zab message. Names follow ZooKeeper's packets;
// each doc comment gives the DSN 2011 paper's name where it differs.
type MsgType uint8

// Message types. Every message carries the sender's epoch for the
// exchange it belongs to, so a receiver can drop anything stale
// (docs/rules.md#every-message-names-its-epoch-and-session).
const (
	// MsgVote carries an election notification (phase 0).
	MsgVote MsgType = iota + 1
	// MsgFollowerInfo: follower -> prospective leader, Epoch = the
	// follower's acceptedEpoch, Attempt = the number of this attempt to
	// follow (never reused by this follower, even across restarts).
	// Paper: CEPOCH.
	MsgFollowerInfo
	// MsgLeaderInfo: leader -> follower, Epoch = the new epoch e,
	// Session = the sync session the leader opens for this follower,
	// Attempt = the follower's attempt it answers. Paper: NEWEPOCH.
	MsgLeaderInfo
	// MsgAckEpoch: follower -> leader, Epoch = e, Zxid = the follower's
	// last logged zxid, CurrentEpoch = its currentEpoch; Counted is false
	// when it had already accepted e (ZooKeeper's "-1" form). Commit = the
	// follower's sync base: the highest zxid it holds that every later
	// leader also holds (its committed point, its snapshot, or its last
	// entry before its last epoch), which pins down the divergence point
	// (SyncInput.FollowerBase). Paper: ACK-E.
	MsgAckEpoch
	// MsgNewLeader: leader -> follower, one self-contained sync message
	// (docs/differences.md, "One self-contained NEWLEADER"): Mode, Zxid =
	// the point the entries in Txns
	// follow (DIFF: the follower's last; TRUNC: the point it cuts back to;
	// SNAP: the snapshot's zxid), Snapshot (SNAP), Txns = every entry up to
	// the leader's last proposed, Commit, and the Attempt and Session it
	// answers. Paper: NEWLEADER with the initial history.
	MsgNewLeader
	// MsgAckNewLeader: follower -> leader, Epoch = e, Zxid = last logged
	// zxid after the sync was made durable. Paper: ACK-LD.
	MsgAckNewLeader
	// MsgUpToDate: leader -> follower once the epoch is established,
	// Commit = the leader's commit point. Paper: COMMIT-LD.
	MsgUpToDate
	// MsgProposal: leader -> follower, Txns = consecutive proposals,
	// Zxid = the zxid the first of them follows (a follower appends only
	// if that is its last), Commit = piggybacked commit point. Paper:
	// PROPOSE.
	MsgProposal
	// MsgAck: follower -> leader, Zxid = cumulative: "I have logged
	// everything up to Zxid durably". Paper: ACK.
	MsgAck
	// MsgCommit: leader -> follower, Commit = cumulative commit point.
	// Paper: COMMIT.
	MsgCommit
	// MsgPing: leader -> follower heartbeat carrying Commit and, in Zxid,
	// the leader's last proposed zxid; the follower answers with an MsgAck
	// (its last logged zxid), which doubles as its heartbeat.
	MsgPing
)

var msgTypeNames = [...]string{
	MsgVote:         "VOTE",
	MsgFollowerInfo: "FOLLOWERINFO",
	MsgLeaderInfo:   "LEADERINFO",
	MsgAckEpoch:     "ACKEPOCH",
	MsgNewLeader:    "NEWLEADER",
	MsgAckNewLeader: "ACKNEWLEADER",
	MsgUpToDate:     "UPTODATE",
	MsgProposal:     "PROPOSAL",
	MsgAck:          "ACK",
	MsgCommit:       "COMMIT",
	MsgPing:         "PING",
}

// String names t like ZooKeeper's packet types.
func (t MsgType) String() string {
	if int(t) < len(msgTypeNames) && msgTypeNames[t] != "" {
		return msgTypeNames[t]
	}
	return "UNKNOWN"
}

// SyncMode is how a NEWLEADER brings a follower in line with the leader
// (docs/logs.md; ZooKeeper's LearnerHandler.syncFollower).
type SyncMode uint8

// The three sync modes.
const (
	// SyncDiff: the follower's log is a prefix of the leader's; send the
	// missing entries.
	SyncDiff SyncMode = iota + 1
	// SyncTrunc: the follower has entries the leader does not; cut its log
	// back to Zxid, then send the missing entries.
	SyncTrunc
	// SyncSnap: the follower is behind the leader's retained log or cannot
	// be truncated safely; replace its state and log with a snapshot, then
	// send the entries after it.
	SyncSnap
)

// String names m.
func (m SyncMode) String() string {
	switch m {
	case SyncDiff:
		return "DIFF"
	case SyncTrunc:
		return "TRUNC"
	case SyncSnap:
		return "SNAP"
	}
	return "NONE"
}

// Message is one Zab message between two peers. It is a plain value with
// short JSON names so the node can carry it in a Maelstrom body as is.
// Fields a type does not use are zero. Every message after FOLLOWERINFO
// carries the leader's Epoch and the Session the leader opened for this
// follower; LEADERINFO and NEWLEADER also echo the follower's Attempt. A
// receiver ignores any message of another session, and a follower any
// LEADERINFO or NEWLEADER of another attempt (docs/safety.md, "Late messages
// cannot replay a sync"). The receiver owns the message's slices (the core
// never keeps a Txns slice it has sent), but payload bytes (Txn.Data,
// Snapshot.Data) are shared and must be treated as immutable by everyone.
type Message struct {
	Type         MsgType `json:"t"`
	From         PeerID  `json:"f"`
	To           PeerID  `json:"to"`
	Epoch        Epoch   `json:"e,omitempty"`
	CurrentEpoch Epoch   `json:"ce,omitempty"`
	Counted      bool    `json:"cnt,omitempty"`
	Session      uint64  `json:"s,omitempty"`
	Attempt      uint64  `json:"a,omitempty"`
	// Stamp is how each side tells a fresh message from a late copy. From
	// the leader it is the leader's tick when it sent the message; from a
	// follower, the highest such stamp it has received in this session
	// (an echo). A late copy carries an old stamp and so proves nothing
	// about the sender being alive now (docs/safety.md, "Late copies do
	// not keep a peer alive").
	Stamp    int64                  `json:"k,omitempty"`
	Zxid     Zxid                   `json:"z,omitempty"`
	Commit   Zxid                   `json:"c,omitempty"`
	Mode     SyncMode               `json:"m,omitempty"`
	Txns     []Txn                  `json:"x,omitempty"`
	Snapshot *Snapshot              `json:"snap,omitempty"`
	Vote     *election.Notification `json:"v,omitempty"`
}
