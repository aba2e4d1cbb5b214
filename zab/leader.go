package zab

// leaderState is everything a leading peer keeps; it is dropped whole
// when the peer stops leading (Leader.shutdown).
type leaderState struct {
	// epoch is the new epoch e, fixed once frozen. Until then 0.
	epoch  Epoch
	frozen bool
	// connecting holds the acceptedEpoch of every peer whose FOLLOWERINFO
	// arrived before the freeze, the leader's own included
	// (Leader.getEpochToPropose's connectingFollowers).
	connecting map[PeerID]Epoch
	// epochAcks holds the peers whose counted ACKEPOCH arrived, the leader
	// included (Leader.waitForEpochAck's electingFollowers).
	epochAcks map[PeerID]bool
	// epochAcked: the epoch-ack quorum formed and currentEpoch = e was queued
	// for writing (docs/rules.md#the-leaders-currentepoch-before-newleader).
	epochAcked bool
	// epochDurable: that write has been Advanced; only then does the
	// leader count itself toward establishing the epoch.
	epochDurable bool
	// established: a quorum has acknowledged NEWLEADER; the inherited
	// history is committed and the leader broadcasts (phase 3).
	established bool

	learners    map[PeerID]*learnerHandler
	order       []*learnerHandler // scratch for learnersInOrder
	nextSession uint32
	// attempts holds each peer's newest follow attempt seen in a
	// FOLLOWERINFO: older ones are late copies (leaderFollowerInfo).
	attempts map[PeerID]uint64

	initialCounter uint32
	// lastProposed is the zxid of the last proposal of epoch e
	// (MakeZxid(e, initialCounter) before the first).
	lastProposed Zxid
	// deadline is the tick by which the epoch must be established
	// (InitLimit, Leader.lead's waits).
	deadline int64

	// Lazy fan-out (fanout.go). round counts the rounds, roundLast is
	// the log end the last one covered, roundTick when it started.
	round     uint64
	roundLast Zxid
	roundTick int64

	matches []Zxid // scratch for the commit computation
}

// becomeLeader starts leading: phase 1 begins by collecting FOLLOWERINFO
// from a quorum, the leader's own acceptedEpoch counting as one.
func (p *Peer) becomeLeader() {
	p.role, p.phase, p.leader = RoleLeading, PhaseDiscovery, p.id
	p.fol = nil
	p.lead = &leaderState{
		connecting:     map[PeerID]Epoch{p.id: p.epochs.Accepted},
		epochAcks:      map[PeerID]bool{},
		learners:       map[PeerID]*learnerHandler{},
		attempts:       map[PeerID]uint64{},
		initialCounter: p.cfg.InitialCounter,
		deadline:       p.now + int64(p.cfg.InitLimit),
	}
	p.logger.Info("LEADING", "accepted_epoch", uint32(p.epochs.Accepted),
		"current_epoch", uint32(p.epochs.Current), "last", p.log.last().String())
	p.maybeFreezeEpoch()
}

// stepLeader handles a message addressed to the leader.
func (p *Peer) stepLeader(m Message) {
	switch m.Type {
	case MsgFollowerInfo:
		p.leaderFollowerInfo(m)
		return
	}
	l := p.lead.learners[m.From]
	if l == nil || m.Session != l.session || m.Epoch != p.lead.epoch {
		p.logger.Debug("ignoring message of another session", "type", m.Type.String(), "from", uint64(m.From))
		return
	}
	// The follower's echo is the newest leader tick it has heard of: a
	// sign of life as of then, which a late copy of an old message
	// cannot forge (its echo is old).
	if echo := min(m.Stamp, p.now); echo > l.lastHeard {
		l.lastHeard = echo
		l.backoff = 0 // it answers: resends, if any, at the usual pace
	}
	switch m.Type {
	case MsgAckEpoch:
		p.leaderAckEpoch(l, m)
	case MsgAckNewLeader:
		p.leaderAckNewLeader(l, m)
	case MsgAck:
		p.leaderAck(l, m)
	}
}

// tickLeader enforces the leader's time limits: establishment within
// InitLimit, a live quorum within SyncLimit, heartbeats and resends.
func (p *Peer) tickLeader() {
	ls := p.lead
	if !ls.established && p.now > ls.deadline {
		p.becomeLooking("epoch not established within InitLimit")
		return
	}
	for _, l := range ls.learnersInOrder(p.voters) {
		if l.stage == stageSyncing && p.now-l.newLeaderAt >= int64(p.cfg.ResendTicks) {
			p.resendNewLeader(l)
		}
	}
	if !ls.established {
		return
	}
	// Leader.lead's per-tick check: itself plus every synced follower
	// heard from within SyncLimit must be a quorum (the row "tick at the
	// leader" of docs/rules.md#broadcast-zabbroadcastgo).
	alive := 1
	for _, l := range ls.learnersInOrder(p.voters) {
		if l.stage == stageSynced && p.now-l.lastHeard <= int64(p.cfg.SyncLimit) {
			alive++
		}
	}
	if !p.voters.IsQuorum(alive) {
		p.becomeLooking("lost the quorum of followers")
		return
	}
	p.pingQuiet()
	p.resendStalled()
}
