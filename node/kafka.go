package node

import (
	"encoding/json"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"zabkafka/log"
)

// The four kafka RPCs (maelstrom-kafka-spec 5.6-5.7). Writes (send,
// commit_offsets) become log.Ops queued for a proposal and are answered
// when they are applied; reads (poll, list_committed_offsets) are served
// from this node's committed state at once (design.md, the path of one
// send).

// handleSend queues a send. It is answered with send_ok{offset} only once
// the operation is committed and applied here (ready.go, answer).
func (s *Server) handleSend(in inbound, now time.Time) {
	var req sendRequest
	if err := json.Unmarshal(in.body, &req); err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "send: "+err.Error())
		return
	}
	key, err := parseString(req.Key)
	if err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "send: key: "+err.Error())
		return
	}
	// The log stores integer messages, which is what the kafka workload
	// sends; anything else is refused rather than silently converted.
	msg, err := parseInt(req.Msg)
	if err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "send: msg: "+err.Error())
		return
	}
	if reason := s.refuseWrites(); reason != "" {
		// Definite: the operation never entered this node's pipeline.
		s.replyError(in, codeNotDone, reason)
		return
	}
	r := &request{id: s.newReqID(), client: in.src, msgID: in.msgID, arrived: now, kind: reqSend, key: key, msg: msg}
	s.pending.add(r)
	s.enqueue(log.Op{Kind: log.OpSend, Key: key, Msg: msg, Origin: s.id, ReqID: r.id}, now)
}

// handleCommitOffsets queues a commit_offsets; commit_offsets_ok follows
// its apply. It never gets a definite error once well-formed: a definite
// failure makes Maelstrom's client skip the polled messages on its next
// poll, which the checker reports as poll-skip (maelstrom-kafka-spec 5.6).
func (s *Server) handleCommitOffsets(in inbound, now time.Time) {
	var req offsetsRequest
	if err := json.Unmarshal(in.body, &req); err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "commit_offsets: "+err.Error())
		return
	}
	offsets, err := parseOffsets(req.Offsets)
	if err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "commit_offsets: offsets: "+err.Error())
		return
	}
	if len(offsets) == 0 {
		s.reply(in.src, commitOffsetsOK{Type: typeCommitOffsetsOK, InReplyTo: in.msgID})
		return
	}
	if reason := s.refuseWrites(); reason != "" {
		s.replyError(in, maelstrom.Crash, reason)
		return
	}
	r := &request{id: s.newReqID(), client: in.src, msgID: in.msgID, arrived: now, kind: reqCommitOffsets}
	s.pending.add(r)
	s.enqueue(log.Op{Kind: log.OpCommitOffsets, Offsets: offsets, Origin: s.id, ReqID: r.id}, now)
}

// handlePoll answers from local committed state: for each requested key,
// a contiguous run of at most PollCap messages from the requested offset.
// Keys with no messages are left out: an empty list for a key nobody
// wrote makes Jepsen's lost-write analysis throw (maelstrom-kafka-spec
// 6.3).
func (s *Server) handlePoll(in inbound) {
	var req offsetsRequest
	if err := json.Unmarshal(in.body, &req); err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "poll: "+err.Error())
		return
	}
	offsets, err := parseOffsets(req.Offsets)
	if err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "poll: offsets: "+err.Error())
		return
	}
	if s.kafka == nil {
		s.replyError(in, maelstrom.TemporarilyUnavailable, "node has no state: "+errString(s.failed))
		return
	}
	msgs := make(map[string][][2]int64)
	for key, from := range offsets {
		got := s.kafka.Poll(key, from, s.cfg.PollCap)
		if len(got) == 0 {
			continue
		}
		pairs := make([][2]int64, len(got))
		for i, m := range got {
			pairs[i] = [2]int64{m.Offset, m.Msg}
		}
		msgs[key] = pairs
	}
	s.reply(in.src, pollOK{Type: typePollOK, Msgs: msgs, InReplyTo: in.msgID})
}

// handleListCommittedOffsets answers from local committed state, with only
// the keys that have a committed offset.
func (s *Server) handleListCommittedOffsets(in inbound) {
	var req listRequest
	if err := json.Unmarshal(in.body, &req); err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "list_committed_offsets: "+err.Error())
		return
	}
	keys, err := parseKeys(req.Keys)
	if err != nil {
		s.replyError(in, maelstrom.MalformedRequest, "list_committed_offsets: keys: "+err.Error())
		return
	}
	if s.kafka == nil {
		s.replyError(in, maelstrom.TemporarilyUnavailable, "node has no state: "+errString(s.failed))
		return
	}
	offsets := s.kafka.CommittedOffsets(keys)
	if offsets == nil {
		offsets = map[string]int64{} // the schema wants an object, never null
	}
	s.reply(in.src, listCommittedOffsetsOK{Type: typeListCommittedOffsetsOK, Offsets: offsets, InReplyTo: in.msgID})
}

// refuseWrites says why a new write cannot be accepted, "" if it can.
func (s *Server) refuseWrites() string {
	switch {
	case s.failed != nil:
		return "node stopped: " + s.failed.Error()
	case len(s.queue) >= s.cfg.MaxQueue:
		return "too many operations waiting for a proposal"
	}
	return ""
}

// newReqID numbers a request; see reqIDBase.
func (s *Server) newReqID() uint64 {
	s.nextReqID++
	return s.nextReqID
}

func errString(err error) string {
	if err == nil {
		return "not initialized"
	}
	return err.Error()
}
