package node

import (
	"errors"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"zabkafka/log"
	"zabkafka/node/zabstore"
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
// committed transactions. It reports false after a storage failure.
func (s *Server) handleReady(rd *zab.Ready, now time.Time) bool {
	if rd.SoftState != nil {
		s.noteStatus(*rd.SoftState)
	}
	if err := zabstore.Persist(s.store, rd); err != nil {
		s.fail(err)
		return false
	}
	if rd.Snapshot != nil {
		// SNAP: the leader's state replaces ours (step 1 replaced the
		// log; this replaces what was applied from it).
		k, err := log.RestoreKafka(rd.Snapshot.Data)
		if err != nil {
			s.fail(err)
			return false
		}
		s.kafka = k
		s.lastSnap, s.opsSinceSnp = uint64(rd.Snapshot.Zxid), 0
		s.logger.Info("installed snapshot", "zxid", rd.Snapshot.Zxid, "bytes", len(rd.Snapshot.Data))
	}
	for _, m := range rd.Messages {
		if m.To == s.self || m.To == 0 || int(m.To) > len(s.names) {
			s.logger.Warn("dropped zab message to an unknown peer", "to", m.To, "type", m.Type)
			continue
		}
		s.outbox.addMessage(m)
	}
	for _, t := range rd.Committed {
		s.apply(t, now)
	}
	return true
}

// apply applies one committed transaction to the kafka state and answers
// the requests of ours it completes. Every node applies every
// transaction; only the operation's origin answers, so a forwarded send
// needs no reply from the leader (package doc, "Who answers a client").
func (s *Server) apply(t zab.Txn, now time.Time) {
	if uint64(t.Zxid) <= s.kafka.AppliedZxid() {
		return // already part of the snapshot the state was restored from
	}
	var ops []log.Op
	if len(t.Data) > 0 {
		var err error
		if ops, err = log.DecodeBatch(t.Data); err != nil {
			// Every replica fails the same way on the same bytes, so
			// skipping keeps them identical.
			s.logger.Error("committed batch does not decode; applied as empty", "zxid", t.Zxid, "err", err)
			ops = nil
		}
	}
	results := s.kafka.Apply(uint64(t.Zxid), ops)
	s.opsSinceSnp += len(ops)
	s.stats.applied += len(ops)
	for i, op := range ops {
		if s.ours(op) && i < len(results) {
			s.answer(op, results[i], now)
		}
	}
}

// answer completes the pending request an applied operation belongs to,
// if it is still waiting and not past its deadline. The state machine
// applies each request once: a duplicate (the same operation forwarded or
// delivered twice) repeats the first result, so whichever copy this node
// applies first answers, with the right offset. An operation the state
// machine refused had no effect and never will, so its client may get a
// definite error: 12, 20 or 22 for a commit_offsets no correct client
// sends (log.ErrCommit*); 11 for a send too old to apply (log.ErrStale).
// A stale commit_offsets gets the indefinite 0 instead, as a commit a
// correct client may send must (handleCommitOffsets).
func (s *Server) answer(op log.Op, res log.Result, now time.Time) {
	r := s.pending.get(op.Seq) // ours (apply checked): this run's request
	if r == nil {
		return
	}
	s.pending.remove(r)
	if now.Sub(r.arrived) >= s.cfg.RequestTimeout {
		return // the client has given up; a reply now could silence us
	}
	switch {
	case res.Refused != nil:
		s.replyPendingError(r, refusalCode(r.kind, res.Refused), res.Refused.Error())
	case r.kind == reqSend:
		s.stats.acked++
		s.answered = true
		s.reply(r.client, sendOK{Type: typeSendOK, Offset: res.Offset, InReplyTo: r.msgID})
	default:
		s.stats.acked++
		s.answered = true
		s.reply(r.client, commitOffsetsOK{Type: typeCommitOffsetsOK, InReplyTo: r.msgID})
	}
}

// refusalCode is the error code for an operation the state machine
// refused (answer).
func refusalCode(kind requestKind, err error) int {
	switch {
	case errors.Is(err, log.ErrCommitNegative):
		return maelstrom.MalformedRequest
	case errors.Is(err, log.ErrCommitNoKey):
		return maelstrom.KeyDoesNotExist
	case errors.Is(err, log.ErrCommitBeyond):
		return maelstrom.PreconditionFailed
	case kind == reqSend:
		return codeNotDone
	}
	return codeUnknown
}

// noteStatus logs role, phase and leader changes.
func (s *Server) noteStatus(st zab.Status) {
	if st.Role == s.lastRole && st.Phase == s.lastPhase && st.Leader == s.lastLeader {
		return
	}
	s.lastRole, s.lastPhase, s.lastLeader = st.Role, st.Phase, st.Leader
	s.logger.Info("role", "role", st.Role, "phase", st.Phase, "leader", s.nameOf(st.Leader),
		"accepted_epoch", st.Epochs.Accepted, "current_epoch", st.Epochs.Current,
		"last", st.LastZxid, "committed", st.Committed, "pending", s.pending.len(), "queued", len(s.queue))
}

// nameOf is the node name of a peer id, "" for none.
func (s *Server) nameOf(id zab.PeerID) string {
	if id == 0 || int(id) > len(s.names) {
		return ""
	}
	return s.names[id-1]
}

// maybeSnapshot saves a snapshot of the kafka state every SnapshotEvery
// applied operations and compacts the log behind the previous snapshot.
// Keeping one interval of log behind the newest snapshot lets a follower
// that is a little behind still be repaired with DIFF instead of SNAP.
func (s *Server) maybeSnapshot() {
	if s.cfg.SnapshotEvery == 0 || s.opsSinceSnp < s.cfg.SnapshotEvery {
		return
	}
	z := s.kafka.AppliedZxid()
	if z <= s.lastSnap {
		return
	}
	data := s.kafka.Snapshot()
	if err := s.store.SaveSnapshot(log.Snapshot{Zxid: z, Data: data}); err != nil {
		if errors.Is(err, log.ErrSnapshotRange) {
			// A newer snapshot arrived from the leader meanwhile; ours
			// is simply not needed.
			s.logger.Debug("snapshot skipped", "zxid", zab.Zxid(z), "err", err)
			s.opsSinceSnp = 0
			return
		}
		s.fail(err)
		return
	}
	prev := s.lastSnap
	s.lastSnap, s.opsSinceSnp = z, 0
	s.logger.Info("saved snapshot", "zxid", zab.Zxid(z), "bytes", len(data))
	if prev > 0 {
		if err := s.store.Compact(prev); err != nil {
			s.logger.Warn("compaction failed", "up_to", zab.Zxid(prev), "err", err)
		}
	}
}
