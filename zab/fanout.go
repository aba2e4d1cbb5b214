package zab

// Lazy fan-out: the leader's pacing of its followers (Config.
// LazyFanoutTicks). Zab tolerates any delay between the leader and a
// follower (the zxids sequence the stream:
// docs/rules.md#the-zxids-sequence-the-stream), so when a
// follower hears of a proposal is pacing, not protocol. What pacing must
// keep is progress: every proposal reaches a quorum at once, so its commit
// is not delayed, and every follower still hears everything within a
// bound.
//
// Sending every proposal to every follower costs two messages per
// follower per proposal (PROPOSAL out, ACK back). Paced, each round (the
// proposals made since the last Ready, ZooKeeper's batched propose) goes
// to quorum-1 followers, those served least recently first; the others
// get the accumulated proposals and commit point in one message at their
// next turn. In a steady stream of rounds every follower is served every
// other round or so, and the followers a round commits operations for
// are usually those of the next round: the ones that forwarded those
// operations in their previous reply, and have not been served since.
//
// A follower that waits for a commit, because it answers the clients of
// operations the commit covers, is not left to its turn: the caller
// names it (WantCommit), and once the commit point reaches the zxid it
// waits for, the next flush sends it the commit, and the round then
// starting counts it among the followers it goes to at once. Those
// followers get the commit and the new proposals in one message and
// answer it with one ACK, which makes them the quorum of the new round.

// idleRoundTicks is how long without a new round makes the stream idle:
// then nobody waits for a turn that is not coming, and every follower
// gets the commit point at once. Under load rounds come every batching
// window, about a tick apart.
const idleRoundTicks = 2

// paced reports whether the leader paces its followers.
func (p *Peer) paced() bool { return p.cfg.LazyFanoutTicks > 0 }

// roundDue reports whether a flush starts a new round first: the leader
// is paced and its log has grown since the last round began.
func (p *Peer) roundDue() bool { return p.paced() && p.log.last() > p.lead.roundLast }

// startRound begins a round: the proposals made since the last one go at
// once to the synced followers pickedByRound picks (eager); the others
// wait for their turn (holdBack).
func (p *Peer) startRound() {
	ls := p.lead
	ls.roundLast = p.log.last()
	ls.round++
	ls.roundTick = p.now
	for _, l := range ls.learnersInOrder(p.voters) {
		if l.stage == stageSynced {
			l.eager = p.pickedByRound(l)
		}
	}
}

// pickedByRound reports whether a round started now would send to l's
// follower at once. Followers owed a commit they wait for (owedCommit)
// are served now anyway, so the round goes to all of them first; the
// rest of the quorum-1+FanoutSpare it needs are the first other synced
// followers in the round order (roundBefore, then lower ids first, for a
// deterministic order). It changes nothing, so HasReady can ask it too.
func (p *Peer) pickedByRound(l *learnerHandler) bool {
	if p.owedCommit(l) {
		return true
	}
	need := p.voters.QuorumSize() - 1 + p.cfg.FanoutSpare
	ahead := 0 // owed followers, and the others that come before l
	for _, id := range p.voters.IDs() {
		c := p.lead.learners[id]
		if c == nil || c == l || c.stage != stageSynced {
			continue
		}
		if p.owedCommit(c) || roundBefore(c, l) || (!roundBefore(l, c) && c.id < l.id) {
			ahead++
		}
	}
	return ahead < need
}

// roundBefore is the order in which a round picks followers: one with
// nothing outstanding before one with proposals outstanding (it answers;
// one that does not is slow or cut off, and would hold up the commit),
// then the one served longer ago.
func roundBefore(a, b *learnerHandler) bool {
	if oa, ob := a.match < a.next, b.match < b.next; oa != ob {
		return !oa
	}
	return a.servedRound < b.servedRound
}

// WantCommit asks the leader to tell follower id promptly once zxid z is
// committed, rather than at its paced turn: the follower is the origin
// of operations in z and answers their clients when it learns the
// commit. It changes nothing unless the leader paces its followers
// (Config.LazyFanoutTicks); an unknown follower, or one that is not
// synced in the current session, is ignored.
func (p *Peer) WantCommit(id PeerID, z Zxid) {
	if p.lead == nil {
		return
	}
	if l := p.lead.learners[id]; l != nil && z > l.wantCommit {
		l.wantCommit = z
	}
}

// owedCommit reports whether l waits for a commit point the leader has
// reached and not yet sent it (WantCommit).
func (p *Peer) owedCommit(l *learnerHandler) bool {
	return l.wantCommit > l.commitSent && l.wantCommit <= p.committed
}

// holdBack reports whether a paced flush leaves l alone this time: it is
// synced, not picked by the round (eager; roundTick is when the round
// began), not owed a commit it waits for, and either has nothing
// waiting or was sent something less than LazyFanoutTicks ago while
// rounds keep coming. Followers still synchronising get everything at
// once: their sync is not paced.
func (p *Peer) holdBack(l *learnerHandler, eager bool, roundTick int64) bool {
	if !p.paced() || l.stage != stageSynced || eager || p.owedCommit(l) {
		return false
	}
	if l.next >= p.log.last() && l.commitSent >= p.committed {
		return true // nothing waiting for it
	}
	lazyDue := p.now-l.lastSent >= int64(p.cfg.LazyFanoutTicks)
	idle := p.now-roundTick >= idleRoundTicks
	return !lazyDue && !idle
}

// sendToLearner queues m for l's follower and notes that it was served
// now: the heartbeat, the lazy bound and the round order all count from
// here.
func (p *Peer) sendToLearner(l *learnerHandler, m Message) {
	m.Stamp = p.now
	l.lastSent = p.now
	l.servedRound = p.lead.round
	l.eager = false
	p.send(m)
}
