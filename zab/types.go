package zab

import "zabkafka/election/quorum"

// PeerID names a voting peer: quorum.PeerID, the one peer ID type of the
// core and of the election, under the core's name for its callers.
type PeerID = quorum.PeerID

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

// Phase is the Zab phase a peer is in (Medeiros 2012's phases 0-3; DSN 2011
// numbers its phases 1-3 and takes the leader as given; ZooKeeper's
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

// Epochs are the two durable epoch numbers of a peer (docs/glossary.md;
// ZooKeeper's acceptedEpoch and currentEpoch files, DSN 2011's f.p and f.a):
// Accepted is the highest epoch it has promised (acked NEWEPOCH for, or
// proposed as leader); Current is the epoch of the last leader whose
// initial history it has fully accepted. Invariant: Current <= Accepted.
type Epochs struct {
	Accepted Epoch
	Current  Epoch
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
