package zab

import "fmt"

// Phase 2, synchronisation (DSN 2011, "Phase 2"; ZooKeeper's syncFollower /
// syncWithLeader / waitForNewLeaderAck). One self-contained NEWLEADER per
// follower (docs/differences.md, "One self-contained NEWLEADER"): mode,
// truncation point or snapshot, every
// entry after it up to the leader's last proposed, and the commit point.
// The leader establishes epoch e on a quorum of ACKNEWLEADER (itself
// included): its inherited history is then committed, and UPTODATE
// (COMMIT-LD) opens broadcast.

// ---- leader side ----

// startSync plans and sends the NEWLEADER for one follower. The follower
// joins the broadcast set in the same step (syncedTo = next = the
// leader's last): every later proposal reaches it through its queue, so
// nothing proposed between the plan and the switch-over is lost, as in
// ZooKeeper's Leader.startForwarding. The TLA+ specification of the paper
// in apache/zookeeper found this gap by model checking
// (zookeeper-specifications/protocol-spec/issues.md, its issues 1 and 3).
func (p *Peer) startSync(l *learnerHandler) {
	in := SyncInput{
		LeaderEnds:    p.log.epochEnds(),
		LeaderLast:    p.log.last(),
		RetainedAfter: p.log.retainedAfter(),
		FollowerLast:  l.last,
		FollowerBase:  l.base,
	}
	snap, hasSnap := p.log.storage.Snapshot()
	in.HasSnapshot, in.SnapshotZxid = hasSnap, snap.Zxid
	plan, err := PlanSync(in)
	if err != nil {
		// The follower will time out and come back; nothing was sent.
		p.logger.Warn("cannot synchronise follower", "follower", uint64(l.id), "err", err.Error())
		delete(p.lead.learners, l.id)
		return
	}
	m := Message{
		Type: MsgNewLeader, To: l.id, Epoch: p.lead.epoch, Session: l.session, Attempt: l.attempt,
		Mode: plan.Mode, Zxid: plan.From,
	}
	if plan.Mode == SyncSnap {
		m.Snapshot = &snap
	}
	l.newLeader = m
	l.syncedTo = in.LeaderLast
	l.next = in.LeaderLast
	l.match = 0
	l.stage = stageSyncing
	p.logger.Info("synchronising follower", "follower", uint64(l.id), "mode", plan.Mode.String(),
		"from", plan.From.String(), "to", in.LeaderLast.String(),
		"follower_last", l.last.String(), "follower_base", l.base.String())
	p.resendNewLeader(l)
}

// resendNewLeader sends (again) the follower's NEWLEADER, re-reading its
// entries from the log.
func (p *Peer) resendNewLeader(l *learnerHandler) {
	txns, ok := p.log.between(l.newLeader.Zxid, l.syncedTo, 0)
	if !ok {
		p.logger.Info("sync source compacted; restarting session", "follower", uint64(l.id))
		p.startSession(l.id)
		return
	}
	m := l.newLeader
	m.Txns = txns
	m.Commit = p.committed
	l.newLeaderAt = p.now
	l.commitSent = p.committed
	p.sendToLearner(l, m)
}

// leaderAckNewLeader handles ACKNEWLEADER (ACK-LD).
func (p *Peer) leaderAckNewLeader(l *learnerHandler, m Message) {
	switch l.stage {
	case stageSyncing:
		if m.Zxid > l.syncedTo {
			p.logger.Debug("ACKNEWLEADER beyond the sync", "from", uint64(l.id), "zxid", m.Zxid.String())
			return
		}
		l.stage = stageSynced
		if m.Zxid > l.match {
			l.match = m.Zxid
		}
		l.progressAt = p.now
		p.logger.Debug("follower synced", "follower", uint64(l.id), "zxid", m.Zxid.String())
		if p.lead.established {
			p.sendUpToDate(l)
			p.advanceCommit()
		} else {
			p.maybeEstablish()
		}
	case stageSynced:
		if p.lead.established {
			p.sendUpToDate(l) // ours may have been lost
		}
	}
}

// leaderEpochDurable: the leader's own currentEpoch = e write is durable,
// so it counts toward establishing e.
func (p *Peer) leaderEpochDurable(e Epochs) {
	ls := p.lead
	if ls.epochAcked && e.Current == ls.epoch && !ls.epochDurable {
		ls.epochDurable = true
		p.maybeEstablish()
	}
}

// maybeEstablish establishes epoch e once a quorum, the leader included,
// has made the initial history durable (Leader.waitForNewLeaderAck).
func (p *Peer) maybeEstablish() {
	ls := p.lead
	if ls.established || !ls.epochDurable {
		return
	}
	n := 1
	for _, l := range ls.learnersInOrder(p.voters) {
		if l.stage == stageSynced {
			n++
		}
	}
	if !p.voters.IsQuorum(n) {
		return
	}
	// Leader.startZkServer: everything the leader had when it started
	// leading is now committed (it is durable on a quorum, and every
	// later leader's history includes it).
	ls.established = true
	p.phase = PhaseBroadcast
	if last := p.log.last(); last > p.committed {
		p.committed = last
	}
	p.logger.Info("epoch established", "epoch", uint32(ls.epoch), "committed", p.committed.String(), "synced", n)
	p.updateVoteEpoch(ls.epoch)
	for _, l := range ls.learnersInOrder(p.voters) {
		if l.stage == stageSynced {
			p.sendUpToDate(l)
		}
	}
}

// sendUpToDate sends UPTODATE (COMMIT-LD) with the current commit point.
func (p *Peer) sendUpToDate(l *learnerHandler) {
	l.commitSent = p.committed
	p.sendToLearner(l, Message{Type: MsgUpToDate, To: l.id, Epoch: p.lead.epoch, Session: l.session, Commit: p.committed})
}

// ---- follower side ----

// followerNewLeader applies a NEWLEADER (Learner.syncWithLeader): cut or
// replace the log, append the initial history, make it durable, only then
// persist currentEpoch = e, only then acknowledge (ZOOKEEPER-3911,
// ZOOKEEPER-4643;
// docs/rules.md#history-then-currentepoch-then-the-newleader-ack). All of it
// goes into one Ready, whose fixed order gives exactly that sequence;
// entries of epoch e itself wait for the next Ready
// (docs/rules.md#entries-of-the-new-epoch-after-currentepoch).
func (p *Peer) followerNewLeader(m Message) {
	f := p.fol
	if m.Epoch != f.epoch || m.Session != f.session || f.stage < fstEpochAcked {
		return // stale, or early (its LEADERINFO was lost)
	}
	if m.Attempt != f.attempt && !p.knobs().AcceptStaleSyncSessions {
		return // a session of another attempt: cannot happen unless forged
	}
	p.heardLeader(m)
	if f.stage >= fstSynced {
		p.sendAckNewLeader() // duplicate: our ack may have been lost
		return
	}
	if err := p.checkNewLeader(m); err != nil {
		p.logger.Warn("refusing NEWLEADER", "err", err.Error())
		return
	}
	switch m.Mode {
	case SyncSnap:
		p.installSnapshot(*m.Snapshot)
	case SyncTrunc, SyncDiff:
		// DIFF's point is our last zxid; were we longer, cutting back to
		// a point both logs share is still exactly right.
		p.truncateLog(m.Zxid)
	}
	e := f.epoch
	split := len(m.Txns)
	for i, t := range m.Txns {
		if t.Zxid.Epoch() == e {
			split = i
			break
		}
	}
	p.appendLog(m.Txns[:split])
	post := m.Txns[split:]
	if p.epochs.Current != e {
		p.epochs.Current = e
		p.writeEpochs()
		f.awaitingEpoch = true
		f.held = append([]Txn(nil), post...)
	} else {
		p.appendLog(post)
	}
	f.stage = fstSynced
	p.phase = PhaseSync
	f.ackedNewLeader = p.log.last()
	p.sendAckNewLeader()
	p.learnCommit(m.Commit)
	p.logger.Info("synchronised with leader", "leader", uint64(f.leader), "epoch", uint32(e),
		"mode", m.Mode.String(), "from", m.Zxid.String(), "entries", len(m.Txns), "last", p.followerLast().String())
}

func (p *Peer) sendAckNewLeader() {
	f := p.fol
	p.noteAcked(f.ackedNewLeader)
	p.send(Message{Type: MsgAckNewLeader, To: f.leader, Epoch: f.epoch, Session: f.session, Zxid: f.ackedNewLeader, Stamp: f.stamp})
}

// checkNewLeader refuses a NEWLEADER that would break an invariant. The
// leader planned it from this session's ACKEPOCH, and the log has not
// changed since, so it must fit that report exactly: a DIFF starts at
// the reported last zxid, a TRUNC cuts strictly below it and never below
// the reported sync base, a SNAP is not older than the base. Whatever the
// message says, the follower also never cuts below what it knows
// committed, below what it has acknowledged to this epoch's leader, or
// takes its delivered state backwards, and it only appends a contiguous
// history. (docs/safety.md, "Late messages cannot replay a sync".)
func (p *Peer) checkNewLeader(m Message) error {
	f := p.fol
	e := f.epoch
	if m.Zxid.Epoch() > e {
		return fmt.Errorf("sync point %v beyond epoch %d", m.Zxid, e)
	}
	strict := !p.knobs().AcceptStaleSyncSessions
	keep := p.committed // the log must keep everything up to here
	if strict {
		keep = max(keep, f.reportedBase)
		if p.acked.epoch == e {
			keep = max(keep, p.acked.zxid)
		}
	}
	switch m.Mode {
	case SyncSnap:
		if m.Snapshot == nil || m.Snapshot.Zxid != m.Zxid {
			return fmt.Errorf("SNAP without a matching snapshot")
		}
		if m.Zxid < p.delivered {
			return fmt.Errorf("snapshot %v older than delivered %v", m.Zxid, p.delivered)
		}
		if m.Zxid < keep {
			return fmt.Errorf("snapshot %v older than %v, which this peer must keep", m.Zxid, keep)
		}
	case SyncTrunc, SyncDiff:
		if m.Snapshot != nil {
			return fmt.Errorf("%v with a snapshot", m.Mode)
		}
		if m.Zxid < keep {
			return fmt.Errorf("%v to %v would cut %v, which this peer must keep (committed %v)", m.Mode, m.Zxid, keep, p.committed)
		}
		if m.Zxid > p.log.last() {
			return fmt.Errorf("%v from %v beyond our last %v", m.Mode, m.Zxid, p.log.last())
		}
		if m.Zxid < p.log.floor {
			return fmt.Errorf("%v from %v below our snapshot %v", m.Mode, m.Zxid, p.log.floor)
		}
		if strict && m.Mode == SyncDiff && m.Zxid != f.reportedLast {
			return fmt.Errorf("DIFF from %v, but we reported our log ends at %v", m.Zxid, f.reportedLast)
		}
		if strict && m.Mode == SyncTrunc && m.Zxid >= f.reportedLast {
			return fmt.Errorf("TRUNC to %v, not below our reported last %v", m.Zxid, f.reportedLast)
		}
	default:
		return fmt.Errorf("unknown sync mode %d", m.Mode)
	}
	return checkContiguous(m.Zxid, m.Txns, e)
}

// checkContiguous checks that txns form a valid run after prev: strictly
// increasing, no counter 0 or beyond MaxCounter, consecutive counters
// within an epoch, no epoch beyond maxEpoch.
func checkContiguous(prev Zxid, txns []Txn, maxEpoch Epoch) error {
	for _, t := range txns {
		z := t.Zxid
		switch {
		case z <= prev:
			return fmt.Errorf("entry %v does not follow %v", z, prev)
		case z.Counter() == 0 || z.Counter() > MaxCounter:
			return fmt.Errorf("entry %v has an invalid counter", z)
		case z.Epoch() > maxEpoch:
			return fmt.Errorf("entry %v beyond epoch %d", z, maxEpoch)
		case prev != 0 && z.Epoch() == prev.Epoch() && z != prev+1:
			return fmt.Errorf("entry %v leaves a gap after %v", z, prev)
		}
		prev = z
	}
	return nil
}

// followerEpochDurable: currentEpoch = e is durable; the held entries of
// epoch e may now be logged (and then acknowledged).
func (p *Peer) followerEpochDurable(e Epochs) {
	f := p.fol
	if !f.awaitingEpoch || e.Current != f.epoch {
		return
	}
	f.awaitingEpoch = false
	held := f.held
	f.held = nil
	if len(held) > 0 {
		p.appendLog(held)
		p.sendAck()
		p.learnCommit(0)
	}
}

// followerUpToDate enters broadcast (UPTODATE, or any message that
// implies it).
func (p *Peer) followerUpToDate() {
	f := p.fol
	f.stage = fstBroadcast
	p.phase = PhaseBroadcast
	p.updateVoteEpoch(f.epoch)
	p.logger.Info("up to date", "leader", uint64(f.leader), "epoch", uint32(f.epoch))
}
