package node

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"zabkafka/log/kafka"
)

// lineWriter writes outgoing Maelstrom messages, one compact JSON object
// and a newline each
// (docs/running.md#one-message-per-line-or-maelstrom-stops-reading). Lines are collected and
// handed to the sink once per event-loop iteration: at thousands of
// messages a second one write system call per message would cost more
// than the protocol. Messages to other nodes and to clients are kept
// apart, and the sink gets them in that order: a node's own protocol
// traffic does not wait behind a flush's replies to clients (a final
// phase's poll replies run to megabytes).
//
// The envelope is assembled by hand around the already-marshalled body so
// each body is encoded once: Maelstrom's reader accepts exactly src, dest
// and body at the top level (Maelstrom's doc/protocol.md, "Messages").
type lineWriter struct {
	sink   lineSink
	src    string
	isPeer func(dest string) bool // nil: every destination is a client
	peer   []byte                 // whole lines to other nodes, waiting for flush
	client []byte                 // whole lines to everyone else
	broken bool                   // a flush failed; reported once
}

// lineSink takes the lines of one flush, those to other nodes first. It
// must not keep the slices.
type lineSink interface {
	writeLines(peer, client []byte) error
}

// writerSink writes straight to an io.Writer, nodes' lines first.
type writerSink struct{ w io.Writer }

func (s writerSink) writeLines(peer, client []byte) error {
	if len(peer) > 0 {
		if _, err := s.w.Write(peer); err != nil {
			return err
		}
	}
	if len(client) > 0 {
		_, err := s.w.Write(client)
		return err
	}
	return nil
}

func newLineWriter(sink lineSink) *lineWriter {
	return &lineWriter{sink: sink}
}

// send writes one message from w.src to dest.
func (w *lineWriter) send(dest string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode %T for %s: %w", body, dest, err)
	}
	w.sendRaw(w.src, dest, b)
	return nil
}

// sendRaw writes one message with an explicit source and an encoded body.
func (w *lineWriter) sendRaw(src, dest string, body []byte) {
	buf := &w.client
	if w.isPeer != nil && w.isPeer(dest) {
		buf = &w.peer
	}
	b := *buf
	b = append(b, `{"src":`...)
	b = appendJSONString(b, src)
	b = append(b, `,"dest":`...)
	b = appendJSONString(b, dest)
	b = append(b, `,"body":`...)
	b = append(b, body...)
	b = append(b, "}\n"...)
	*buf = b
}

// flush hands everything collected to the sink.
func (w *lineWriter) flush() error {
	if len(w.peer) == 0 && len(w.client) == 0 {
		return nil
	}
	err := w.sink.writeLines(w.peer, w.client)
	w.peer, w.client = reuse(w.peer), reuse(w.client)
	return err
}

// reuse empties b for the next flush, unless one large flush (a
// final-phase poll reply) made it too big to keep.
func reuse(b []byte) []byte {
	if cap(b) > 4<<20 {
		return nil
	}
	return b[:0]
}

// flushOrReport flushes, and logs the first failure. Once stdout is gone
// every write fails the same way; saying so once is enough. The node
// keeps running: Maelstrom kills it at teardown.
func (w *lineWriter) flushOrReport(logger *slog.Logger) {
	if err := w.flush(); err != nil && !w.broken {
		w.broken = true
		logger.Error("write to stdout failed", "err", err)
	}
}

// appendJSONString appends s as a JSON string. Node and client ids are
// plain ASCII in practice; json.Marshal covers anything else.
func appendJSONString(buf []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			plain = false
			break
		}
	}
	if plain {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	b, _ := json.Marshal(s) // a string always marshals
	return append(buf, b...)
}

// A poll_ok body is written in three parts, so that a pollJob can write
// it a step at a time: beginPollOK, then appendPollKey for each key with
// messages, in sorted order, then endPollOK. The bytes are those
// json.Marshal makes of the pollOK struct (TestAppendPollOKMatchesMarshal),
// in a fraction of the time reflection takes.

// beginPollOK appends the start of a poll_ok body, up to its first key.
func beginPollOK(buf []byte) []byte {
	return append(buf, `{"type":"poll_ok","msgs":{`...)
}

// appendPollKey appends one key and its messages (not empty) to a
// poll_ok body; after is true when a key came before it.
func appendPollKey(buf []byte, after bool, key string, msgs []kafka.Message) []byte {
	if after {
		buf = append(buf, ',')
	}
	buf = appendJSONString(buf, key)
	buf = append(buf, ":["...)
	for i, m := range msgs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		buf = strconv.AppendInt(buf, m.Offset, 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, m.Msg, 10)
		buf = append(buf, ']')
	}
	return append(buf, ']')
}

// endPollOK appends the end of a poll_ok body.
func endPollOK(buf []byte, inReplyTo int64) []byte {
	buf = append(buf, `},"in_reply_to":`...)
	buf = strconv.AppendInt(buf, inReplyTo, 10)
	return append(buf, '}')
}
