package node

import (
	"errors"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"zabkafka/log"
	"zabkafka/log/kafka"
	"zabkafka/log/zabstore"
	"zabkafka/zab"
)

// maxReadyRounds bounds how many Readies one Process handles, so a core
// that kept producing them could not stall the event loop.
const maxReadyRounds = 64

// drainReady handles the peer's Readies until it has none.
func (s *Server) drainReady(now time.Time) {
	for i := 0; i < maxReadyRounds && s.failed == nil && s.peer.HasReady(); i++ {
		rd := s.peer.Ready()
		if !s.handleReady(&rd, now) {
			return // fail-stop: never Advance past a write that failed
		}
		s.peer.Advance(rd)
	}
}

// handleReady carries out the Ready contract (zab ready.go): steps 1-5
// through zabstore.Persist, then the messages (into the outbox: they leave
// at the next flush, after the writes they vouch for), then the
// committed transactions. A leader's proposals that may go first
// (Ready.SendFirst) are written out before Persist, if the pacer lets
// the outbox flush now, so that followers log them while the leader
// syncs its own copy. It reports false after a storage failure.
func (s *Server) handleReady(rd *zab.Ready, now time.Time) bool {
	if rd.SoftState != nil {
		s.noteStatus(*rd.SoftState, now)
	}
	if rd.SendFirst {
		s.queueMessages(rd.Messages)
		if s.flushPeersIfDue(now) {
			s.out.flushOrReport(s.logger)
		}
	}
	if err := zabstore.Persist(s.store, rd); err != nil {
		s.fail(err)
		return false
	}
	// The log may just have been cut back: what the outbox still holds
	// from earlier Readies must not vouch beyond the cut.
	switch {
	case rd.Snapshot != nil:
		s.outbox.dropVouchersAbove(rd.Snapshot.Zxid)
	case rd.Truncate:
		s.outbox.dropVouchersAbove(rd.TruncateAfter)
	}
	if rd.Snapshot != nil {
		// SNAP: the leader's state replaces ours (step 1 replaced the
		// log; this replaces what was applied from it).
		k, err := kafka.RestoreWindow(rd.Snapshot.Data, s.dedupeWindow())
		if err != nil {
			s.fail(err)
			return false
		}
		s.kafka = k
		s.snaps.last, s.snaps.sinceLast = uint64(rd.Snapshot.Zxid), 0
		s.logger.Info("installed snapshot", "zxid", rd.Snapshot.Zxid, "bytes", len(rd.Snapshot.Data))
	}
	if !rd.SendFirst {
		s.queueMessages(rd.Messages)
	}
	for _, t := range rd.Committed {
		s.apply(t, now)
	}
	return true
}

// queueMessages puts a Ready's messages in the outbox.
func (s *Server) queueMessages(msgs []zab.Message) {
	for _, m := range msgs {
		if !s.members.has(m.To) {
			s.logger.Warn("dropped zab message to an unknown peer", "to", m.To, "type", m.Type)
			continue
		}
		s.outbox.addMessage(m)
	}
}

// apply applies one committed transaction to the kafka state and answers
// the requests of ours it completes. Every node applies every
// transaction; only the operation's origin answers, so a forwarded send
// needs no reply from the leader (package doc, "Who answers a client").
func (s *Server) apply(t zab.Txn, now time.Time) {
	if uint64(t.Zxid) <= s.kafka.AppliedZxid() {
		return // already part of the snapshot the state was restored from
	}
	var ops []kafka.Op
	if len(t.Data) > 0 {
		var err error
		if ops, err = kafka.DecodeBatch(t.Data); err != nil {
			// Every replica fails the same way on the same bytes, so
			// skipping keeps them identical.
			s.logger.Error("committed batch does not decode; applied as empty", "zxid", t.Zxid, "err", err)
			ops = nil
		}
	}
	results := s.kafka.Apply(uint64(t.Zxid), ops)
	s.snaps.sinceLast += len(ops)
	s.stats.applied += len(ops)
	var ourLast uint64
	for i, op := range ops {
		if i >= len(results) {
			break
		}
		switch {
		case s.ours(op) && s.proposerAnswered(op, t.Zxid):
			s.handedOver(op)
			ourLast = max(ourLast, op.Seq)
		case s.ours(op):
			s.answer(op, results[i], now)
			ourLast = max(ourLast, op.Seq)
		case op.ProposerAnswers:
			s.answerDelegated(op, results[i], t.Zxid, now)
		}
	}
	if ourLast > 0 && s.status.Role == zab.RoleFollowing {
		s.pace.committed(ourLast, now) // our forwards up to it are done
	}
}

// handedOver forgets, unanswered, the request of an applied send of ours
// that the leader answered (delegate.go). The leader answered as it
// committed and told us at once (wantCommit), so the client is about to
// send its next write, if it has not already (its answer took one hop
// less than the commit): the hold waits for one not yet back, as for one
// answered here (pacer.startHold).
func (s *Server) handedOver(op kafka.Op) {
	r := s.reqs.get(op.Seq)
	if r == nil {
		return
	}
	if s.reqs.isLatest(r) {
		s.answered = append(s.answered, r.client)
	}
	s.reqs.remove(r)
}

// answer completes the pending request an applied operation belongs to,
// if it is still waiting and not past its deadline. The state machine
// applies each request once: a duplicate (the same operation forwarded or
// delivered twice) repeats the first result, so whichever copy this node
// applies first answers, with the right offset. An operation the state
// machine refused had no effect and never will, so its client may get a
// definite error: 12, 20 or 22 for a commit_offsets no correct client
// sends (kafka.ErrCommit*). One refused as too old to tell whether it was
// applied (kafka.ErrStale) gets the indefinite 0 (refusalCode).
func (s *Server) answer(op kafka.Op, res kafka.Result, now time.Time) {
	r := s.reqs.get(op.Seq) // ours (apply checked): this run's request
	if r == nil {
		return
	}
	s.reqs.remove(r)
	if now.Sub(r.arrived) >= s.cfg.RequestTimeout {
		return // the client has given up; a reply now could silence us
	}
	switch {
	case res.Refused != nil:
		s.replyPendingError(r, refusalCode(res.Refused), res.Refused.Error())
	case r.kind == reqSend:
		s.stats.acked++
		if s.cfg.StatsInterval > 0 {
			s.stats.sendWaits = append(s.stats.sendWaits, now.Sub(r.arrived))
		}
		s.answered = append(s.answered, r.client)
		s.reply(r.client, sendOK{Type: typeSendOK, Offset: res.Offset, InReplyTo: r.msgID})
	default:
		s.stats.acked++
		s.answered = append(s.answered, r.client)
		s.reply(r.client, commitOffsetsOK{Type: typeCommitOffsetsOK, InReplyTo: r.msgID})
	}
}

// refusalCode is the error code for an operation the state machine
// refused (answer). A commit_offsets refused for what it asks gets the
// definite code that says why (no correct client sends one). Anything
// refused as stale (kafka.ErrStale) gets the indefinite 0: the state
// machine refuses a request as stale because it can no longer tell
// whether an earlier copy was applied, and it may have been. This node
// would have answered from that copy had it applied it, but it may have
// caught up by a snapshot that holds it
// (TestStaleCopyOfOwnSendIsIndefinite).
func refusalCode(err error) int {
	switch {
	case errors.Is(err, kafka.ErrCommitNegative):
		return maelstrom.MalformedRequest
	case errors.Is(err, kafka.ErrCommitNoKey):
		return maelstrom.KeyDoesNotExist
	case errors.Is(err, kafka.ErrCommitBeyond):
		return maelstrom.PreconditionFailed
	}
	return codeUnknown
}

// noteStatus takes a change of role, phase, leader or epochs the peer
// reported, and logs it. A new role or leader answers none of the rounds
// in flight (pacer.roleChanged), and may never have heard of what this
// node sent the old one (requeueSent).
func (s *Server) noteStatus(st zab.Status, now time.Time) {
	old := s.status
	s.status = st
	if st.Role != old.Role || st.Leader != old.Leader || st.Epochs != old.Epochs {
		s.pace.roleChanged()
		s.delegated.reset() // a new epoch answers none of them (delegate.go)
	}
	if st.Leader != old.Leader || st.Epochs.Current != old.Epochs.Current {
		s.requeueSent(now)
	}
	if st.Role == old.Role && st.Phase == old.Phase && st.Leader == old.Leader {
		return
	}
	s.logger.Info("role", "role", st.Role, "phase", st.Phase, "leader", s.members.nameOf(st.Leader),
		"accepted_epoch", st.Epochs.Accepted, "current_epoch", st.Epochs.Current,
		"last", st.LastZxid, "committed", st.Committed, "pending", s.reqs.len(), "queued", s.queue.len())
}

// snapshots is when the kafka state was last saved.
type snapshots struct {
	last      uint64 // zxid of the last snapshot saved or installed
	sinceLast int    // operations applied since
}

// maybeSnapshot saves a snapshot of the kafka state every SnapshotEvery
// applied operations and compacts the log behind the previous snapshot.
// Keeping one interval of log behind the newest snapshot lets a follower
// that is a little behind still be repaired with DIFF instead of SNAP.
func (s *Server) maybeSnapshot() {
	if s.cfg.SnapshotEvery == 0 || s.snaps.sinceLast < s.cfg.SnapshotEvery {
		return
	}
	z := s.kafka.AppliedZxid()
	if z <= s.snaps.last {
		return
	}
	data := s.kafka.Snapshot()
	if err := s.store.SaveSnapshot(log.Snapshot{Zxid: z, Data: data}); err != nil {
		if errors.Is(err, log.ErrSnapshotRange) {
			// A newer snapshot arrived from the leader meanwhile; ours
			// is simply not needed.
			s.logger.Debug("snapshot skipped", "zxid", zab.Zxid(z), "err", err)
			s.snaps.sinceLast = 0
			return
		}
		s.fail(err)
		return
	}
	prev := s.snaps.last
	s.snaps.last, s.snaps.sinceLast = z, 0
	s.logger.Info("saved snapshot", "zxid", zab.Zxid(z), "bytes", len(data))
	if prev > 0 {
		if err := s.store.Compact(prev); err != nil {
			s.logger.Warn("compaction failed", "up_to", zab.Zxid(prev), "err", err)
		}
	}
}
