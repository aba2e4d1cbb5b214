package election

import (
	"math/rand/v2"
	"testing"

	"zabkafka/election/quorum"
)

// checkAllFollowBest asserts that every live peer decided the best live
// initial vote, in one common round.
func checkAllFollowBest(s *sim) {
	s.t.Helper()
	best := s.best()
	var round uint64
	for i, id := range s.ids {
		p := s.peers[id]
		if p.down {
			continue
		}
		d, ok := p.e.Decided()
		if !ok || d.Vote != best {
			s.fatalf("peer %d decided=%v %v, want the best vote %v", id, ok, d.Vote, best)
		}
		if i > 0 && round != 0 && d.Round != round {
			s.fatalf("peer %d decided in round %d, others in %d", id, d.Round, round)
		}
		round = d.Round
	}
	if !s.leads(best.Leader) {
		s.fatalf("the winner %d does not lead", best.Leader)
	}
}

// TestEnsembleElectsBestVote runs 3- and 5-peer elections on a reliable
// network with seeded delivery orders: all peers decide the same leader,
// the one with the best vote.
func TestEnsembleElectsBestVote(t *testing.T) {
	for _, n := range []int{3, 5} {
		for seed := uint64(1); seed <= 40; seed++ {
			rng := rand.New(rand.NewPCG(seed, uint64(n)))
			s := newSim(t, seed, randomVotes(rng, peerIDs(n)))
			s.startAll()
			s.runReliable(100)
			checkAllFollowBest(s)
		}
	}
}

// TestEnsembleElectsBestVoteAcrossRounds: peers that start in different
// rounds (some have been through more elections) still converge on the
// best vote, in the highest round.
func TestEnsembleElectsBestVoteAcrossRounds(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 77))
		s := newSim(t, seed, randomVotes(rng, peerIDs(5)))
		var top uint64
		for _, id := range s.ids {
			bumpRound(s, id, rng.IntN(4))
			top = max(top, s.peers[id].e.Round()+1)
		}
		s.startAll()
		s.runReliable(100)
		checkAllFollowBest(s)
		if d, _ := s.peers[1].e.Decided(); d.Round != top {
			s.fatalf("decided in round %d, want the highest round %d", d.Round, top)
		}
	}
}

// bumpRound makes peer id go through k silent elections, as if every
// notification of its earlier rounds had been lost.
func bumpRound(s *sim, id quorum.PeerID, k int) {
	for i := 0; i < k; i++ {
		s.peers[id].e.Start(s.peers[id].initial)
	}
}

// TestElectionUnderLossAndReordering: 30% of notifications are lost and
// half of the rest are delayed by a tick or more (so they arrive out of
// order). With re-sends and the discovery emulation every run ends with
// all peers following one leader; the sim checks FLE's invariants on
// every notification and decision on the way.
func TestElectionUnderLossAndReordering(t *testing.T) {
	for _, n := range []int{3, 5} {
		for seed := uint64(1); seed <= 30; seed++ {
			rng := rand.New(rand.NewPCG(seed, uint64(n)+100))
			s := newSim(t, seed, randomVotes(rng, peerIDs(n)))
			s.loss, s.delay, s.initLimit = 0.3, 0.5, 10
			runLossy(s, 3000)
		}
	}
}

// runLossy starts every peer and runs ticks until the peers converge.
func runLossy(s *sim, maxTicks int) quorum.PeerID {
	s.t.Helper()
	s.startAll()
	for s.now < maxTicks {
		s.deliverSome()
		if leader, ok := s.converged(); ok {
			return leader
		}
		s.tick()
	}
	s.fatalf("peers did not converge in %d ticks", maxTicks)
	return 0
}

// electedSim returns an n-peer ensemble in which peer n has the best vote
// and has been elected, every peer having gone through rounds silent
// rounds first (so the election is decided in round rounds+1).
func electedSim(t *testing.T, seed uint64, n, rounds int) *sim {
	t.Helper()
	votes := map[quorum.PeerID]Vote{}
	for _, id := range peerIDs(n) {
		votes[id] = vote(id, 2, uint64(10+id))
	}
	s := newSim(t, seed, votes)
	for _, id := range s.ids {
		bumpRound(s, id, rounds)
	}
	s.startAll()
	s.runReliable(100)
	checkAllFollowBest(s)
	return s
}

// restart replaces peer id's elector by a fresh one, as after a crash:
// it remembers nothing, its round starts from 0.
func restart(s *sim, id quorum.PeerID) {
	p := s.peers[id]
	p.e = New(simConfig(id, s.ids, s.rng))
	p.seen = false
	p.down = false
}

// checkJoinedWithoutNewRound asserts that peer id follows the leader of
// the ensemble in the ensemble's round, and that nobody else left their
// decision: joining forced no new election.
func checkJoinedWithoutNewRound(s *sim, id, leader quorum.PeerID, round uint64, decisionsBefore int) {
	s.t.Helper()
	d, ok := s.peers[id].e.Decided()
	if !ok || d.Leader != leader || d.Round != round || s.peers[id].e.Round() != round {
		s.fatalf("restarted peer %d: decided=%v %+v (round now %d), want to follow %d in round %d",
			id, ok, d, s.peers[id].e.Round(), leader, round)
	}
	if got := len(s.decisions); got != decisionsBefore+1 {
		s.fatalf("%d decisions after the join, want only the joiner's one more than %d", got, decisionsBefore)
	}
	for _, other := range s.ids {
		if other != id && (s.peers[other].e.Looking() || s.peers[other].e.Round() != round) {
			s.fatalf("peer %d went back to the election (round %d)", other, s.peers[other].e.Round())
		}
	}
}

// TestLateJoinerWithHigherRound: a restarted follower whose round is
// higher than the ensemble's joins the running leader from the
// FOLLOWING/LEADING answers, taking over the ensemble's round
// (receivedFollowingNotification, outofelection branch).
func TestLateJoinerWithHigherRound(t *testing.T) {
	s := electedSim(t, 1, 3, 0) // decided in round 1
	restart(s, 1)
	bumpRound(s, 1, 5)
	before := len(s.decisions)
	s.start(1) // round 6
	s.drain()
	checkJoinedWithoutNewRound(s, 1, 3, 1, before)
}

// TestLateJoinerWithLowerRound: the same with a restarted follower whose
// round is lower than the ensemble's.
func TestLateJoinerWithLowerRound(t *testing.T) {
	s := electedSim(t, 2, 5, 6) // decided in round 7
	restart(s, 2)
	before := len(s.decisions)
	s.start(2) // round 1
	s.drain()
	checkJoinedWithoutNewRound(s, 2, 5, 7, before)
}

// TestLateJoinerWithSameRound: a restarted follower that lands in the
// ensemble's round counts the answers as votes of its own round.
func TestLateJoinerWithSameRound(t *testing.T) {
	s := electedSim(t, 3, 3, 0) // decided in round 1
	restart(s, 2)
	before := len(s.decisions)
	s.start(2) // round 1
	s.drain()
	checkJoinedWithoutNewRound(s, 2, 3, 1, before)
}

// TestJoinNeedsUpdatedEpochs replays ZOOKEEPER-1732 and ZOOKEEPER-1818
// (docs/bugs.md#zookeeper-1732-and-zookeeper-1818-a-running-ensemble-a-newcomer-cannot-join):
// the leader advertises its new epoch but a follower still advertises the
// epoch it was elected with, so a newcomer sees no quorum of equal votes and
// keeps looking. Once every member has called UpdateVote the newcomer joins.
func TestJoinNeedsUpdatedEpochs(t *testing.T) {
	s := electedSim(t, 4, 3, 0)
	newEpoch := Vote{Leader: 3, Epoch: 3}
	s.peers[3].e.UpdateVote(newEpoch)
	restart(s, 1)
	s.start(1)
	for i := 0; i < 40; i++ {
		s.drain()
		s.tick()
	}
	if _, ok := s.peers[1].e.Decided(); ok || !s.peers[1].e.Looking() {
		s.fatalf("newcomer joined although the members advertise different epochs")
	}
	s.peers[2].e.UpdateVote(newEpoch)
	for i := 0; i < 40 && !s.peers[1].seen; i++ {
		s.drain()
		s.tick()
	}
	d, ok := s.peers[1].e.Decided()
	if !ok || d.Leader != 3 || d.Vote.Epoch != 3 {
		s.fatalf("after UpdateVote everywhere: decided=%v %+v, want to follow 3 at epoch 3", ok, d)
	}
}

// TestCheckLeaderRefusesDeadLeader: the leader of a 5-peer ensemble has
// died but its followers still name it. A restarted peer hears a quorum
// of FOLLOWING notifications for it, yet never the leader's own LEADING,
// so checkLeader keeps it from following a dead leader. When the leader
// answers, it joins.
func TestCheckLeaderRefusesDeadLeader(t *testing.T) {
	s := electedSim(t, 5, 5, 0)
	s.peers[5].down = true
	restart(s, 1)
	s.start(1)
	for i := 0; i < 60; i++ {
		s.drain()
		s.tick()
	}
	if len(s.peers[1].e.outOfElection) < 3 {
		s.fatalf("setup: the newcomer heard only %d FOLLOWING notifications", len(s.peers[1].e.outOfElection))
	}
	if d, ok := s.peers[1].e.Decided(); ok {
		s.fatalf("newcomer decided %+v for a dead leader", d)
	}
	s.peers[5].down = false
	for i := 0; i < 60 && !s.peers[1].seen; i++ {
		s.drain()
		s.tick()
	}
	if d, ok := s.peers[1].e.Decided(); !ok || d.Leader != 5 {
		s.fatalf("once the leader answers: decided=%v %+v, want to follow 5", ok, d)
	}
}

// TestCheckLeaderRefusesToLeadFromAnOldRound: the old leader restarts
// with a fresh round while its followers still name it from their older
// round. It must not take their quorum as its own election: it does not
// remember winning that round (checkLeader, leader == myself).
func TestCheckLeaderRefusesToLeadFromAnOldRound(t *testing.T) {
	s := electedSim(t, 6, 3, 3) // decided in round 4
	restart(s, 3)
	s.start(3) // round 1
	for i := 0; i < 40; i++ {
		s.drain()
		s.tick()
	}
	if d, ok := s.peers[3].e.Decided(); ok {
		s.fatalf("restarted leader decided %+v from a round it does not remember", d)
	}
	if len(s.peers[3].e.outOfElection) != 2 {
		s.fatalf("setup: restarted leader heard %d FOLLOWING notifications, want 2", len(s.peers[3].e.outOfElection))
	}
}
