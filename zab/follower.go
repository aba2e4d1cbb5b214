package zab

// follower is everything a following peer keeps about its leader; it is
// dropped whole when the peer stops following.
type follower struct {
	leader PeerID
	// attempt is this following's attempt number (Peer.attempt when it
	// began); a LEADERINFO or NEWLEADER must echo it.
	attempt uint64
	stage   followerStage
	// epoch and session are those of the leader's current LEADERINFO.
	epoch   Epoch
	session uint64
	// reportedLast and reportedBase are the last zxid and the sync base
	// this session's ACKEPOCH reported: the NEWLEADER was planned from
	// them, and must fit them (checkNewLeader).
	reportedLast, reportedBase Zxid
	// promised is the epoch this following raised acceptedEpoch to, 0 if
	// none: a re-sent ACKEPOCH for it stays counted.
	promised Epoch
	counted  bool

	// lastHeard is the tick the leader was last heard from: a message
	// with a newer stamp than any before (stamp) arrived. A late copy of
	// an old message carries an old stamp, and does not count.
	lastHeard int64
	// stamp is the newest leader stamp received in this epoch, echoed on
	// every acknowledgement (Message.Stamp); -1 before any.
	stamp    int64
	resendAt int64 // tick to re-send FOLLOWERINFO or ACKEPOCH

	// leaderCommit is the leader's commit point as last heard in this
	// session. The follower delivers min(leaderCommit, its last logged).
	leaderCommit Zxid
	// ackedNewLeader is the zxid the NEWLEADER acknowledgement carried.
	ackedNewLeader Zxid

	// awaitingEpoch: currentEpoch = epoch is queued but not yet durable.
	// Entries of the new epoch wait in held until it is: a crash in
	// between must not leave epoch(last zxid) > currentEpoch
	// (docs/rules.md#entries-of-the-new-epoch-after-currentepoch).
	awaitingEpoch bool
	held          []Txn
}

// followerStage is how far a follower is with its leader.
type followerStage uint8

const (
	// fstInfo: FOLLOWERINFO sent (re-sent on a timer), waiting for
	// LEADERINFO.
	fstInfo followerStage = iota + 1
	// fstEpochAcked: ACKEPOCH sent (re-sent on a timer), waiting for
	// NEWLEADER.
	fstEpochAcked
	// fstSynced: NEWLEADER applied and acknowledged, waiting for UPTODATE.
	fstSynced
	// fstBroadcast: the leader's epoch is established (phase 3).
	fstBroadcast
)

// becomeFollower starts following leader: FOLLOWERINFO(acceptedEpoch,
// attempt). The attempt number is new and is written durably in the same
// Ready, ahead of the message (Ready step 5 before step 6), so this
// follower never uses it again, not even after a restart: every reply of
// the leader to an earlier attempt is recognisably stale.
func (p *Peer) becomeFollower(leader PeerID) {
	p.role, p.phase, p.leader = RoleFollowing, PhaseDiscovery, leader
	p.lead = nil
	p.attempt++
	p.draft.followAttempt = p.attempt
	p.fol = &follower{leader: leader, attempt: p.attempt, stage: fstInfo, lastHeard: p.now, stamp: -1}
	p.logger.Info("FOLLOWING", "leader", uint64(leader), "attempt", p.attempt,
		"accepted_epoch", uint32(p.epochs.Accepted), "last", p.log.last().String())
	p.sendFollowerInfo()
}

// stepFollower handles a message from the leader being followed.
func (p *Peer) stepFollower(m Message) {
	f := p.fol
	switch m.Type {
	case MsgLeaderInfo:
		p.followerLeaderInfo(m)
		return
	case MsgNewLeader:
		p.followerNewLeader(m)
		return
	}
	// UPTODATE, PROPOSAL, COMMIT, PING: only for the current session, once its
	// NEWLEADER has been applied: before that the log may still hold a stale
	// suffix (docs/rules.md#nothing-of-a-session-before-its-newleader).
	if m.Epoch != f.epoch || m.Session != f.session || f.stage < fstSynced {
		p.logger.Debug("ignoring message of another session", "type", m.Type.String())
		return
	}
	p.heardLeader(m)
	if f.stage == fstSynced {
		// The leader sends these only once the epoch is established, so
		// each also stands for a lost UPTODATE.
		p.followerUpToDate()
	}
	switch m.Type {
	case MsgUpToDate, MsgCommit, MsgPing:
		p.learnCommit(m.Commit)
		if m.Type != MsgCommit {
			p.sendAck() // UPTODATE's ack; PING's reply doubles as heartbeat
		}
	case MsgProposal:
		p.followerProposal(m)
	}
}

// heardLeader notes a message of the current session from the leader: it
// is a sign of life only if it is newer than anything heard before (its
// stamp is the leader's tick when it sent it). Late copies, which the
// network may deliver long after the leader died, then cannot keep a
// follower waiting on a dead leader.
func (p *Peer) heardLeader(m Message) {
	f := p.fol
	if m.Stamp > f.stamp {
		f.stamp = m.Stamp
		f.lastHeard = p.now
	}
}

// tickFollower gives up on a silent leader (InitLimit before broadcast,
// SyncLimit after, as ZooKeeper's initLimit and syncLimit) and re-sends
// discovery messages that got no answer (docs/rules.md#resends-on-timers).
func (p *Peer) tickFollower() {
	f := p.fol
	limit := p.cfg.InitLimit
	if f.stage == fstBroadcast {
		limit = p.cfg.SyncLimit
	}
	if p.now-f.lastHeard > int64(limit) {
		p.becomeLooking("leader silent")
		return
	}
	if p.now >= f.resendAt {
		switch f.stage {
		case fstInfo:
			p.sendFollowerInfo()
		case fstEpochAcked:
			p.sendAckEpoch()
		}
	}
}

// followerLast is the end of the follower's log including held entries:
// the point a PROPOSAL must extend.
func (p *Peer) followerLast() Zxid {
	if n := len(p.fol.held); n > 0 {
		return p.fol.held[n-1].Zxid
	}
	return p.log.last()
}

// noteAcked records that this peer is acknowledging everything up to z
// to the leader it follows.
func (p *Peer) noteAcked(z Zxid) {
	e := p.fol.epoch
	if p.acked.epoch != e {
		p.acked.epoch, p.acked.zxid = e, 0
	}
	if z > p.acked.zxid {
		p.acked.zxid = z
	}
}
