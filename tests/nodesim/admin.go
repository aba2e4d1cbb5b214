package nodesim

import (
	"encoding/json"
	"fmt"
	"time"
)

// adminID is the harness's own client: it sends init, as Maelstrom does,
// and the convergence probe's requests. Its lines travel the client
// links like any client's.
const adminID = "c0"

// admin is the harness's client: init and one RPC at a time, by msg_id.
type admin struct {
	s       *Sim
	msgID   int64
	replies map[int64]json.RawMessage // reply bodies by in_reply_to
	initIDs map[int64]*host           // init msg_ids
}

func (a *admin) init(s *Sim) {
	a.s = s
	a.replies = map[int64]json.RawMessage{}
	a.initIDs = map[int64]*host{}
}

// initLine is the init message for one run of h; it is handed to the
// process directly, before any other line.
func (a *admin) initLine(h *host) []byte {
	a.msgID++
	a.initIDs[a.msgID] = h
	line, _ := json.Marshal(map[string]any{"src": adminID, "dest": h.name, "body": map[string]any{
		"type": "init", "msg_id": a.msgID, "node_id": h.name, "node_ids": a.s.names,
	}})
	return line
}

// receive takes a line for the harness: an init_ok marks its node
// initialized, anything else is kept for the RPC waiting for it.
func (a *admin) receive(line []byte) {
	var env envelope
	if err := json.Unmarshal(line, &env); err != nil {
		a.s.fail(true, "reply to %s is not a Maelstrom message (%v): %.300s", adminID, err, line)
		return
	}
	var hdr struct {
		Type      string `json:"type"`
		InReplyTo int64  `json:"in_reply_to"`
	}
	_ = json.Unmarshal(env.Body, &hdr)
	if h := a.initIDs[hdr.InReplyTo]; h != nil {
		delete(a.initIDs, hdr.InReplyTo)
		if hdr.Type != "init_ok" {
			a.s.fail(false, "%s answered init with %s", h.name, env.Body)
			return
		}
		if h.up && h.name == env.Src {
			h.inited = true
		}
		return
	}
	a.replies[hdr.InReplyTo] = env.Body
}

// call sends one request to a node and runs the simulation until its
// reply arrives or timeout passes.
func (a *admin) call(dest string, body map[string]any, timeout time.Duration) (json.RawMessage, error) {
	s := a.s
	a.msgID++
	id := a.msgID
	body["msg_id"] = id
	line, err := json.Marshal(map[string]any{"src": adminID, "dest": dest, "body": body})
	if err != nil {
		return nil, err
	}
	s.net.clientLine(adminID, dest, line, true)
	s.runUntil(s.now+timeout, func() bool { return a.replies[id] != nil })
	r, ok := a.replies[id]
	delete(a.replies, id)
	if !ok {
		return nil, fmt.Errorf("no reply from %s within %v", dest, timeout)
	}
	return r, nil
}
