package node

import (
	"time"

	"zabkafka/log/kafka"
	"zabkafka/zab"
)

// The queue holds client operations between their arrival and their
// proposal. On the leader that is this node's own clients' operations and
// those other nodes forwarded; on a follower, its own clients' operations
// until the next flush forwards them to the leader. With no leader known,
// they wait at most HoldTimeout.

// enqueue adds an operation of size bytes (kafka.OpSize) to the queue.
func (s *Server) enqueue(op kafka.Op, size int, now time.Time) {
	s.queue = append(s.queue, queuedOp{op: op, since: now, size: size})
	s.queueBytes += size
}

// dispatch empties the queue the way this node's role allows: the
// established leader proposes (batches of at most MaxBatch operations and
// MaxBatchBytes bytes, all sent in this flush, none waiting for an
// earlier commit: pipelining, as in
// docs/companion.md#phase-3-broadcast-dsn-2011-phase-3-rj-2008-protocol);
// a follower in broadcast forwards its own clients' operations to its
// leader; anyone else holds them (Process refuses those held longer than
// HoldTimeout). It reports
// whether anything left the queue.
func (s *Server) dispatch(now time.Time) bool {
	before := len(s.queue)
	lead, leader, ok := s.dispatchTarget()
	switch {
	case ok && lead:
		s.proposeQueued(now)
	case ok:
		s.forwardQueued(leader)
	}
	return len(s.queue) < before
}

// dispatchTarget says where queued operations can go now: lead when this
// node leads in broadcast, else leader when it follows a known leader in
// broadcast. ok is false when they can go nowhere and must wait. It is
// the one place dispatch and NextWake read the role from, so the two
// cannot disagree.
func (s *Server) dispatchTarget() (lead bool, leader zab.PeerID, ok bool) {
	st := s.peer.Status()
	switch {
	case st.Phase != zab.PhaseBroadcast:
		return false, 0, false
	case st.Role == zab.RoleLeading:
		return true, 0, true
	case st.Role == zab.RoleFollowing && st.Leader != 0 && st.Leader != s.self:
		return false, st.Leader, true
	}
	return false, 0, false
}

// proposeQueued proposes the queue in batches. If Propose refuses (the
// in-flight bound, or leadership just lost) the rest stays queued and is
// tried again a tick later, or forwarded or refused once a new leader is
// known. Nothing Propose refused was proposed, so a definite answer
// stays possible for it.
//
// Every queued operation fits a batch of its own (handleSend and
// takeForwarded refuse those that do not), so each batch takes at least
// one and none exceeds MaxBatchBytes: the log never refuses a batch the
// leader built.
func (s *Server) proposeQueued(now time.Time) {
	done := 0
	for done < len(s.queue) {
		ops, n := takeBatch(s.queue[done:], s.cfg.MaxBatch, s.cfg.MaxBatchBytes, s.live)
		if len(ops) > 0 {
			z, err := s.peer.Propose(kafka.EncodeBatch(ops))
			if err != nil {
				// ErrProposalDropped: at the in-flight bound. Anything
				// else: leadership just went. Either way try again a
				// tick later, not in a busy loop.
				s.backoff = now.Add(s.cfg.Tick)
				s.logger.Debug("proposal refused", "ops", len(ops), "err", err)
				break
			}
			s.markSent(ops)
			s.stats.proposals++
			s.stats.proposedOps += len(ops)
			s.logger.Debug("proposed", "zxid", z, "ops", len(ops))
		}
		done += n
	}
	s.dropQueued(done)
}

// takeBatch takes from the front of q the operations of one batch: those
// keep says still need to go (nil: all), at most maxOps of them and
// maxBytes encoded (kafka.OpSize), but always at least one. n is how many
// entries of q it went through, kept or not.
func takeBatch(q []queuedOp, maxOps, maxBytes int, keep func(kafka.Op) bool) (ops []kafka.Op, n int) {
	bytes := kafka.BatchOverhead
	for ; n < len(q) && len(ops) < maxOps; n++ {
		if keep != nil && !keep(q[n].op) {
			continue
		}
		if len(ops) > 0 && bytes+q[n].size > maxBytes {
			break
		}
		ops = append(ops, q[n].op)
		bytes += q[n].size
	}
	return ops, n
}

// forwardQueued hands this node's own operations to the leader in the
// next flush (the outbox splits them into batches bounded like
// proposals). Operations other nodes forwarded here are dropped: this
// node is not the leader, and their origins will answer them
// indefinitely when their deadlines pass.
func (s *Server) forwardQueued(leader zab.PeerID) {
	var fwd []queuedOp
	for _, q := range s.queue {
		if s.ours(q.op) && s.live(q.op) {
			fwd = append(fwd, q)
			s.pending.get(q.op.Seq).sent = true
		}
	}
	if len(fwd) > 0 {
		s.stats.forwarded += len(fwd)
		s.outbox.addForward(leader, fwd)
	}
	s.dropQueued(len(s.queue))
}

// expireHeld refuses the operations that have waited HoldTimeout for a
// leader (the queue is in arrival order, so they are a prefix).
func (s *Server) expireHeld(now time.Time) {
	cutoff := now.Add(-s.cfg.HoldTimeout)
	n := 0
	for n < len(s.queue) && !s.queue[n].since.After(cutoff) {
		s.refuseQueued(s.queue[n].op, "no leader available")
		n++
	}
	s.dropQueued(n)
}

// refuseQueued answers a queued operation that will never be proposed.
// A send gets a definite error. A commit_offsets gets an indefinite one
// (see handleCommitOffsets). Operations of other nodes are just dropped.
func (s *Server) refuseQueued(op kafka.Op, reason string) {
	if !s.ours(op) {
		return
	}
	r := s.pending.get(op.Seq)
	if r == nil || r.sent {
		return
	}
	s.pending.remove(r)
	if r.kind == reqSend {
		s.replyPendingError(r, codeNotDone, reason)
	} else {
		s.replyPendingError(r, codeUnknown, reason)
	}
}

// live reports whether a queued operation still needs to go out: other
// nodes' operations always do; ours only while the client is waiting.
func (s *Server) live(op kafka.Op) bool {
	if !s.ours(op) {
		return true
	}
	r := s.pending.get(op.Seq)
	return r != nil && !r.sent
}

// ours reports whether op is one of this run's own requests.
func (s *Server) ours(op kafka.Op) bool {
	return op.Origin == s.id && op.Incarnation == s.incarnation
}

// markSent records that our own operations among ops left the queue.
func (s *Server) markSent(ops []kafka.Op) {
	for _, op := range ops {
		if !s.ours(op) {
			continue
		}
		if r := s.pending.get(op.Seq); r != nil {
			r.sent = true
		}
	}
}

// dropQueued removes the first n queued operations.
func (s *Server) dropQueued(n int) {
	if n == 0 {
		return
	}
	for _, q := range s.queue[:n] {
		s.queueBytes -= q.size
	}
	m := copy(s.queue, s.queue[n:])
	clear(s.queue[m:])
	s.queue = s.queue[:m]
}

// expireRequests answers every request at its deadline with an indefinite
// error and forgets it: nothing may reach a client after Maelstrom's
// client gave up on it
// (docs/running.md#nothing-to-a-client-after-it-gave-up).
func (s *Server) expireRequests(now time.Time) {
	s.pending.expire(now.Add(-s.cfg.RequestTimeout), func(r *request) {
		s.replyPendingError(r, codeUnknown, "timed out waiting for commit")
	})
}
