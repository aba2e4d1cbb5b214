package zab

import (
	"fmt"
	"math"
)

// Phase 1, discovery (DSN 2011, "Phase 1"; ZooKeeper's registerWithLeader /
// getEpochToPropose / waitForEpochAck): the prospective leader learns the
// acceptedEpoch of a quorum, picks e = 1 + the highest, and gets a quorum
// to promise e (ACKEPOCH). Wire names: FOLLOWERINFO = CEPOCH,
// LEADERINFO = NEWEPOCH, ACKEPOCH = ACK-E.

// ---- leader side ----

// leaderFollowerInfo handles FOLLOWERINFO(acceptedEpoch, attempt). Only
// the newest attempt of each follower counts: an older one is a late
// copy, and a repeat of the newest is a re-send (or a duplicate) that at
// most earns the same LEADERINFO again. A follower's attempt numbers only
// grow, so the leader starts a new session exactly when a follower starts
// a new attempt.
func (p *Peer) leaderFollowerInfo(m Message) {
	ls := p.lead
	if m.Attempt == 0 || m.Attempt < ls.attempts[m.From] {
		p.logger.Debug("ignoring FOLLOWERINFO of an old attempt", "from", uint64(m.From), "attempt", m.Attempt)
		return
	}
	repeat := m.Attempt == ls.attempts[m.From]
	ls.attempts[m.From] = m.Attempt
	if !ls.frozen {
		ls.connecting[m.From] = m.Epoch
		p.maybeFreezeEpoch()
		return
	}
	if repeat {
		// Its LEADERINFO may have been lost: send it again while the
		// session waits for ACKEPOCH. Later in the session the follower
		// has the LEADERINFO already; a copy changes nothing.
		if l := ls.learners[m.From]; l != nil && l.attempt == m.Attempt && l.stage == stageInfo {
			l.lastHeard = p.now
			p.sendLeaderInfo(l)
		}
		return
	}
	// Epoch frozen and a new attempt: a late joiner, or a follower
	// starting over.
	if m.Epoch > ls.epoch {
		// The follower has promised a newer epoch to a leader that never
		// established it. It will refuse ours (Learner.registerWithLeader
		// rejects an epoch below acceptedEpoch) and so can never join this
		// leader. ZooKeeper leaves it out until the next election; we step
		// down, so that the next epoch is chosen above its promise and it
		// rejoins (found by tests/sim, seed 1252).
		p.becomeLooking(fmt.Sprintf("peer %d has accepted epoch %d, above ours (%d)", m.From, m.Epoch, ls.epoch))
		return
	}
	p.startSession(m.From)
}

// maybeFreezeEpoch fixes e once a quorum (the leader included) has reported
// its acceptedEpoch, persists acceptedEpoch = e and only then (same Ready:
// epochs are written before messages are sent) tells them e (ZOOKEEPER-1291;
// docs/rules.md#acceptedepoch-before-leaderinfo-and-ackepoch).
func (p *Peer) maybeFreezeEpoch() {
	ls := p.lead
	if ls.frozen || !p.voters.IsQuorum(len(ls.connecting)) {
		return
	}
	var max Epoch
	for _, id := range p.voters.IDs() {
		if a, ok := ls.connecting[id]; ok && a > max {
			max = a
		}
	}
	if max == math.MaxUint32 {
		// Epoch overflow is not survivable (a new epoch could not be above
		// this one, and ZooKeeper does not handle it either): refuse to lead.
		p.logger.Error("epoch space exhausted; cannot lead")
		p.becomeLooking("epoch space exhausted")
		return
	}
	ls.epoch, ls.frozen = max+1, true
	ls.lastProposed = MakeZxid(ls.epoch, ls.initialCounter)
	p.epochs.Accepted = ls.epoch
	p.writeEpochs()
	p.logger.Info("new epoch proposed", "epoch", uint32(ls.epoch), "quorum", len(ls.connecting))
	ls.epochAcks[p.id] = true // the leader's own state is its own ack
	for _, id := range p.voters.IDs() {
		if _, ok := ls.connecting[id]; ok && id != p.id {
			p.startSession(id)
		}
	}
	p.maybeEpochQuorum()
}

// startSession begins a new sync session with follower id, answering its
// latest follow attempt: LEADERINFO(e). Session numbers are never reused
// by this leader (the epoch in the high half is led once), so a session
// names one attempt of one follower.
func (p *Peer) startSession(id PeerID) {
	ls := p.lead
	ls.nextSession++
	l := &learnerHandler{
		id:        id,
		attempt:   ls.attempts[id],
		session:   uint64(ls.epoch)<<32 | uint64(ls.nextSession),
		stage:     stageInfo,
		lastHeard: p.now,
	}
	ls.learners[id] = l
	p.sendLeaderInfo(l)
}

func (p *Peer) sendLeaderInfo(l *learnerHandler) {
	p.send(Message{Type: MsgLeaderInfo, To: l.id, Epoch: p.lead.epoch, Session: l.session, Attempt: l.attempt, Stamp: p.now})
}

// leaderAckEpoch handles ACKEPOCH(e, lastZxid, currentEpoch).
func (p *Peer) leaderAckEpoch(l *learnerHandler, m Message) {
	if l.stage != stageInfo {
		return // duplicate
	}
	if m.Commit > m.Zxid {
		p.logger.Debug("ACKEPOCH with base above last", "from", uint64(m.From))
		return
	}
	// StateSummary.isMoreRecentThan: a follower with a newer currentEpoch,
	// or the same one and a longer log, has history this leader lacks.
	// The election should not have picked us; give up so it can pick
	// better. Checked for late joiners too, against the current state.
	if m.CurrentEpoch > p.epochs.Current ||
		(m.CurrentEpoch == p.epochs.Current && m.Zxid > p.log.last()) {
		p.logger.Warn("follower is ahead of the leader", "follower", uint64(m.From),
			"follower_epoch", uint32(m.CurrentEpoch), "follower_last", m.Zxid.String(),
			"epoch", uint32(p.epochs.Current), "last", p.log.last().String())
		p.becomeLooking("follower ahead of leader")
		return
	}
	l.stage = stageEpochAcked
	l.last, l.base = m.Zxid, m.Commit
	if m.Counted {
		p.lead.epochAcks[m.From] = true
	}
	if p.lead.epochAcked {
		p.startSync(l)
		return
	}
	p.maybeEpochQuorum()
}

// maybeEpochQuorum completes discovery once a quorum has promised e: the
// leader persists currentEpoch = e before any NEWLEADER
// (docs/rules.md#the-leaders-currentepoch-before-newleader; the write is
// in the same Ready, ahead of the messages) and synchronises every
// follower that has acked.
func (p *Peer) maybeEpochQuorum() {
	ls := p.lead
	if ls.epochAcked || !ls.frozen || !p.voters.IsQuorum(len(ls.epochAcks)) {
		return
	}
	ls.epochAcked = true
	p.epochs.Current = ls.epoch
	p.writeEpochs()
	p.phase = PhaseSync
	p.logger.Info("epoch acknowledged by a quorum", "epoch", uint32(ls.epoch))
	for _, l := range ls.learnersInOrder(p.voters) {
		if l.stage == stageEpochAcked {
			p.startSync(l)
		}
	}
}

// ---- follower side ----

func (p *Peer) sendFollowerInfo() {
	p.fol.resendAt = p.now + int64(p.cfg.ResendTicks)
	p.send(Message{Type: MsgFollowerInfo, To: p.fol.leader, Epoch: p.epochs.Accepted, Attempt: p.fol.attempt})
}

// followerLeaderInfo handles LEADERINFO(e) (Learner.registerWithLeader).
// Only a LEADERINFO that answers this attempt counts: one that answers an
// earlier attempt (a late copy, possibly from before a restart) opened a
// session whose NEWLEADER was planned from a log this follower may no
// longer have. A LEADERINFO of a newer session of this attempt restarts
// the sync: the leader resynchronises a follower it can no longer feed
// from its log.
func (p *Peer) followerLeaderInfo(m Message) {
	f := p.fol
	if m.Attempt != f.attempt && !p.knobs().AcceptStaleSyncSessions {
		p.logger.Debug("ignoring LEADERINFO of another attempt", "attempt", m.Attempt, "ours", f.attempt)
		return
	}
	if f.stage >= fstEpochAcked {
		if m.Epoch == f.epoch && m.Session == f.session {
			p.heardLeader(m)
			if f.stage == fstEpochAcked {
				p.sendAckEpoch() // our ACKEPOCH may have been lost
			}
			return
		}
		if m.Epoch < f.epoch || (m.Epoch == f.epoch && m.Session < f.session) {
			return // stale
		}
	}
	e := m.Epoch
	if e < p.epochs.Accepted {
		// We promised a newer epoch to someone: this leader's epoch is
		// not fresh for us.
		p.becomeLooking("leader's epoch is older than our acceptedEpoch")
		return
	}
	if e > p.epochs.Accepted {
		// Persist acceptedEpoch = e, then ACKEPOCH (same Ready, epochs before
		// messages;
		// docs/rules.md#acceptedepoch-before-leaderinfo-and-ackepoch).
		p.epochs.Accepted = e
		p.writeEpochs()
		f.promised = e
	}
	// e == acceptedEpoch from an earlier promise (a restart, or another
	// leader's LEADERINFO): the ack is not counted (ZooKeeper's -1 form).
	// A re-sent promise to this same leader stays counted.
	f.counted = f.promised == e
	if e != f.epoch {
		f.stamp = -1 // a leader's stamps count its own ticks: start afresh
	}
	f.epoch, f.session, f.stage = e, m.Session, fstEpochAcked
	p.heardLeader(m)
	f.leaderCommit, f.held, f.awaitingEpoch = 0, nil, false
	p.phase = PhaseDiscovery
	p.sendAckEpoch()
}

// sendAckEpoch reports the follower's history: its last zxid, its
// currentEpoch and its sync base (see SyncInput.FollowerBase). The log
// does not change until this session's NEWLEADER (PROPOSALs are ignored
// before it), so a re-send reports the same; the report is kept to check
// the NEWLEADER against (checkNewLeader).
func (p *Peer) sendAckEpoch() {
	f := p.fol
	f.resendAt = p.now + int64(p.cfg.ResendTicks)
	f.reportedLast, f.reportedBase = p.log.last(), p.syncBase()
	p.send(Message{
		Type: MsgAckEpoch, To: f.leader, Epoch: f.epoch, Session: f.session,
		Zxid: f.reportedLast, CurrentEpoch: p.epochs.Current, Counted: f.counted,
		Commit: f.reportedBase, Stamp: f.stamp,
	})
}

// syncBase is the highest zxid this peer holds that every later leader
// also holds (SyncInput.FollowerBase).
func (p *Peer) syncBase() Zxid {
	b := p.committed
	if x := p.log.prevEpochEnd(); x > b {
		b = x
	}
	if p.log.floor > b {
		b = p.log.floor
	}
	return b
}
