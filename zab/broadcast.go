package zab

import "zabkafka/election/quorum"

// Phase 3, broadcast (DSN 2011, "Phase 3"; Leader.propose / processAck /
// tryToCommit, Follower.processPacket). Over a network that loses and
// reorders messages the zxids themselves sequence the stream
// (docs/rules.md#the-zxids-sequence-the-stream): the leader keeps per
// follower the
// highest cumulative ACK (match) and the highest zxid sent (next), sends
// PROPOSAL batches that name the zxid they follow, resends from match
// after ResendTicks without progress, and resynchronises a follower whose
// needs fall below its retained log.

// ---- leader side ----

// Propose makes data the next transaction of the leader's epoch and
// returns its zxid. Only an established leader in broadcast proposes
// (ErrNotLeader otherwise). At the uncommitted-proposal bound, or when the
// zxid counter is exhausted, it returns ErrProposalDropped; in the second
// case the leader also steps down so that a new epoch starts
// (ZOOKEEPER-1277). The core keeps data; the
// caller must not modify it afterwards.
func (p *Peer) Propose(data []byte) (Zxid, error) {
	ls := p.lead
	if ls == nil || !ls.established {
		return 0, ErrNotLeader
	}
	if ls.countAfter(p.committed, ls.lastProposed) >= p.cfg.MaxUncommitted {
		return 0, ErrProposalDropped
	}
	z, ok := ls.lastProposed.Next()
	if !ok {
		p.logger.Warn("zxid counter exhausted; stepping down", "last", ls.lastProposed.String())
		p.becomeLooking("zxid counter exhausted")
		return 0, ErrProposalDropped
	}
	ls.lastProposed = z
	// The leader's own append is durable, and counts as its ack, only once
	// the Ready carrying it is Advanced (leaderStable;
	// docs/rules.md#the-leaders-own-ack-once-its-append-is-durable).
	p.appendLog([]Txn{{Zxid: z, Data: data}})
	return z, nil
}

// leaderAck handles a cumulative ACK(z): the follower has logged
// everything up to z durably.
func (p *Peer) leaderAck(l *learnerHandler, m Message) {
	if l.stage != stageSynced {
		return // before ACKNEWLEADER: its ack is the one that counts first
	}
	if m.Zxid > l.next {
		p.logger.Debug("ACK beyond what was sent", "from", uint64(l.id), "zxid", m.Zxid.String())
		return
	}
	if m.Zxid > l.match {
		l.match = m.Zxid
		l.progressAt = p.now
		p.advanceCommit()
	}
}

// leaderStable: the leader's own log grew durable; its ack may commit.
func (p *Peer) leaderStable() { p.advanceCommit() }

// advanceCommit moves the commit point to the highest zxid logged by a
// quorum, the leader included (its durable log only). Cumulative
// acks make this the quorum-th highest match, so commits happen strictly
// in zxid order.
func (p *Peer) advanceCommit() {
	ls := p.lead
	if !ls.established {
		return
	}
	ms := append(ls.matches[:0], p.log.stable)
	for _, l := range ls.learnersInOrder(p.voters) {
		if l.stage == stageSynced {
			ms = append(ms, l.match)
		}
	}
	ls.matches = ms
	c := quorum.CommittedIndex(p.voters, ms)
	if c > p.committed {
		p.committed = c
	}
}

// flush turns the leader's queues into messages as a Ready is handed
// out, so that all proposals made since the last Ready travel in one
// PROPOSAL per follower (batching), and commit points travel piggybacked
// or in one COMMIT. A paced leader (fanout.go) first starts a round if
// its log has grown, and skips the followers whose turn it is not. It
// sends a follower something exactly when flushDue says so, which is how
// HasReady knows, without flushing, whether a flush would send anything
// (flushWouldSend).
func (p *Peer) flush() {
	ls := p.lead
	if ls == nil || !ls.established {
		return
	}
	if p.roundDue() {
		p.startRound()
	}
	for _, l := range ls.learnersInOrder(p.voters) {
		if l.match > l.next {
			// An ACK beyond what was sent is ignored (leaderAck), and a
			// resend rewinds next to match, never below it.
			p.broken("follower %d acknowledged %v, beyond the %v sent to it", l.id, l.match, l.next)
		}
		if !p.flushDue(l, l.eager, ls.roundTick) {
			continue
		}
		p.pump(l)
		if ls.learners[l.id] != l {
			continue // pump restarted its session
		}
		if l.stage == stageSynced && l.commitSent < p.committed {
			l.commitSent = p.committed
			p.sendToLearner(l, Message{Type: MsgCommit, To: l.id, Epoch: ls.epoch, Session: l.session, Commit: p.committed})
		}
	}
}

// flushWouldSend reports whether flush would send anything now, and
// changes nothing: HasReady's question. It applies flush's per-follower
// rule (flushDue) to the state flush would see, that is, after the round
// flush would start first (roundDue, pickedByRound). Nothing a flush sends
// to one follower changes the rule's answer for another, so "some
// follower is due" is exactly "flush sends something".
func (p *Peer) flushWouldSend() bool {
	ls := p.lead
	if ls == nil || !ls.established {
		return false
	}
	newRound := p.roundDue()
	roundTick := ls.roundTick
	if newRound {
		roundTick = p.now
	}
	for _, id := range p.voters.IDs() {
		l := ls.learners[id]
		if l == nil {
			continue
		}
		eager := l.eager
		if newRound && l.stage == stageSynced {
			eager = p.pickedByRound(l)
		}
		if p.flushDue(l, eager, roundTick) {
			return true
		}
	}
	return false
}

// flushDue is flush's rule for one follower: whether it sends l's
// follower anything now. Nothing while the follower is not yet being
// synchronised or pacing holds it back (holdBack, given the round's eager
// flag and start tick); otherwise something if proposals wait within its
// in-flight window (pump sends them, or starts a new session when they
// are no longer retained, resync) or it has not been told the commit
// point.
func (p *Peer) flushDue(l *learnerHandler, eager bool, roundTick int64) bool {
	if l.stage < stageSyncing || p.holdBack(l, eager, roundTick) {
		return false
	}
	return (l.next < p.log.last() && p.inflightRoom(l) > 0) ||
		(l.stage == stageSynced && l.commitSent < p.committed)
}

// inflightRoom is how many more proposals may be outstanding to l's
// follower: MaxInflight less those sent after its last ACK (or after its
// sync, which is not flow-controlled).
func (p *Peer) inflightRoom(l *learnerHandler) int {
	acked := l.match
	if l.syncedTo > acked {
		acked = l.syncedTo
	}
	return p.cfg.MaxInflight - p.lead.countAfter(acked, l.next)
}

// pump sends the follower the proposals after next, within MaxInflight
// unacknowledged ones, and MaxTxnsPerMessage and MaxBytesPerMessage per
// message. When next is below the end of the log and the window has
// room, it sends at least one message (flushDue relies on it): a PROPOSAL
// with at least one entry, or, when those entries are no longer
// retained, a new session's LEADERINFO.
func (p *Peer) pump(l *learnerHandler) {
	ls := p.lead
	last := p.log.last()
	for l.next < last {
		room := p.inflightRoom(l)
		if room <= 0 {
			return
		}
		if room > p.cfg.MaxTxnsPerMessage {
			room = p.cfg.MaxTxnsPerMessage
		}
		txns, ok := p.log.entriesAfter(l.next, room)
		if !ok {
			p.resync(l)
			return
		}
		if len(txns) == 0 {
			return
		}
		txns = capBytes(txns, p.cfg.MaxBytesPerMessage)
		if l.match >= l.next {
			l.progressAt = p.now // nothing was outstanding: the resend clock starts now
		}
		p.sendToLearner(l, Message{Type: MsgProposal, To: l.id, Epoch: ls.epoch, Session: l.session,
			Zxid: l.next, Txns: txns, Commit: p.committed})
		l.commitSent = p.committed
		l.next = txns[len(txns)-1].Zxid
	}
}

// capBytes returns the longest prefix of txns whose payloads add up to at
// most limit bytes, but never less than one transaction: a transaction
// larger than the limit still has to travel (the caller bounds how large
// one may be).
func capBytes(txns []Txn, limit int) []Txn {
	n := 0
	for i, t := range txns {
		n += len(t.Data)
		if n > limit && i > 0 {
			return txns[:i]
		}
	}
	return txns
}

// resync starts a new sync session with a follower that the leader can no
// longer feed from its retained log
// (docs/rules.md#the-zxids-sequence-the-stream).
func (p *Peer) resync(l *learnerHandler) {
	p.logger.Info("follower needs entries below the retained log; resynchronising",
		"follower", uint64(l.id), "next", l.next.String(), "retained_after", p.log.retainedAfter().String())
	p.startSession(l.id)
}

// resendStalled rewinds next to match for every follower whose
// outstanding proposals got no ACK for its resend gap (go-back-N). The
// gap is ResendTicks, and doubles, up to maxResendBackoff times that,
// with every resend after which the follower stayed silent: a crashed or
// cut-off follower is not sent its whole backlog again and again, in
// ever larger batches, while it cannot answer. Any message from it ends
// the back-off (stepLeader), so a follower that comes back is served at
// the usual pace at once.
func (p *Peer) resendStalled() {
	for _, l := range p.lead.learnersInOrder(p.voters) {
		if l.stage != stageSynced || l.match >= l.next || p.now-l.progressAt < p.resendGap(l) {
			continue
		}
		p.logger.Debug("resending from match", "follower", uint64(l.id), "match", l.match.String(), "next", l.next.String())
		// lastHeard is the newest of its stamps the follower echoed: below
		// the resend's own stamp, it has heard nothing since.
		silent := l.resentAt > 0 && l.lastHeard < l.resentAt
		if silent {
			l.backoff = min(2*max(l.backoff, 1), maxResendBackoff)
		} else {
			l.backoff = 0
		}
		l.resentAt = p.now
		l.next = l.match
		l.progressAt = p.now
	}
}

// maxResendBackoff caps a silent follower's resend gap, in ResendTicks.
const maxResendBackoff = 8

// resendGap is how long l's outstanding proposals wait for an ACK before
// they are sent again: ResendTicks, times the back-off.
func (p *Peer) resendGap(l *learnerHandler) int64 {
	return int64(p.cfg.ResendTicks) * int64(max(l.backoff, 1))
}

// pingQuiet sends a heartbeat, carrying the commit point and the last
// proposed zxid (ZooKeeper's leader PING carries the last proposed zxid
// too, Leader.lead), to every synced follower that has
// been sent nothing for HeartbeatTicks. Any message of the session is a
// sign of life to the follower (stepFollower sets lastHeard), so a
// follower that gets proposals needs no PING, and under load the leader
// sends none; a quiet one still hears from the leader at least every
// HeartbeatTicks, as with a fixed PING schedule, and answers with the
// ACK that is the leader's sign of life from it.
func (p *Peer) pingQuiet() {
	ls := p.lead
	for _, l := range ls.learnersInOrder(p.voters) {
		if l.stage == stageSynced && p.now-l.lastSent >= int64(p.cfg.HeartbeatTicks) {
			l.commitSent = p.committed
			p.sendToLearner(l, Message{Type: MsgPing, To: l.id, Epoch: ls.epoch, Session: l.session,
				Commit: p.committed, Zxid: ls.lastProposed})
		}
	}
}

// ---- follower side ----

// followerProposal handles a PROPOSAL batch (Zxid = the zxid the first
// entry follows). It is accepted only where it extends the log: entries
// already logged are skipped (duplicates), a batch that starts beyond the
// log end is dropped (early); either way the follower re-acks its
// position, which tells the leader where to resume.
func (p *Peer) followerProposal(m Message) {
	f := p.fol
	if err := checkContiguous(m.Zxid, m.Txns, f.epoch); err != nil {
		p.logger.Debug("ignoring malformed PROPOSAL", "err", err.Error())
		return
	}
	last := p.followerLast()
	switch {
	case m.Zxid > last:
		p.logger.Debug("PROPOSAL leaves a gap; re-acking", "prev", m.Zxid.String(), "last", last.String())
	default:
		i := 0
		for i < len(m.Txns) && m.Txns[i].Zxid <= last {
			i++
		}
		// The entry before the new ones must be our last: a batch that
		// skips over part of our log does not extend it.
		if i < len(m.Txns) && ((i == 0 && m.Zxid != last) || (i > 0 && m.Txns[i-1].Zxid != last)) {
			p.logger.Debug("PROPOSAL does not extend the log", "prev", m.Zxid.String(), "last", last.String())
			break
		}
		if fresh := m.Txns[i:]; len(fresh) > 0 {
			if f.awaitingEpoch {
				f.held = append(f.held, fresh...)
			} else {
				p.appendLog(fresh)
			}
		}
	}
	p.learnCommit(m.Commit)
	p.sendAck()
}

// learnCommit takes the leader's commit point, from any message that
// carries one: everything up to min(commit, last logged) is committed
// here (docs/differences.md, "Commit points instead of COMMIT per
// proposal").
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
	for i := len(p.draft.msgs) - 1; i >= 0; i-- {
		m := &p.draft.msgs[i]
		if m.Type == MsgAck && m.To == f.leader && m.Session == f.session {
			m.Zxid, m.Stamp = z, f.stamp
			return
		}
	}
	p.send(Message{Type: MsgAck, To: f.leader, Epoch: f.epoch, Session: f.session, Zxid: z, Stamp: f.stamp})
}
