// Package toykit is the little runtime the workbench's toy nodes share: a
// Maelstrom node loop (one JSON message per line on stdin and stdout, read
// with a bufio.Reader so no line is too long) and an in-memory kafka log.
// Standard library only. Each toy is a few lines on top of it that
// deliberately break one guarantee the kafka checker tests.
package toykit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Body is a decoded message body. Numbers stay json.Number so that message
// values and offsets are echoed exactly as written.
type Body map[string]any

// Message is one envelope read from stdin.
type Message struct {
	Src  string `json:"src"`
	Dest string `json:"dest"`
	Body Body   `json:"body"`
}

// Type returns the body's type field.
func (m Message) Type() string { s, _ := m.Body["type"].(string); return s }

// Handler handles one message type. It runs on the node's single loop, so
// handlers never race and see messages in arrival order.
type Handler func(n *Node, m Message)

// Node is a Maelstrom node: its id and peers (set by init), its handlers and
// its stdout writer.
type Node struct {
	ID       string
	NodeIDs  []string
	handlers map[string]Handler
	out      *bufio.Writer
	nextID   int64
	// OnInit, if set, runs after init is handled, before init_ok is sent.
	OnInit func(n *Node)
}

// NewNode returns a node writing to stdout.
func NewNode() *Node {
	return &Node{handlers: map[string]Handler{}, out: bufio.NewWriterSize(os.Stdout, 1<<16)}
}

// Handle registers the handler of a message type.
func (n *Node) Handle(typ string, h Handler) { n.handlers[typ] = h }

// Run reads stdin until EOF. A line that is not a message is logged to
// stderr and skipped: a node must never die on bad input. Output is flushed
// whenever no more input is already buffered, so a burst of requests is
// answered with one write.
func (n *Node) Run() error {
	in := bufio.NewReaderSize(os.Stdin, 1<<16)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			n.dispatch(line)
		}
		if in.Buffered() == 0 {
			if ferr := n.out.Flush(); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// dispatch decodes one line and runs its handler.
func (n *Node) dispatch(line []byte) {
	var m Message
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m.Body == nil {
		fmt.Fprintf(os.Stderr, "skipping bad line %q: %v\n", line, err)
		return
	}
	if m.Type() == "init" {
		n.init(m)
		return
	}
	h, ok := n.handlers[m.Type()]
	if !ok {
		if _, isReply := m.Body["in_reply_to"]; !isReply {
			n.Error(m, 10, "unsupported type "+m.Type())
		}
		return
	}
	h(n, m)
}

// init records the node's id and peers and answers init_ok.
func (n *Node) init(m Message) {
	n.ID, _ = m.Body["node_id"].(string)
	n.NodeIDs = n.NodeIDs[:0]
	if ids, ok := m.Body["node_ids"].([]any); ok {
		for _, id := range ids {
			if s, ok := id.(string); ok {
				n.NodeIDs = append(n.NodeIDs, s)
			}
		}
	}
	if n.OnInit != nil {
		n.OnInit(n)
	}
	n.Reply(m, Body{"type": "init_ok"})
}

// Send writes one message to dest, giving the body a fresh msg_id.
func (n *Node) Send(dest string, body Body) {
	n.nextID++
	body["msg_id"] = n.nextID
	n.write(dest, body)
}

// Reply answers req with body, adding in_reply_to.
func (n *Node) Reply(req Message, body Body) {
	body["in_reply_to"] = req.Body["msg_id"]
	n.write(req.Src, body)
}

// Error answers req with an error body.
func (n *Node) Error(req Message, code int, text string) {
	n.Reply(req, Body{"type": "error", "code": code, "text": text})
}

// write frames and buffers one message: compact JSON, one line.
func (n *Node) write(dest string, body Body) {
	b, err := json.Marshal(map[string]any{"src": n.ID, "dest": dest, "body": body})
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot encode reply to %s: %v\n", dest, err)
		return
	}
	n.out.Write(b)
	n.out.WriteByte('\n')
}
