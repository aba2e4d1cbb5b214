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

	lastHeard int64 // tick of the last message from the leader
	resendAt  int64 // tick to re-send FOLLOWERINFO or ACKEPOCH

	// leaderCommit is the leader's commit point as last heard in this
	// session. The follower delivers min(leaderCommit, its last logged).
	leaderCommit Zxid
	// ackedNewLeader is the zxid the NEWLEADER acknowledgement carried.
	ackedNewLeader Zxid

	// awaitingEpoch: currentEpoch = epoch is queued but not yet durable.
	// Entries of the new epoch wait in held until it is (D4 refinement:
	// a crash in between must not leave epoch(last zxid) > currentEpoch).
	awaitingEpoch bool
	held          []Txn
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
	// UPTODATE, PROPOSAL, COMMIT, PING: only for the current session,
	// once its NEWLEADER has been applied (zab-reference 9.1: before that
	// the log may still hold a stale suffix).
	if m.Epoch != f.epoch || m.Session != f.session || f.stage < fstSynced {
		p.logger.Debug("ignoring message of another session", "type", m.Type.String())
		return
	}
	f.lastHeard = p.now
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

// tickFollower gives up on a silent leader (InitLimit before broadcast,
// SyncLimit after; zab-reference 4.4, 6.6) and re-sends discovery
// messages that got no answer.
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

// learnCommit takes the leader's commit point: everything up to
// min(commit, last logged) is committed here (zab-reference 9.1).
func (p *Peer) learnCommit(c Zxid) {
	f := p.fol
	if c > f.leaderCommit {
		f.leaderCommit = c
	}
	c = f.leaderCommit
	if last := p.log.last(); c > last {
		c = last
	}
	if c > p.committed {
		p.committed = c
	}
}

// sendAck queues a cumulative ACK of the log as it will be once this
// Ready is durable (held entries excluded). One ACK per Ready is enough:
// a pending one is updated in place.
func (p *Peer) sendAck() {
	f := p.fol
	z := p.log.last()
	p.noteAcked(z)
	for i := len(p.out.msgs) - 1; i >= 0; i-- {
		m := &p.out.msgs[i]
		if m.Type == MsgAck && m.To == f.leader && m.Session == f.session {
			m.Zxid = z
			return
		}
	}
	p.send(Message{Type: MsgAck, To: f.leader, Epoch: f.epoch, Session: f.session, Zxid: z})
}
