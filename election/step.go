package election

import "zabkafka/election/quorum"

// Step handles one notification from another peer and returns the
// notifications to send in response. Anything malformed is ignored and
// yields nothing: a notification not addressed to this peer, from itself,
// from a non-voter, naming a non-voter as leader, or with an unknown
// state.
func (e *Elector) Step(n Notification) []Notification {
	if !e.valid(n) {
		return nil
	}
	switch e.phase {
	case phaseLooking:
		return e.stepLooking(n)
	case phaseDone:
		// WorkerReceiver.run, when not LOOKING: tell a LOOKING peer what
		// we decided. Peers that have left the election need no answer,
		// and answering them would make two settled peers chatter forever.
		if n.State == Looking {
			return []Notification{e.settledReply(n.From)}
		}
	}
	return nil
}

// valid reports whether n is well formed and from and about voters
// (FastLeaderElection.validVoter; the receiver's length and state checks).
func (e *Elector) valid(n Notification) bool {
	return n.To == e.cfg.ID && n.From != e.cfg.ID &&
		e.voters.Has(n.From) && e.voters.Has(n.Vote.Leader) &&
		n.State <= Leading
}

// stepLooking is one turn of lookForLeader's loop.
func (e *Elector) stepLooking(n Notification) []Notification {
	// Whether n would change our mind is judged against the proposal
	// before n is handled; a better vote restarts the finalize wait.
	better := e.prefers(n.Vote, e.proposal)
	var out []Notification
	if n.State == Looking {
		out = e.stepLookingSender(n)
	} else if e.stepEstablishedSender(n) {
		return nil // joined a leader; nothing more to say
	}
	e.reviewQuorum(better)
	return out
}

// stepLookingSender handles a notification from another LOOKING peer
// (lookForLeader, case LOOKING).
func (e *Elector) stepLookingSender(n Notification) []Notification {
	var out []Notification
	switch {
	case n.Round > e.round:
		// The sender is in a newer election: join it. The votes we hold
		// are from an older round and mean nothing there. Start again
		// from our own initial vote, not from what an older round made
		// us believe: the peer whose vote we had adopted may be gone.
		e.round = n.Round
		e.recv = make(map[quorum.PeerID]ballot, e.voters.Len())
		if e.prefers(n.Vote, e.initial) {
			e.propose(n.Vote)
		} else {
			e.propose(e.initial)
		}
		out = e.broadcast()
	case n.Round < e.round:
		// A vote from an older round is not counted. Tell the sender our
		// round and vote so it catches up (WorkerReceiver.run).
		return []Notification{e.lookingReply(n.From)}
	case e.prefers(n.Vote, e.proposal):
		e.propose(n.Vote)
		out = e.broadcast()
	}
	e.recv[n.From] = ballot{vote: n.Vote, round: n.Round, state: Looking}
	return out
}

// stepEstablishedSender handles a notification from a FOLLOWING or LEADING
// peer (receivedFollowingNotification, receivedLeadingNotification without
// the two-node oracle) and reports whether it ended the election.
func (e *Elector) stepEstablishedSender(n Notification) bool {
	b := ballot{vote: n.Vote, round: n.Round, state: n.State}
	if n.Round == e.round {
		// Same round: the sender decided in the election we are in, so
		// its vote counts with the others of this round.
		e.recv[n.From] = b
		if support, ok := e.establishedQuorum(e.recv, b); ok {
			e.decide(n.Vote, n.Round, support)
			return true
		}
	}
	// Whatever the round, remember it: a quorum of peers that agree on a
	// leader which says it is leading is a running ensemble, and we join
	// it in its round rather than force a new election on it.
	e.outOfElection[n.From] = b
	if support, ok := e.establishedQuorum(e.outOfElection, b); ok {
		e.round = n.Round
		e.decide(n.Vote, n.Round, support)
		return true
	}
	return false
}

// establishedQuorum reports whether the ballots in votes matching b form a
// quorum that passes checkLeader, and returns that quorum.
func (e *Elector) establishedQuorum(votes map[quorum.PeerID]ballot, b ballot) ([]quorum.PeerID, bool) {
	support := e.supporters(votes, b)
	if !e.voters.IsQuorum(len(support)) || !e.checkLeader(votes, b.vote.Leader, b.round) {
		return nil, false
	}
	return support, true
}

// checkLeader is FastLeaderElection.checkLeader: a quorum naming a leader
// is not enough, since followers keep naming their leader for a while
// after it died. If the leader is another peer, it must itself have told
// us it is LEADING. If it is this peer, the quorum must be of our current
// round: we cannot be leading an ensemble we do not remember electing.
func (e *Elector) checkLeader(votes map[quorum.PeerID]ballot, leader quorum.PeerID, round uint64) bool {
	if leader != e.cfg.ID {
		b, ok := votes[leader]
		return ok && b.state == Leading
	}
	return e.round == round
}

// prefers is totalOrderPredicate: v beats cur and names a voter (a peer
// that cannot vote can never win).
func (e *Elector) prefers(v, cur Vote) bool {
	return e.voters.Has(v.Leader) && v.Beats(cur)
}

// broadcast is sendNotifications: our current proposal to every other
// voter, in ascending id order. Sending restarts the resend wait, since
// everyone has just heard from us.
func (e *Elector) broadcast() []Notification {
	out := make([]Notification, 0, e.voters.Len())
	for _, id := range e.voters.IDs() {
		if id != e.cfg.ID {
			out = append(out, e.lookingReply(id))
		}
	}
	e.resend.restartWait()
	return out
}

// lookingReply is our LOOKING notification for peer to.
func (e *Elector) lookingReply(to quorum.PeerID) Notification {
	return Notification{From: e.cfg.ID, To: to, Vote: e.proposal, Round: e.round, State: Looking}
}

// settledReply is the answer of a peer that has left the election.
func (e *Elector) settledReply(to quorum.PeerID) Notification {
	return Notification{From: e.cfg.ID, To: to, Vote: e.settled.vote, Round: e.settled.round, State: e.settled.state}
}

// supporters returns, ascending, the voters whose ballot in votes matches
// target (FastLeaderElection.getVoteTracker).
func (e *Elector) supporters(votes map[quorum.PeerID]ballot, target ballot) []quorum.PeerID {
	var ids []quorum.PeerID
	for _, id := range e.voters.IDs() {
		if b, ok := votes[id]; ok && b.matches(target) {
			ids = append(ids, id)
		}
	}
	return ids
}
