package node

import (
	"encoding/json"
	"fmt"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"zabkafka/log/kafka"
	"zabkafka/zab"
)

// handleZab takes one coalesced node-to-node message: the zab messages go
// to the peer in order, the forwarded operations join the queue (they are
// proposed if this node is the leader at the next dispatch).
//
// Only cluster members may send protocol messages. Anyone else (a client,
// a service) gets not-supported and changes nothing. A member's message
// that does not decode is logged and dropped, never answered: members do
// not answer errors either, so two nodes cannot bounce errors forever.
func (s *Server) handleZab(in inbound, now time.Time) {
	from, member := s.members.ids[in.src]
	if !member {
		s.replyError(in, maelstrom.NotSupported, fmt.Sprintf("%s messages are accepted only from cluster members", typeZab))
		return
	}
	if from == s.members.self {
		s.logger.Warn("dropped zab message from ourselves")
		return
	}
	if s.failed != nil {
		s.logger.Debug("dropped zab message: node stopped", "src", in.src, "err", s.failed)
		return
	}
	msgs, bad, ok := decodeZabMsgs(in.f.Msgs)
	if !ok {
		s.logger.Warn("dropped undecodable zab message", "src", in.src)
		return
	}
	if bad > 0 {
		s.logger.Warn("dropped undecodable zab messages", "src", in.src, "dropped", bad)
	}
	stepped := 0
	for _, m := range msgs {
		// The envelope's src is what Maelstrom vouches for; a message
		// claiming another sender or another receiver is not ours.
		if m.From != from || m.To != s.members.self {
			s.logger.Warn("dropped misaddressed zab message", "src", in.src, "from", m.From, "to", m.To, "type", m.Type)
			continue
		}
		if err := s.peer.Step(m); err != nil {
			s.logger.Debug("peer refused message", "src", in.src, "type", m.Type, "err", err)
			continue
		}
		stepped++
	}
	if stepped > 0 {
		s.fresh.noteContact(from, s.peer.Contact(from), now)
		if s.status.Role == zab.RoleFollowing && from == s.status.Leader {
			// The leader spoke: this follower's answer leaves in the
			// next Process, and what queued since rides along.
			s.pace.leaderSpoke()
		}
	}
	if !isNull(in.f.Fwd) {
		s.takeForwarded(in.src, in.f.Fwd, in.f.Rt, now)
	}
}

// takeForwarded queues the operations a follower forwarded to us, and
// takes over answering the clients of the sends it named (rawRt,
// delegate.go). Their Origin is set to the forwarding node: it holds
// the clients' requests, so it answers those we do not; their
// incarnation and seq are its own (a forger could only claim its own
// requests). An operation too big for a batch (a node configured with a
// larger MaxBatchBytes) is dropped here, never proposed: its origin
// answers it indefinitely at its deadline. The same operation may arrive
// twice (a message delivered twice); both copies are proposed, and the
// state machine applies it once (kafka.State.Apply).
func (s *Server) takeForwarded(src string, raw, rawRt json.RawMessage, now time.Time) {
	var b []byte
	if err := json.Unmarshal(raw, &b); err != nil {
		s.logger.Warn("dropped undecodable forwarded ops", "src", src, "err", err)
		return
	}
	ops, err := kafka.DecodeBatch(b)
	if err != nil {
		s.logger.Warn("dropped undecodable forwarded ops", "src", src, "err", err)
		return
	}
	rts := s.decodeReplyTos(src, rawRt, len(ops))
	for i, op := range ops {
		op.Origin = src
		op.ProposerAnswers = false // ours to decide, as we propose it (markDelegated)
		size := kafka.OpSize(op)
		if !s.fits(size) {
			s.logger.Warn("dropped a forwarded op too big for a batch", "src", src, "bytes", size)
			continue
		}
		if s.queue.refuses(size, s.cfg.MaxQueue, s.cfg.MaxQueueBytes) != "" {
			s.logger.Warn("queue full: dropped forwarded ops", "src", src, "dropped", len(ops)-i)
			return
		}
		if rts != nil {
			s.delegate(op, rts[i], now)
		}
		s.queue.add(op, size, now)
	}
}

// flushOutbox sends everything queued for each destination, in one
// message unless size splits it (outbox.drain).
func (s *Server) flushOutbox() {
	s.outbox.drain(func(to zab.PeerID, body zabBody) {
		s.stats.peerMsgs++
		s.stats.zabMsgs += len(body.Msgs)
		switch {
		case len(body.Fwd) > 0 && len(body.Msgs) == 0:
			s.stats.fwdOnly++
		case len(body.Fwd) > 0:
			s.stats.fwdWithZab++
		}
		s.reply(s.members.nameOf(to), body)
	})
}
