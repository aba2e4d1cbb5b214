// Package quorum is the majority rule that both halves of the protocol
// count with: who the voters are, when some of them are a quorum, and how
// far a quorum has acknowledged. Fast Leader Election (package election)
// asks it whether the votes for a proposal are a quorum; the Zab peer
// (package zab) asks it whether enough followers promised an epoch,
// synchronised or are alive, and which zxid a quorum has logged. It is
// ZooKeeper's QuorumMaj (server/quorum/flexible/QuorumMaj.java) for a
// fixed set of voters, and etcd raft's quorum/majority.go.
//
// One rule, everywhere: a quorum is strictly more than half of the
// voters. The empty set has no quorum: IsQuorum is false for every count,
// CommittedIndex is 0, and QuorumSize (1) is more voters than it holds.
//
// The package is a leaf: it imports neither zab nor election, so both can
// use it. It sits under election/ because election is the bottom of the
// protocol's layers (zab builds on it); docs/README.md draws the arrows.
package quorum

import "slices"

// PeerID names a voting peer. The node maps Maelstrom node names to ids.
// Among election votes with the same epoch and zxid the higher id wins
// (FastLeaderElection.totalOrderPredicate), so ids must be distinct and
// stable; zab reserves 0 for "no leader", and never takes it as a voter.
type PeerID uint64

// Set is a fixed set of voters (QuorumMaj's voting members). The zero Set
// is empty.
type Set struct {
	ids []PeerID // ascending, no duplicates
}

// NewSet returns the set of ids, ignoring duplicates. ids is not kept.
func NewSet(ids []PeerID) Set {
	s := slices.Clone(ids)
	slices.Sort(s)
	return Set{ids: slices.Compact(s)}
}

// IDs returns the voters in ascending order: the order in which every
// loop over the voters runs, so that no map order reaches an output. The
// slice is the set's own; the caller must not modify it.
func (s Set) IDs() []PeerID { return s.ids }

// Len is the number of voters.
func (s Set) Len() int { return len(s.ids) }

// Has reports whether id is a voter.
func (s Set) Has(id PeerID) bool {
	_, ok := slices.BinarySearch(s.ids, id)
	return ok
}

// IsQuorum reports whether n distinct voters are a quorum: strictly more
// than half of all voters (QuorumMaj.containsQuorum). The caller counts
// only voters, each once. With no voters nothing is a quorum.
func (s Set) IsQuorum(n int) bool { return len(s.ids) > 0 && 2*n > len(s.ids) }

// QuorumSize is the fewest voters that are a quorum: len/2+1. For the
// empty set it is 1, more than the set holds, so no count reaches it.
func (s Set) QuorumSize() int { return len(s.ids)/2 + 1 }

// CommittedIndex returns the highest position that a quorum of s has
// reached, given acked, the positions the voters have acknowledged,
// cumulatively ("everything up to here"), at most one per voter. A voter
// with no entry counts as having acknowledged nothing. The result is the
// QuorumSize-th highest of acked: that position and every one before it
// are held by a quorum, so a leader that commits up to it commits
// strictly in order (DSN 2011, Phase 3; etcd raft's
// quorum.MajorityConfig.CommittedIndex). It is 0 when fewer than a quorum
// acknowledged anything, and for the empty set. acked is reordered.
func CommittedIndex[P ~uint64](s Set, acked []P) P {
	q := s.QuorumSize()
	if len(s.ids) == 0 || q > len(acked) {
		return 0
	}
	// Insertion sort, descending: a handful of voters, and no allocation.
	for i := 1; i < len(acked); i++ {
		for j := i; j > 0 && acked[j] > acked[j-1]; j-- {
			acked[j], acked[j-1] = acked[j-1], acked[j]
		}
	}
	return acked[q-1]
}
