package election

// The finalize wait, and how it differs from ZooKeeper's.
//
// In lookForLeader, once the votes equal to a peer's proposal form a
// quorum, the peer keeps polling its queue with a 200 ms timeout
// (finalizeWait). A notification that beats the proposal is put back and
// the election goes on; any other notification is thrown away and the
// poll starts over with a fresh 200 ms. The peer decides only after a
// whole 200 ms of silence. On a busy network (lagging peers re-sending,
// settled peers answering) that silence may never come, so the peer
// never decides although nothing could change its mind.
//
// Here the wait is counted in ticks and only a better vote restarts it:
// the peer decides after FinalizeTicks consecutive ticks during which its
// proposal kept its quorum and no notification carried a vote that beats
// it. Notifications that do not beat the proposal are handled as usual
// (counted, answered) instead of being dropped. Within a round a peer's
// vote only gets better, so such a notification cannot take support away
// from the proposal, unless its sender has meanwhile settled on another
// leader; the quorum is re-checked after every notification, so that case
// stops the wait. The point of the wait is kept: a better vote
// that is still on its way, typically from a peer that started late,
// gets FinalizeTicks ticks to arrive, and if it comes from a lagging
// round it holds the decision back until that peer has caught up (our
// reply tells it our round, and it then re-sends its vote in that round).
//
// The wait belongs to one ballot (vote and round): if the proposal or the
// round changes, a quorum for the new one waits afresh.

// finalizeWait counts down the ticks before a quorum becomes a decision.
type finalizeWait struct {
	running bool
	target  ballot // the own ballot whose quorum is being waited on
	left    int    // ticks still to wait
}

// stop abandons the wait.
func (f *finalizeWait) stop() { *f = finalizeWait{} }

// begin starts waiting ticks ticks on a quorum for target.
func (f *finalizeWait) begin(target ballot, ticks int) {
	*f = finalizeWait{running: true, target: target, left: ticks}
}

// waitingOn reports whether the wait is running for target.
func (f *finalizeWait) waitingOn(target ballot) bool { return f.running && f.target == target }

// tick counts one tick down.
func (f *finalizeWait) tick() {
	if f.running && f.left > 0 {
		f.left--
	}
}

// expired reports whether the wait has run its course.
func (f *finalizeWait) expired() bool { return f.running && f.left <= 0 }

// reviewQuorum is the getVoteTracker/hasAllQuorums check that follows every
// counted vote: start, restart or stop the finalize wait, and decide when
// it has expired. sawBetter says the notification just handled carried a
// vote that beat the proposal it found.
func (e *Elector) reviewQuorum(sawBetter bool) {
	if e.phase != phaseLooking {
		return
	}
	own := e.ownBallot()
	support := e.supporters(e.recv, own)
	if !e.voters.IsQuorum(len(support)) {
		e.finalize.stop()
		return
	}
	if sawBetter || !e.finalize.waitingOn(own) {
		e.finalize.begin(own, e.cfg.FinalizeTicks)
	}
	if e.finalize.expired() {
		e.decide(e.proposal, e.round, support)
	}
}
