package node

import (
	"time"

	"zabkafka/log/kafka"
	"zabkafka/zab"
)

// opQueue holds client operations between their arrival and their
// dispatch. On the leader that is this node's own clients' operations
// and those other nodes forwarded; on a follower, its own clients'
// operations until they are forwarded to the leader. With no leader
// known, they wait at most HoldTimeout.
type opQueue struct {
	ops   []queuedOp // in arrival order
	bytes int        // the sum of their sizes
}

// queuedOp is a client operation waiting in the queue, with when it got
// here (the hold timeout counts from then) and its kafka.OpSize, which
// plans the batches it can join.
type queuedOp struct {
	op    kafka.Op
	since time.Time
	size  int
	reply replyTo // set as a follower forwards it: who the leader may answer (delegate.go)
}

// add appends an operation of size bytes (kafka.OpSize).
func (q *opQueue) add(op kafka.Op, size int, now time.Time) {
	q.ops = append(q.ops, queuedOp{op: op, since: now, size: size})
	q.bytes += size
}

func (q *opQueue) len() int { return len(q.ops) }

// drop removes the first n operations.
func (q *opQueue) drop(n int) {
	if n == 0 {
		return
	}
	for _, x := range q.ops[:n] {
		q.bytes -= x.size
	}
	m := copy(q.ops, q.ops[n:])
	clear(q.ops[m:])
	q.ops = q.ops[:m]
}

// refuses says why the queue cannot take one more operation of size
// bytes within maxOps and maxBytes, "" if it can.
func (q *opQueue) refuses(size, maxOps, maxBytes int) string {
	switch {
	case len(q.ops) >= maxOps:
		return "too many operations waiting for a proposal"
	case q.bytes+size > maxBytes:
		return "too many bytes of operations waiting for a proposal"
	}
	return ""
}

// dispatch empties the queue the way this node's role allows: the
// established leader proposes (batches of at most MaxBatch operations and
// MaxBatchBytes bytes, all made now); a follower in broadcast forwards
// its own clients' operations to its leader; anyone else keeps them
// (Process refuses those held longer than HoldTimeout). Whatever left
// becomes a round in flight for the pacer, which decides when dispatch
// runs (pacer.go).
func (s *Server) dispatch(now time.Time) {
	lead, leader, ok := s.dispatchTarget()
	switch {
	case ok && lead:
		if last, any := s.proposeQueued(now); any {
			s.pace.dispatched(now, uint64(last))
		}
	case ok:
		if last, any := s.forwardQueued(leader); any {
			s.pace.dispatched(now, last)
		}
	}
}

// dispatchTarget says where queued operations can go now: lead when this
// node leads in broadcast, else leader when it follows a known leader in
// broadcast. ok is false when they can go nowhere and must wait. It is
// the one place dispatch and NextWake read the role from, so the two
// cannot disagree.
func (s *Server) dispatchTarget() (lead bool, leader zab.PeerID, ok bool) {
	st := s.status
	switch {
	case st.Phase != zab.PhaseBroadcast:
		return false, 0, false
	case st.Role == zab.RoleLeading:
		return true, 0, true
	case st.Role == zab.RoleFollowing && st.Leader != 0 && st.Leader != s.members.self:
		return false, st.Leader, true
	}
	return false, 0, false
}

// proposeQueued proposes the queue in batches and returns the zxid of the
// last one made. If Propose refuses (the uncommitted bound, or leadership
// just lost) the rest stays queued and is tried again after a back-off,
// or forwarded or refused once a new leader is known. Nothing Propose
// refused was proposed, so a definite answer stays possible for it.
//
// Every queued operation fits a batch of its own (handleSend and
// takeForwarded refuse those that do not), so each batch takes at least
// one and none exceeds MaxBatchBytes: the log never refuses a batch the
// leader built.
func (s *Server) proposeQueued(now time.Time) (last zab.Zxid, any bool) {
	done := 0
	q := s.queue.ops
	for done < len(q) {
		ops, n := takeBatch(q[done:], s.cfg.MaxBatch, s.cfg.MaxBatchBytes, s.live)
		if len(ops) > 0 {
			s.markDelegated(ops)
			z, err := s.peer.Propose(kafka.EncodeBatch(ops))
			if err != nil {
				// ErrProposalDropped: at the uncommitted bound.
				// Anything else: leadership just went. Either way try
				// again later, not in a busy loop.
				s.pace.refused(now)
				s.logger.Debug("proposal refused", "ops", len(ops), "err", err)
				break
			}
			s.markSent(ops)
			s.wantCommit(ops, z)
			s.stats.proposals++
			s.stats.proposedOps += len(ops)
			s.logger.Debug("proposed", "zxid", z, "ops", len(ops))
			last, any = z, true
		}
		done += n
	}
	s.queue.drop(done)
	return last, any
}

// wantCommit tells the core which followers wait for the commit of ops,
// so that a paced leader sends it to them at once (zab Peer.WantCommit):
// they answer their clients then, or, for the sends this leader answers
// (delegate.go), their hold and their next forward wait for it
// (pacer.go). This node's own operations are answered here.
func (s *Server) wantCommit(ops []kafka.Op, z zab.Zxid) {
	for i, op := range ops {
		if i > 0 && op.Origin == ops[i-1].Origin {
			continue // batches come in runs from one origin
		}
		if id, ok := s.members.ids[op.Origin]; ok && id != s.members.self {
			s.peer.WantCommit(id, z)
		}
	}
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
// proposals) and returns the Seq of the last, if there were any.
// Operations other nodes forwarded here are dropped: this node is not
// the leader, and their origins will answer them indefinitely when
// their deadlines pass.
func (s *Server) forwardQueued(leader zab.PeerID) (last uint64, any bool) {
	var fwd []queuedOp
	for _, q := range s.queue.ops {
		if s.ours(q.op) && s.live(q.op) {
			r := s.reqs.get(q.op.Seq)
			if !r.again {
				// A first forward only: one sent again after a leader
				// change is answered here (delegate.go).
				q.reply = s.replyToFor(r)
			}
			fwd = append(fwd, q)
			r.sent, r.again = true, false
			last = max(last, q.op.Seq)
		}
	}
	if len(fwd) > 0 {
		s.stats.forwarded += len(fwd)
		s.outbox.addForward(leader, fwd)
	}
	s.queue.drop(s.queue.len())
	return last, len(fwd) > 0
}

// expireHeld refuses the operations that have waited HoldTimeout without
// being dispatched (the queue is in arrival order, so they are a prefix).
func (s *Server) expireHeld(now time.Time) {
	cutoff := now.Add(-s.cfg.HoldTimeout)
	n := 0
	for n < s.queue.len() && !s.queue.ops[n].since.After(cutoff) {
		s.refuseQueued(s.queue.ops[n].op, "no leader available")
		n++
	}
	s.queue.drop(n)
}

// refuseQueued answers a queued operation that will never be dispatched.
// A send gets a definite error. A commit_offsets gets an indefinite one
// (see handleCommitOffsets). Operations of other nodes are just dropped.
func (s *Server) refuseQueued(op kafka.Op, reason string) {
	if !s.ours(op) {
		return
	}
	r := s.reqs.get(op.Seq)
	if r == nil {
		return
	}
	if r.sent {
		// Sent before: only its deadline may answer it. A copy queued
		// again that leaves unsent may be queued at the next change.
		r.again = false
		return
	}
	s.reqs.remove(r)
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
	r := s.reqs.get(op.Seq)
	return r != nil && (!r.sent || r.again)
}

// requeueSent queues again, at now, every operation of ours that left
// the queue and is still unanswered, after the leader changed (a new
// leader, or a new epoch of the same one). A forward to a leader that
// lost leadership, or a proposal it made and never committed, is
// otherwise lost, and its client would wait for its deadline; a new
// leader may never have heard of it. Sending one again cannot apply it
// twice: the state machine applies each (origin, incarnation, seq) once
// (kafka.DedupeWindow), so a copy that was committed after all is
// answered from the first. Its fate stays unknown to us (sent), so only
// an indefinite error may still answer it.
func (s *Server) requeueSent(now time.Time) {
	n := 0
	for _, r := range s.reqs.order {
		if s.reqs.get(r.id) != r || !r.sent || r.again {
			continue
		}
		r.again = true
		s.queue.add(r.op, r.size, now)
		n++
	}
	if n > 0 {
		s.stats.requeued += n
		s.logger.Debug("queued sent operations again after a leader change", "ops", n)
	}
}

// ours reports whether op is one of this run's own requests.
func (s *Server) ours(op kafka.Op) bool {
	return op.Origin == s.members.id && op.Incarnation == s.reqs.incarnation
}

// markSent records that our own operations among ops left the queue.
func (s *Server) markSent(ops []kafka.Op) {
	for _, op := range ops {
		if !s.ours(op) {
			continue
		}
		if r := s.reqs.get(op.Seq); r != nil {
			r.sent, r.again = true, false
		}
	}
}

// expireRequests answers every request at its deadline with an indefinite
// error and forgets it: nothing may reach a client after Maelstrom's
// client gave up on it
// (docs/running.md#nothing-to-a-client-after-it-gave-up). The loop
// normally gets here within a tick of a deadline; if it gets here too
// late for a reply to beat the client's timeout (the process was
// stopped, or starved, across the deadline), the request is forgotten
// without one: its client has recorded it as indefinite already.
func (s *Server) expireRequests(now time.Time) {
	s.delegated.expire(now.UnixMilli())
	s.reqs.expire(now.Add(-s.cfg.RequestTimeout), func(r *request) {
		if now.Sub(r.arrived) >= lastReplyAge {
			s.stats.expiredSilent++
			return
		}
		s.replyPendingError(r, codeUnknown, "timed out waiting for commit")
	})
}

// lastReplyAge is the oldest a request may be, counted from its arrival,
// when a reply to it leaves: Maelstrom's client gives up 5 s after it
// sent the request, and the request spent some of that on its way here
// (a client line has no latency, but waits in the node's mailbox behind
// the node messages due before it). Config.Validate keeps RequestTimeout
// under it.
const lastReplyAge = 4500 * time.Millisecond
