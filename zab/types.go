package zab

import (
	"errors"
	"log/slog"

	"zabkafka/election"
)

// PeerID names a voting peer (shared with the election package).
type PeerID = election.PeerID

// Txn is one transaction of the replicated history: a zxid and an opaque
// payload. In zabkafka the payload is a batch of client operations; the
// core never looks inside it.
type Txn struct {
	Zxid Zxid   `json:"z"`
	Data []byte `json:"d,omitempty"`
}

// Snapshot is the applied state of every transaction up to and including
// Zxid, serialized by the caller's state machine. The leader sends one
// when a follower is too far behind its retained log (SNAP sync).
type Snapshot struct {
	Zxid Zxid   `json:"z"`
	Data []byte `json:"d,omitempty"`
}

// Role is which side of the protocol a peer is on (ZooKeeper's
// ServerState).
type Role uint8

// The roles. A peer is Looking while it runs the election, then Following
// or Leading until it loses its leader or its quorum.
const (
	RoleLooking Role = iota
	RoleFollowing
	RoleLeading
)

// String names r.
func (r Role) String() string {
	switch r {
	case RoleLooking:
		return "LOOKING"
	case RoleFollowing:
		return "FOLLOWING"
	case RoleLeading:
		return "LEADING"
	}
	return "UNKNOWN"
}

// Phase is the Zab phase a peer is in (DSN'11 phases 0-3; ZooKeeper's
// ZabState).
type Phase uint8

// The four phases of Zab.
const (
	PhaseElection  Phase = iota // phase 0: fast leader election
	PhaseDiscovery              // phase 1: agree on the new epoch
	PhaseSync                   // phase 2: bring the followers' histories in line
	PhaseBroadcast              // phase 3: propose, ack, commit
)

// String names p.
func (p Phase) String() string {
	switch p {
	case PhaseElection:
		return "ELECTION"
	case PhaseDiscovery:
		return "DISCOVERY"
	case PhaseSync:
		return "SYNCHRONIZATION"
	case PhaseBroadcast:
		return "BROADCAST"
	}
	return "UNKNOWN"
}

// Epochs are the two durable epoch numbers of a peer (zab-reference 1.2):
// Accepted is the highest epoch it has promised (acked NEWEPOCH for, or
// proposed as leader); Current is the epoch of the last leader whose
// initial history it has fully accepted. Invariant: Current <= Accepted.
type Epochs struct {
	Accepted Epoch
	Current  Epoch
}

// Storage is the core's read-only view of what the peer has made durable.
// The caller applies every Ready to its storage before calling Advance;
// the core reads it at start-up and for history it no longer holds in
// memory (old entries for a lagging follower, the snapshot for SNAP).
type Storage interface {
	// Epochs returns the durable accepted and current epochs.
	Epochs() Epochs
	// LastZxid is the zxid of the last durable entry (the snapshot's zxid
	// if the log after it is empty; 0 if there is nothing).
	LastZxid() Zxid
	// FirstZxid is the zxid of the first entry still in the log, 0 if the
	// log is empty. Entries at or below the snapshot's zxid may have been
	// trimmed.
	FirstZxid() Zxid
	// Entries returns the entries with zxid > after, ascending, at most
	// max of them (max <= 0: all).
	Entries(after Zxid, max int) ([]Txn, error)
	// Snapshot returns the latest snapshot of committed state, if any.
	Snapshot() (Snapshot, bool)
	// FollowAttempt is the number of the last attempt to follow a leader
	// this peer made durable (Ready.FollowAttempt), 0 if none.
	FollowAttempt() uint64
}

// Rand is the only source of randomness the core uses (election jitter).
// The caller supplies and seeds it, so a simulation replays from its seed.
type Rand interface {
	// Intn returns a number in [0, n).
	Intn(n int) int
}

// Config configures a Peer. Durations are in ticks: the caller decides
// how long a tick is.
type Config struct {
	ID      PeerID   // this peer
	Peers   []PeerID // every voting peer, this one included
	Storage Storage  // durable state at start-up, and old history
	Rand    Rand     // election jitter
	Logger  *slog.Logger

	// InitLimit bounds discovery and synchronisation, and an election that
	// has been won but not established (ZooKeeper's initLimit).
	InitLimit int
	// SyncLimit is how long a follower or leader goes without hearing from
	// the other side before it gives up (ZooKeeper's syncLimit).
	SyncLimit int
	// HeartbeatTicks is how long the leader lets a synced follower go
	// without any message before it sends a PING (pingQuiet).
	HeartbeatTicks int
	// ResendTicks is how long the leader waits for an ACK before resending
	// a follower's proposals from its last ACK (design.md decision 3); it
	// also paces re-sends of NEWLEADER and of a follower's FOLLOWERINFO
	// and ACKEPOCH.
	ResendTicks int
	// MaxInflight bounds the proposals sent to one follower and not yet
	// ACKed; beyond it proposals wait in the leader's log until ACKs
	// make room.
	MaxInflight int
	// MaxTxnsPerMessage bounds how many proposals one PROPOSAL message
	// carries. A NEWLEADER is self-contained and carries the whole sync.
	MaxTxnsPerMessage int
	// InitialCounter, when non-zero, is the counter a new leader starts
	// from instead of 0. Only tests set it (counter roll-over).
	InitialCounter uint32

	// MaxUncommitted bounds the proposals a leader holds that are not yet
	// committed; Propose returns ErrProposalDropped beyond it (memory
	// bound during a partition, zab-reference 6.2). 0 means 8192.
	MaxUncommitted int
	// ElectionFinalizeTicks, ElectionMinResendTicks and
	// ElectionMaxResendTicks configure the election (election.Config's
	// FinalizeTicks, MinResendTicks, MaxResendTicks). 0 means 2, 1 and
	// 4*InitLimit.
	ElectionFinalizeTicks, ElectionMinResendTicks, ElectionMaxResendTicks int

	// LazyFanoutTicks, when positive, makes the leader pace its followers
	// (lazy fan-out, fanout.go): the proposals made since the last Ready
	// go at once only to as many followers as a quorum needs (plus
	// FanoutSpare), those served least recently first; every other
	// follower gets what accumulated for it, in one message, at its next
	// turn, or LazyFanoutTicks ticks after it was last sent anything. 0
	// (the default) sends every follower everything at every Ready.
	LazyFanoutTicks int
	// FanoutSpare is how many followers beyond a quorum's need each paced
	// round reaches at once, so one slow follower does not hold up the
	// commit. Used only with LazyFanoutTicks.
	FanoutSpare int

	// MaxBytesPerMessage bounds the payload bytes (Txn.Data) one PROPOSAL
	// message carries, besides MaxTxnsPerMessage; a single larger
	// transaction still travels, alone. 0 means 16 MiB.
	MaxBytesPerMessage int

	// TestingKnobs, when non-nil, switches off chosen safety checks. Only
	// tests set it, to show that a scenario fails without the check
	// (a deliberately broken twin).
	TestingKnobs *TestingKnobs
}

// TestingKnobs are switches that deliberately break the protocol, for
// tests that prove a check is needed (the idea of CockroachDB's
// TestingKnobs). A production peer never has any set.
type TestingKnobs struct {
	// AcceptStaleSyncSessions makes a follower accept a LEADERINFO or
	// NEWLEADER of any follow attempt, and apply a NEWLEADER without
	// checking it against what it reported in ACKEPOCH: the core as it
	// was before sync sessions were bound to follow attempts
	// (docs/safety.md, "Late messages cannot replay a sync").
	AcceptStaleSyncSessions bool
}

// Status is a snapshot of a peer's volatile state, for the caller and for
// tests.
type Status struct {
	ID        PeerID
	Role      Role
	Phase     Phase
	Leader    PeerID // the leader this peer follows or is; 0 when unknown
	Epochs    Epochs
	LastZxid  Zxid // last entry in the log (durable or about to be)
	Committed Zxid // highest zxid known committed and delivered
}

// Errors returned to the caller of Propose.
var (
	// ErrNotLeader: this peer is not an established leader in broadcast
	// mode; the proposal was not made and never will be.
	ErrNotLeader = errors.New("zab: not the established leader")
	// ErrProposalDropped: the leader is at its in-flight bound or is
	// stepping down (counter roll-over); the proposal was not made.
	ErrProposalDropped = errors.New("zab: proposal dropped")
)
