package node

import (
	"encoding/json"
	"strings"
	"time"

	"zabkafka/log/kafka"
	"zabkafka/zab"
)

// The leader answers a follower's clients (Config.LeaderReplies).
//
// A send a follower forwards is answered once a quorum's ACKs reach the
// leader and the apply assigns its offset. When the follower answers, as
// it does for its own writes otherwise (package doc, "Who answers a
// client"), the client waits one more hop: the commit's trip from the
// leader to the follower. Maelstrom lets any node address any client (its
// client matches a reply by in_reply_to alone, and client links carry no
// latency, as if the client sat next to every node), and a Kafka producer
// talks to a partition's leader anyway. So the follower forwards the
// client's name, the request's msg_id and its deadline with the send
// (replyTo), and the leader answers the client when it applies the send.
// The follower still hears of the commit at once (wantCommit): its hold
// and its rounds are paced by it (pacer.go).
//
// Who answers is decided by one rule every node computes alike from the
// committed log. The leader marks a send it will answer
// (kafka.Op.ProposerAnswers) when it proposes it, if it holds its
// replyTo; it answers it when it applies it as leader in the epoch that
// proposed it (its zxid's epoch is the current one), before the
// deadline. The origin answers its own marked send only when it applies
// it in another epoch: then a later leader committed it during recovery,
// and the one that proposed it never applied it as leader. A send the
// origin forwards again after a leader change (requeueSent) goes without
// a replyTo, so the origin answers it, however many copies commit.
// Every answer carries the offset the state machine gave the first copy
// applied. A copy the state machine refuses as stale (its origin has
// restarted since it forwarded it) gets the indefinite error, never a
// definite one: an earlier copy may have been applied, its answer lost,
// and only the origin's old process knew.
//
// Two gaps remain, both harmless to a Maelstrom client. A leader that
// crashes between its commit and writing the answer leaves the client to
// time out: an indefinite outcome, like any lost reply. And an origin
// that learns of the commit only in a later epoch (it was cut off just
// after forwarding) answers a second time, with the same offset; the
// client drops a reply to a request it no longer waits for.
//
// Nothing may reach a client that gave up
// (docs/running.md#nothing-to-a-client-after-it-gave-up). The origin
// sends the request's deadline as a time on the clock all nodes of a
// Maelstrom test share (one host), so a leader that was paused, or read
// the forward late, still knows when to stay silent.

// replyTo is what the leader needs to answer a forwarded send's client:
// who it is, which request, and until when (Unix milliseconds). A
// forwarded batch carries one per operation (zabBody.Rt), empty for an
// operation the origin answers itself.
type replyTo struct {
	Client   string `json:"c,omitempty"`
	MsgID    int64  `json:"i,omitempty"`
	Deadline int64  `json:"d,omitempty"`
}

// opKey identifies one client request across copies (kafka.Op).
type opKey struct {
	origin      string
	incarnation uint64
	seq         uint64
}

func keyOf(op kafka.Op) opKey { return opKey{op.Origin, op.Incarnation, op.Seq} }

// delegations are the sends this leader took over answering: taken when
// a forward brings them, marked when proposed, answered when applied, forgotten at their deadline or when the
// node's role or epoch changes (a new epoch answers none of them: the
// rule above gives them back to their origins).
type delegations struct {
	byOp  map[opKey]replyTo
	order []opKey // arrival order, for expiry; answered ones are skipped
}

// add records that the client of op's request is ours to answer.
func (d *delegations) add(op kafka.Op, r replyTo) {
	if d.byOp == nil {
		d.byOp = make(map[opKey]replyTo)
	}
	k := keyOf(op)
	if _, dup := d.byOp[k]; !dup {
		d.order = append(d.order, k)
	}
	d.byOp[k] = r
}

// take returns and forgets the replyTo of op's request, if any.
func (d *delegations) take(op kafka.Op) (replyTo, bool) {
	k := keyOf(op)
	r, ok := d.byOp[k]
	if ok {
		delete(d.byOp, k)
	}
	return r, ok
}

// expire forgets the requests whose deadline is at or before nowMs. The
// order is by arrival, and deadlines are nearly so (each origin's grow
// with its arrivals); an entry behind a later deadline waits for it,
// harmlessly: it is answered only before its own deadline.
func (d *delegations) expire(nowMs int64) {
	i := 0
	for ; i < len(d.order); i++ {
		r, ok := d.byOp[d.order[i]]
		if ok && r.Deadline > nowMs {
			break
		}
		delete(d.byOp, d.order[i])
	}
	if i > 0 {
		n := copy(d.order, d.order[i:])
		clear(d.order[n:])
		d.order = d.order[:n]
	}
}

// reset forgets everything.
func (d *delegations) reset() {
	clear(d.byOp)
	d.order = d.order[:0]
}

func (d *delegations) len() int { return len(d.byOp) }

// replyToFor is what this follower forwards with its request r so that
// the leader can answer its client, or the zero replyTo when it answers
// itself: only sends are handed over (a commit_offsets is answered here,
// after its apply, so that a client's next list_committed_offsets on
// this node sees it).
func (s *Server) replyToFor(r *request) replyTo {
	if !s.cfg.LeaderReplies || r.kind != reqSend {
		return replyTo{}
	}
	return replyTo{Client: r.client, MsgID: r.msgID, Deadline: r.arrived.Add(s.cfg.RequestTimeout).UnixMilli()}
}

// decodeReplyTos decodes a forward's replyTos; it returns nil (every
// operation answered by its origin) when they are missing, undecodable
// or do not line up with the n operations.
func (s *Server) decodeReplyTos(src string, raw json.RawMessage, n int) []replyTo {
	if isNull(raw) {
		return nil
	}
	var rts []replyTo
	if err := json.Unmarshal(raw, &rts); err != nil || len(rts) != n {
		s.logger.Warn("ignored a forward's reply-to list", "src", src, "ops", n, "entries", len(rts), "err", err)
		return nil
	}
	return rts
}

// delegate takes over answering a forwarded send, if this node answers
// for followers and rt names a client it may write to: a Maelstrom
// client id, never a cluster member (a reply to a node would be taken
// for a protocol message). The op is marked only when it is proposed
// (markDelegated), so that a mark always has its replyTo here: one
// forgotten meanwhile (a new epoch, the deadline) leaves the op to its
// origin.
func (s *Server) delegate(op kafka.Op, rt replyTo, now time.Time) {
	_, member := s.members.ids[rt.Client]
	if !s.cfg.LeaderReplies || op.Kind != kafka.OpSend || member ||
		!strings.HasPrefix(rt.Client, "c") || rt.Deadline <= now.UnixMilli() {
		return
	}
	s.delegated.add(op, rt)
}

// markDelegated marks the operations of a batch about to be proposed
// whose clients this leader answers.
func (s *Server) markDelegated(ops []kafka.Op) {
	if s.delegated.len() == 0 {
		return
	}
	for i := range ops {
		_, ops[i].ProposerAnswers = s.delegated.byOp[keyOf(ops[i])]
	}
}

// proposerAnswered reports whether the leader that proposed op in the
// transaction z has answered its client: op is marked and z belongs to
// the epoch this node is in now (the rule at the top of this file).
func (s *Server) proposerAnswered(op kafka.Op, z zab.Zxid) bool {
	return op.ProposerAnswers && z.Epoch() == s.status.Epochs.Current
}

// answerDelegated answers, as the leader, the client of a marked send
// another node forwarded, when the rule gives it to us: we lead the
// epoch that proposed it, and its client still waits.
func (s *Server) answerDelegated(op kafka.Op, res kafka.Result, z zab.Zxid, now time.Time) {
	rt, ok := s.delegated.take(op)
	if !ok || s.status.Role != zab.RoleLeading || !s.proposerAnswered(op, z) || now.UnixMilli() >= rt.Deadline {
		return
	}
	if res.Refused != nil {
		// A send is refused only as stale (kafka.ErrStale): its origin
		// restarted, or moved far on, since it forwarded this copy.
		// That is definite for the copy, not for the client's request:
		// another copy may have been applied before, and its answer
		// lost. Only the origin's own table could tell, and it is gone,
		// so the client gets the indefinite error.
		id := rt.MsgID
		s.sendError(s.members.id, rt.Client, errorBody{Type: typeError, Code: codeUnknown, Text: "could not tell whether this send was applied: " + res.Refused.Error(), InReplyTo: &id})
	} else {
		s.reply(rt.Client, sendOK{Type: typeSendOK, Offset: res.Offset, InReplyTo: rt.MsgID})
	}
	s.stats.answeredFor++
}
