package node

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// lineWriter writes outgoing Maelstrom messages, one compact JSON object
// and a newline each
// (docs/running.md#one-message-per-line-or-maelstrom-stops-reading).
// Output is buffered and flushed once per event-loop iteration: at
// thousands of messages a second one write system call per message would
// cost more than the protocol.
//
// The envelope is assembled by hand around the already-marshalled body so
// each body is encoded once: Maelstrom's reader accepts exactly src, dest
// and body at the top level (Maelstrom's doc/protocol.md, "Messages").
type lineWriter struct {
	bw  *bufio.Writer
	src string
	buf []byte
}

func newLineWriter(w io.Writer) *lineWriter {
	return &lineWriter{bw: bufio.NewWriterSize(w, 64<<10)}
}

// send writes one message from w.src to dest.
func (w *lineWriter) send(dest string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode %T for %s: %w", body, dest, err)
	}
	return w.sendRaw(w.src, dest, b)
}

// sendRaw writes one message with an explicit source and an encoded body.
func (w *lineWriter) sendRaw(src, dest string, body []byte) error {
	buf := w.buf[:0]
	buf = append(buf, `{"src":`...)
	buf = appendJSONString(buf, src)
	buf = append(buf, `,"dest":`...)
	buf = appendJSONString(buf, dest)
	buf = append(buf, `,"body":`...)
	buf = append(buf, body...)
	buf = append(buf, "}\n"...)
	w.buf = buf
	_, err := w.bw.Write(buf)
	return err
}

// flush hands everything buffered to the underlying writer.
func (w *lineWriter) flush() error { return w.bw.Flush() }

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
