package election

import "zabkafka/election/quorum"

// Decision is the outcome of an election round: the peer to follow (or,
// when Leader is the elector's own ID, to lead as), the vote that won and
// the round it was decided in.
type Decision struct {
	Leader quorum.PeerID
	Vote   Vote
	Round  uint64
	// Support are the voters, ascending, whose matching votes made the
	// quorum (ZooKeeper hands this set to a new leader as its
	// leadingVoteSet). It is for logs and tests; the caller owns it.
	Support []quorum.PeerID
}

// phase is where an Elector is in its life.
type phase uint8

const (
	// phaseIdle: created, Start not yet called. Everything is ignored.
	phaseIdle phase = iota
	// phaseLooking: exchanging votes (lookForLeader's loop).
	phaseLooking
	// phaseDone: decided, or told by Settle that the peer leads or follows.
	// The elector only answers LOOKING peers.
	phaseDone
)

// Elector runs Fast Leader Election for one peer. It is not safe for
// concurrent use; the zab core owns it. The zero value is not usable:
// create one with New.
type Elector struct {
	cfg    Config
	voters quorum.Set // the voting members and the majority rule over them
	phase  phase

	// round is FLE's logicalclock: the election instance this peer is in.
	// It only grows, except when the peer joins an established ensemble
	// and takes over the round the ensemble decided in.
	round uint64
	// initial is the vote this peer started the current election with:
	// itself, its last logged zxid, its currentEpoch.
	initial Vote
	// proposal is the vote this peer currently advertises while looking.
	// Within a round it only ever gets better (Beats), and it never falls
	// below initial; that is what makes the winner's history the most
	// recent of the quorum that elected it.
	proposal Vote

	// recv holds, per voter, the latest ballot of the current round (FLE's
	// recvset), this peer's own ballot included. Cleared on a new round.
	recv map[quorum.PeerID]ballot
	// outOfElection holds the latest FOLLOWING/LEADING ballot of each
	// voter, whatever its round (FLE's outofelection). It is how a late
	// peer learns of a leader elected without it.
	outOfElection map[quorum.PeerID]ballot

	finalize finalizeWait
	resend   backoff

	decided  bool
	decision Decision
	// settled is what this peer answers LOOKING peers with once it has
	// left the election: its vote, FOLLOWING or LEADING, and the round
	// it decided in (QuorumPeer.getCurrentVote).
	settled ballot
}

// New returns an Elector for cfg, idle until Start.
func New(cfg Config) *Elector {
	cfg = cfg.normalized()
	return &Elector{
		cfg:    cfg,
		voters: quorum.NewSet(cfg.Voters),
		resend: newBackoff(cfg.MinResendTicks, cfg.MaxResendTicks, cfg.Rand),
	}
}

// Start enters LOOKING: a new round, a vote for initial, and a
// notification of it to every other voter (the start of
// FastLeaderElection.lookForLeader). initial should be (own ID, last
// logged zxid, currentEpoch). Votes received in earlier rounds are
// forgotten, and so is any earlier decision.
func (e *Elector) Start(initial Vote) []Notification {
	e.phase = phaseLooking
	e.round++
	e.initial = initial
	e.recv = make(map[quorum.PeerID]ballot, e.voters.Len())
	e.outOfElection = make(map[quorum.PeerID]ballot, e.voters.Len())
	e.decided = false
	e.decision = Decision{}
	e.settled = ballot{}
	e.finalize.stop()
	e.resend.reset()
	e.propose(initial)
	out := e.broadcast()
	e.reviewQuorum(false)
	return out
}

// Looking reports whether the elector is exchanging votes: Start was
// called and no decision has been made since.
func (e *Elector) Looking() bool { return e.phase == phaseLooking }

// Round is the current election round (FLE's logicalclock).
func (e *Elector) Round() uint64 { return e.round }

// Vote is the vote this peer advertises: its proposal while looking, the
// vote it decided on or was given by Settle afterwards.
func (e *Elector) Vote() Vote {
	if e.phase == phaseDone {
		return e.settled.vote
	}
	return e.proposal
}

// Decided returns the decision of the current round, and false if there
// is none yet.
func (e *Elector) Decided() (Decision, bool) {
	if !e.decided {
		return Decision{}, false
	}
	d := e.decision
	d.Support = append([]quorum.PeerID(nil), d.Support...)
	return d, true
}

// Settle records that the peer has left LOOKING and now has state s with
// vote v (QuorumPeer.setPeerState and setCurrentVote). From then on Step
// answers every LOOKING peer with (v, s, the round decided in), which is
// how late peers find the running ensemble. s must be Following or
// Leading; anything else is ignored.
func (e *Elector) Settle(s State, v Vote) {
	if s != Following && s != Leading {
		return
	}
	e.phase = phaseDone
	e.finalize.stop()
	e.settled = ballot{vote: v, round: e.round, state: s}
}

// UpdateVote rewrites the epoch of the advertised vote once the peer has
// synchronised with its leader and taken the new epoch
// (QuorumPeer.updateElectionVote, ZOOKEEPER-1732): every member of the
// ensemble then advertises the same (leader, epoch), so a newcomer sees
// them as one quorum. Only v.Epoch is used, as in ZooKeeper; the call is
// ignored unless the peer has settled and v names the same leader.
func (e *Elector) UpdateVote(v Vote) {
	if e.phase != phaseDone || v.Leader != e.settled.vote.Leader {
		return
	}
	e.settled.vote.Epoch = v.Epoch
}

// propose makes v this peer's proposal in the current round and records
// it as its own ballot: in ZooKeeper a peer's own notification reaches
// its own queue through the connection manager and is counted like any
// other; here it is recorded directly instead of being sent.
func (e *Elector) propose(v Vote) {
	e.proposal = v
	e.recv[e.cfg.ID] = e.ownBallot()
}

// ownBallot is this peer's current proposal as a countable ballot.
func (e *Elector) ownBallot() ballot {
	return ballot{vote: e.proposal, round: e.round, state: Looking}
}

// decide ends the election for vote v in round: this peer will lead if v
// names it, follow v.Leader otherwise (FastLeaderElection.setPeerState).
func (e *Elector) decide(v Vote, round uint64, support []quorum.PeerID) {
	state := Following
	if v.Leader == e.cfg.ID {
		state = Leading
	}
	e.phase = phaseDone
	e.decided = true
	e.decision = Decision{Leader: v.Leader, Vote: v, Round: round, Support: support}
	e.settled = ballot{vote: v, round: round, state: state}
	e.finalize.stop()
}
