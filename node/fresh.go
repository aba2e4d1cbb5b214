package node

import (
	"time"

	"zabkafka/election/quorum"
	"zabkafka/zab"
)

// freshness is the bound on how stale a read may be. Reads (poll,
// list_committed_offsets) are served from this node's committed state
// with no round trip, so that state must be recent: a node serves them
// only while it is in touch with an established leader. A follower in
// broadcast must have heard from its leader, and the leader from a
// quorum (itself included), within Config.MaxStaleness; any other node
// (looking, discovering, synchronising) serves none. Otherwise a node
// cut off from the leader would go on answering polls from a state that
// falls further behind with every write the others commit, as long as
// the cut lasts. ZooKeeper's followers likewise stop serving while
// LOOKING (QuorumPeer's state machine: a LOOKING peer has no zkServer
// running).
//
// A refused read gets temporarily-unavailable (11), which is definite: a
// read changes nothing, so it certainly did not happen.
//
// "Heard from" is the core's judgement (zab.Peer.Contact), not any
// message's arrival: the network may deliver a copy of an old message
// long after its sender died or was cut off, and such a copy must not
// make a stale node look in touch (docs/safety.md, "Late copies do not
// keep a peer alive").
type freshness struct {
	bound   time.Duration // 0: reads are always served
	voters  quorum.Set    // PeerIDs 1..n: a leader needs a quorum of them
	heard   []time.Time   // heard[i]: when PeerID i+1's contact mark last changed
	contact []int64       // contact[i]: PeerID i+1's contact mark then
}

func newFreshness(bound time.Duration, n int) freshness {
	ids := make([]zab.PeerID, n)
	for i := range ids {
		ids[i] = zab.PeerID(i + 1)
	}
	f := freshness{bound: bound, voters: quorum.NewSet(ids), heard: make([]time.Time, n), contact: make([]int64, n)}
	for i := range f.contact {
		f.contact[i] = -1
	}
	return f
}

// noteContact records, after messages from peer from were stepped at
// now, whether they were a fresh sign of life: whether the core's
// contact mark for from (mark) changed.
func (f *freshness) noteContact(from zab.PeerID, mark int64, now time.Time) {
	if from > 0 && int(from) <= len(f.heard) && mark != f.contact[from-1] {
		f.contact[from-1] = mark
		f.heard[from-1] = now
	}
}

// stale says why reads must not be served at now, given the node's
// status; "" means they may be.
func (f *freshness) stale(st zab.Status, self zab.PeerID, now time.Time) string {
	if f.bound <= 0 {
		return ""
	}
	if st.Phase != zab.PhaseBroadcast {
		return "no established leader: this node's state may be stale"
	}
	since := now.Add(-f.bound)
	recent := func(id zab.PeerID) bool {
		return id > 0 && int(id) <= len(f.heard) && f.heard[id-1].After(since)
	}
	switch st.Role {
	case zab.RoleFollowing:
		if !recent(st.Leader) {
			return "not heard from the leader recently: this node's state may be stale"
		}
	case zab.RoleLeading:
		n := 1 // the leader itself
		for id := range f.heard {
			if zab.PeerID(id+1) != self && recent(zab.PeerID(id+1)) {
				n++
			}
		}
		if !f.voters.IsQuorum(n) {
			return "not heard from a quorum recently: this node may no longer lead"
		}
	default:
		return "no established leader: this node's state may be stale"
	}
	return ""
}
