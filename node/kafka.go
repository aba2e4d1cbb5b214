package node

import (
	"fmt"
	"slices"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"zabkafka/log/kafka"
)

// The four kafka RPCs (Maelstrom's src/maelstrom/workload/kafka.clj).
// Writes (send, commit_offsets) become kafka.Ops queued for a proposal
// and are answered when they are applied; reads (poll,
// list_committed_offsets) are served from this node's committed state at
// once (README.md, "The path of one send").

// handleSend queues a send. It is answered with send_ok{offset} only once
// the operation is committed and applied here (ready.go, answer).
func (s *Server) handleSend(in inbound, now time.Time) {
	key, err := parseString(in.f.Key)
	if err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "send: key: "+err.Error())
		return
	}
	// The log stores integer messages, which is what the kafka workload
	// sends; anything else is refused rather than silently converted.
	msg, err := parseInt(in.f.Msg)
	if err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "send: msg: "+err.Error())
		return
	}
	op := kafka.Op{Kind: kafka.OpSend, Key: key, Msg: msg, Origin: s.members.id, Incarnation: s.reqs.incarnation, Seq: s.reqs.lastSeq + 1}
	size := kafka.OpSize(op)
	if !s.fits(size) {
		s.replyError(in, maelstrom.MalformedRequest, s.tooBig("send", size))
		return
	}
	if reason := s.refuseWrites(size); reason != "" {
		// Definite: the operation never entered this node's pipeline.
		s.replyError(in, codeNotDone, reason)
		return
	}
	s.reqs.lastSeq++
	s.reqs.add(&request{id: op.Seq, client: in.src, msgID: in.msgID, arrived: now, kind: reqSend, op: op, size: size})
	s.queue.add(op, size, now)
	s.pace.clientBack(in.src, now)
}

// handleCommitOffsets queues a commit_offsets; commit_offsets_ok follows
// its apply. A commit a correct client may send never gets a definite
// error: a definite failure makes Maelstrom's client skip the polled
// messages on its next poll, which the checker reports as poll-skip
// (docs/running.md#definite-errors-only-for-what-never-happens). What no
// correct client sends is refused definitely: a negative offset here, at
// once; an offset of a message the key's log does not hold when the
// commit is applied, in commit order, by the state machine
// (kafka.State.Apply), whose refusal answer() passes on.
// A commit too big for a batch (some 150 000 keys at the default
// MaxBatchBytes, far beyond what the workload sends) is refused too.
func (s *Server) handleCommitOffsets(in inbound, now time.Time) {
	offsets, err := parseOffsets(in.f.Offsets)
	if err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "commit_offsets: offsets: "+err.Error())
		return
	}
	for key, off := range offsets {
		if off < 0 {
			// No client can have polled a negative offset; the state
			// machine would refuse it too (ErrCommitNegative).
			s.replyError(in, maelstrom.MalformedRequest, fmt.Sprintf("commit_offsets: key %q: negative offset %d", key, off))
			return
		}
	}
	if len(offsets) == 0 {
		s.reply(in.src, commitOffsetsOK{Type: typeCommitOffsetsOK, InReplyTo: in.msgID})
		return
	}
	if s.kafka != nil && s.kafka.CommittedAtLeast(offsets) {
		// Nothing to move: this node's committed state already has
		// every key committed at least this far, and committed offsets
		// never go back, so the commit is as good as done and a round
		// would only confirm it. Clients commit what they polled, and
		// several poll each key, so some commits are of this kind
		// (docs/tuning.md, "Commits that move nothing").
		s.stats.commitsKnown++
		s.reply(in.src, commitOffsetsOK{Type: typeCommitOffsetsOK, InReplyTo: in.msgID})
		return
	}
	op := kafka.Op{Kind: kafka.OpCommitOffsets, Offsets: offsets, Origin: s.members.id, Incarnation: s.reqs.incarnation, Seq: s.reqs.lastSeq + 1}
	size := kafka.OpSize(op)
	if !s.fits(size) {
		s.replyError(in, maelstrom.MalformedRequest, s.tooBig("commit_offsets", size))
		return
	}
	if reason := s.refuseWrites(size); reason != "" {
		s.replyError(in, maelstrom.Crash, reason)
		return
	}
	s.reqs.lastSeq++
	s.reqs.add(&request{id: op.Seq, client: in.src, msgID: in.msgID, arrived: now, kind: reqCommitOffsets, op: op, size: size})
	s.queue.add(op, size, now)
	s.pace.clientBack(in.src, now)
}

// handlePoll answers from local committed state, if it is fresh enough
// (canRead): for each requested key,
// a contiguous run of at most PollCap messages from the requested offset.
// Keys with no messages are left out: an empty list for a key nobody
// wrote makes Jepsen's lost-write analysis throw (lost-write-cases in
// Jepsen's jepsen/src/jepsen/tests/kafka.clj). A poll of many keys is
// answered in steps (pollJob).
func (s *Server) handlePoll(in inbound, now time.Time) {
	offsets, err := parseOffsets(in.f.Offsets)
	if err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "poll: offsets: "+err.Error())
		return
	}
	if !s.canRead(in, now) {
		return
	}
	keys := make([]string, 0, len(offsets))
	for key := range offsets {
		keys = append(keys, key)
	}
	slices.Sort(keys) // the reply's bytes must not depend on map order
	s.startPoll(in, keys, offsets, now)
}

// handleListCommittedOffsets answers from local committed state, if it is
// fresh enough (canRead), with only the keys that have a committed offset.
func (s *Server) handleListCommittedOffsets(in inbound, now time.Time) {
	keys, err := parseKeys(in.f.Keys)
	if err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "list_committed_offsets: keys: "+err.Error())
		return
	}
	if !s.canRead(in, now) {
		return
	}
	offsets := s.kafka.CommittedOffsets(keys)
	if offsets == nil {
		offsets = map[string]int64{} // the schema wants an object, never null
	}
	s.reply(in.src, listCommittedOffsetsOK{Type: typeListCommittedOffsetsOK, Offsets: offsets, InReplyTo: in.msgID})
}

// canRead reports whether a read may be served from local state now,
// and answers it with temporarily-unavailable (definite: a read changes
// nothing) if not: the node has no state, or it may be stale (fresh.go).
func (s *Server) canRead(in inbound, now time.Time) bool {
	if s.kafka == nil {
		s.replyError(in, maelstrom.TemporarilyUnavailable, "node has no state: "+errString(s.failed))
		return false
	}
	if why := s.fresh.stale(s.status, s.members.self, now); why != "" {
		s.stats.staleReads++
		s.replyError(in, maelstrom.TemporarilyUnavailable, why)
		return false
	}
	return true
}

// refuseWrites says why a new write of size bytes cannot be accepted now,
// "" if it can.
func (s *Server) refuseWrites(size int) string {
	if s.failed != nil {
		return "node stopped: " + s.failed.Error()
	}
	return s.queue.refuses(size, s.cfg.MaxQueue, s.cfg.MaxQueueBytes)
}

// fits reports whether an operation of size bytes fits a batch of its
// own. One that does not can never be proposed: it is refused before it
// goes anywhere, so no batch, forwarded or proposed, ever exceeds
// MaxBatchBytes.
func (s *Server) fits(size int) bool {
	return kafka.BatchOverhead+size <= s.cfg.MaxBatchBytes
}

// tooBig is the refusal text for an operation that does not fit.
func (s *Server) tooBig(what string, size int) string {
	return fmt.Sprintf("%s: the operation takes %d bytes, more than the %d one operation may take", what, size, s.cfg.MaxBatchBytes-kafka.BatchOverhead)
}

func errString(err error) string {
	if err == nil {
		return "not initialized"
	}
	return err.Error()
}
