package node

import (
	"encoding/json"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"
)

// reply sends a success body (which carries its own in_reply_to) to a
// client.
func (s *Server) reply(dest string, body any) {
	if err := s.out.send(dest, body); err != nil {
		s.logger.Error("write failed", "dest", dest, "err", err)
	}
}

// replyError answers in with an error body. Replies are never answered
// (see inbound.reply). Before init the node has no name yet, so it
// answers as the message's dest, which is what Maelstrom addressed.
func (s *Server) replyError(in inbound, code int, text string) {
	if in.reply || in.src == "" {
		return
	}
	src := s.members.id
	if src == "" {
		src = in.dest
	}
	if src == "" {
		s.logger.Warn("cannot address an error reply", "to", in.src, "code", code, "text", text)
		return
	}
	b := errorBody{Type: typeError, Code: code, Text: text}
	if in.hasMsgID {
		id := in.msgID
		b.InReplyTo = &id
	}
	s.sendError(src, in.src, b)
}

// replyPendingError answers a pending request with an error.
func (s *Server) replyPendingError(r *request, code int, text string) {
	id := r.msgID
	s.sendError(s.members.id, r.client, errorBody{Type: typeError, Code: code, Text: text, InReplyTo: &id})
}

func (s *Server) sendError(src, dest string, b errorBody) {
	s.stats.errors++
	raw, err := json.Marshal(b)
	if err != nil {
		s.logger.Error("write failed", "dest", dest, "err", err)
		return
	}
	s.out.sendRaw(src, dest, raw)
}

// Definite and indefinite codes, named for what they promise the client
// (docs/running.md#definite-errors-only-for-what-never-happens).
const (
	// codeNotDone: the operation certainly did not and will not happen.
	codeNotDone = maelstrom.TemporarilyUnavailable
	// codeUnknown: the operation may or may not happen.
	codeUnknown = maelstrom.Timeout
)
