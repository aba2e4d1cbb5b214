package election

import "zabkafka/election/quorum"

// State is what a peer is doing, as its notifications report it
// (ZooKeeper's ServerState, minus observers).
type State uint8

// The three peer states an election notification can carry.
const (
	Looking State = iota
	Following
	Leading
)

// String names s the way ZooKeeper's logs do.
func (s State) String() string {
	switch s {
	case Looking:
		return "LOOKING"
	case Following:
		return "FOLLOWING"
	case Leading:
		return "LEADING"
	}
	return "UNKNOWN"
}

// Vote is a proposal for who should lead: the candidate, the zxid of the
// last transaction in the candidate's log, and the candidate's
// currentEpoch (ZooKeeper's peerEpoch). Zxid and Epoch are raw numbers
// here; the zab package gives them meaning.
type Vote struct {
	Leader quorum.PeerID `json:"l"`
	Zxid   uint64        `json:"z,omitempty"`
	Epoch  uint32        `json:"e,omitempty"`
}

// Notification is one election message (FastLeaderElection.Notification):
// the sender's current vote, its election round and its state.
type Notification struct {
	From  quorum.PeerID `json:"f"`
	To    quorum.PeerID `json:"to"`
	Vote  Vote          `json:"v"`
	Round uint64        `json:"r"`
	State State         `json:"s,omitempty"`
}
