package zab

import (
	"fmt"

	"zabkafka/election"
)

// Phase 0, leader election: while LOOKING the peer drives an
// election.Elector (ZooKeeper's FastLeaderElection; Medeiros 2012, "Phase 0")
// and carries its
// notifications as MsgVote messages. Once the elector decides, the peer
// follows or leads; afterwards the elector keeps answering LOOKING peers
// with the settled vote, which is how late peers find the ensemble.

// initialVote is (own id, last logged zxid, currentEpoch): FLE's initial
// vote (getInitId / getInitLastLoggedZxid / getPeerEpoch). The zxid is the
// real end of the log (ZOOKEEPER-2845;
// docs/rules.md#a-new-role-starts-from-the-real-end-of-the-log).
func (p *Peer) initialVote() election.Vote {
	return election.Vote{Leader: p.id, Zxid: uint64(p.log.last()), Epoch: uint32(p.epochs.Current)}
}

// sendVotes queues notifications as MsgVote messages.
func (p *Peer) sendVotes(ns []election.Notification) {
	for i := range ns {
		n := ns[i]
		p.send(Message{Type: MsgVote, To: n.To, Vote: &n})
	}
}

// stepVote hands a notification to the elector, in every role: a
// non-looking elector answers LOOKING senders with its settled vote.
func (p *Peer) stepVote(m Message) error {
	if m.Vote == nil {
		return fmt.Errorf("%w: VOTE without a vote", ErrInvalidMessage)
	}
	n := *m.Vote
	if n.From != m.From || n.To != m.To {
		return fmt.Errorf("%w: VOTE from %d carries a notification from %d to %d",
			ErrInvalidMessage, m.From, n.From, n.To)
	}
	// Our leader is LOOKING in a round after the one that made it leader:
	// it has given up leading. Waiting for the SyncLimit timeout would
	// only delay the next election. Older rounds are stale re-sends.
	if p.fol != nil && n.From == p.fol.leader && n.State == election.Looking && n.Round > p.decidedRound {
		p.becomeLooking("leader is looking again")
	}
	p.sendVotes(p.elector.Step(n))
	p.checkElection()
	return nil
}

// tickElection lets the elector re-send and count down its finalize wait.
func (p *Peer) tickElection() {
	p.sendVotes(p.elector.Tick())
	p.checkElection()
}

// checkElection moves a LOOKING peer to its role once the elector has
// decided (FastLeaderElection.lookForLeader returning).
func (p *Peer) checkElection() {
	if p.role != RoleLooking {
		return
	}
	d, ok := p.elector.Decided()
	if !ok {
		return
	}
	p.decidedRound = d.Round
	p.logger.Info("election decided", "leader", uint64(d.Leader), "round", d.Round,
		"vote_zxid", Zxid(d.Vote.Zxid).String(), "vote_epoch", d.Vote.Epoch)
	// Deciding settled the elector already (LEADING if the vote names
	// us, FOLLOWING otherwise): it now answers LOOKING peers by itself.
	if d.Leader == p.id {
		p.becomeLeader()
	} else {
		p.becomeFollower(d.Leader)
	}
}

// updateVoteEpoch makes the advertised vote carry epoch e once this peer
// has taken it (ZOOKEEPER-1732: every member of a running ensemble then
// advertises the same (leader, epoch) to newcomers).
func (p *Peer) updateVoteEpoch(e Epoch) {
	p.elector.UpdateVote(election.Vote{Leader: p.leader, Zxid: uint64(p.log.last()), Epoch: uint32(e)})
}
