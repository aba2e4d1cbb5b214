package net

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
)

// Errors a client RPC can return besides a reply.
var (
	// ErrTimeout: no matching reply before the context's deadline
	// (Maelstrom's "Client read timeout", error code 0). Test with IsTimeout.
	ErrTimeout = errors.New("client read timeout")
	// ErrClientClosed: the client was closed before or during the call.
	ErrClientClosed = errors.New("client is closed")
	// ErrStopped: the cluster was stopped before or during the call.
	ErrStopped = errors.New("network stopped")
	// ErrBusy: a second RPC while one is outstanding (M:client.clj send!
	// refuses the same way: "Can't send more than one message at a time!").
	ErrBusy = errors.New("client already has a request outstanding")
	// ErrNodeKilled: the destination node was killed (Cluster.Kill) while
	// the request was outstanding. Whether it took effect is unknown.
	ErrNodeKilled error = &nodeError{name: "node-killed", text: "node was killed while the request was outstanding"}
	// ErrNodeDown: the destination node is killed or restarting, so the
	// request was not sent at all (like a refused connection); it
	// certainly took no effect.
	ErrNodeDown error = &nodeError{name: "node-down", text: "node is not running; the request was not sent", definite: true}
)

// nodeError is a request that failed because its node was killed. Its
// Name and Definite methods tell callers that classify errors without
// importing this package (the kafka client) what to record.
type nodeError struct {
	name, text string
	definite   bool
}

// Error implements error.
func (e *nodeError) Error() string { return e.text }

// Name is a short name for the history: "node-down" or "node-killed".
func (e *nodeError) Name() string { return e.name }

// Definite reports whether the request certainly took no effect.
func (e *nodeError) Definite() bool { return e.definite }

// IsTimeout reports whether err is an RPC timeout.
func IsTimeout(err error) bool { return errors.Is(err, ErrTimeout) }

// Client is an in-process network member standing for a Maelstrom client
// (M:src/maelstrom/client.clj): id "c<k>", at most one request at a time,
// msg_ids 1, 2, 3, ... Messages to and from it have zero latency.
type Client struct {
	id     string
	net    *network
	mb     *mailbox
	mu     sync.Mutex // held for the whole of one RPC
	msgID  int64      // the last msg_id used
	closed atomic.Bool
}

// ID is the client's network id, "c<k>".
func (cl *Client) ID() string { return cl.id }

// newClient registers a client with the given id.
func newClient(n *network, id string) *Client {
	cl := &Client{id: id, net: n}
	mb, err := n.join(id)
	if err != nil { // cannot happen with fresh ids; behave as a closed client
		cl.closed.Store(true)
		return cl
	}
	cl.mb = mb
	n.clientJoined(id)
	return cl
}

// RPC sends body (a JSON object; RPC sets "msg_id", leaving the caller's map
// untouched) to dest and waits for the reply whose in_reply_to equals that
// msg_id, discarding every other message that reaches this client, late
// replies to earlier requests included (M:client.clj recv!; the reply's src
// is not checked). The context carries the timeout: when it expires RPC
// returns an error for which IsTimeout is true. An unknown dest is an
// error wrapping ErrUnknownMember, as Maelstrom's send! assertion would
// throw. A request to a node that is killed or restarting is not sent
// (ErrNodeDown); one outstanding when its node is killed returns
// ErrNodeKilled at once.
func (cl *Client) RPC(ctx context.Context, dest string, body map[string]any) (json.RawMessage, error) {
	return cl.rpc(ctx, dest, body, true)
}

// rpc is RPC; gated false lets a restarting node's init through.
func (cl *Client) rpc(ctx context.Context, dest string, body map[string]any, gated bool) (json.RawMessage, error) {
	if !cl.mu.TryLock() {
		return nil, ErrBusy
	}
	defer cl.mu.Unlock()
	switch {
	case cl.net.isStopped():
		return nil, ErrStopped
	case cl.closed.Load():
		return nil, ErrClientClosed
	}
	cl.msgID++
	id := cl.msgID
	req := make(map[string]any, len(body)+1)
	for k, v := range body {
		req[k] = v
	}
	req["msg_id"] = id
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("client %s: encode request to %s: %w", cl.id, dest, err)
	}
	var killed <-chan struct{}
	if g := cl.net.gates[dest]; g != nil && gated {
		ch, ok := g.enter()
		if !ok {
			return nil, fmt.Errorf("client %s: request %d to %s: %w", cl.id, id, dest, ErrNodeDown)
		}
		killed = ch
	}
	if err := cl.net.send(cl.id, dest, raw, nil); err != nil {
		if cl.closed.Load() {
			// Closed between the check above and the send, which then
			// found the client gone from the network.
			return nil, ErrClientClosed
		}
		return nil, fmt.Errorf("client %s: %w", cl.id, err)
	}
	for {
		e, why := cl.mb.take(ctx, cl.net.stop, killed)
		switch why {
		case takeAborted:
			return nil, fmt.Errorf("client %s: request %d to %s: %w", cl.id, id, dest, ErrNodeKilled)
		case takeStopped:
			return nil, ErrStopped
		case takeGone:
			return nil, ErrClientClosed
		case takeCtxDone:
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, fmt.Errorf("client %s: request %d to %s: %w", cl.id, id, dest, ErrTimeout)
			}
			return nil, ctx.Err()
		}
		cl.net.counts.received(e)
		if repliesTo(e.body, id) {
			return json.RawMessage(e.body), nil
		}
	}
}

// repliesTo reports whether a body's in_reply_to is the integer id. Like
// Clojure's (= id in_reply_to) on what Cheshire parsed: 3.0 or "3" do not
// match 3. Keys are matched exactly (encoding/json would fold case), and
// of two in_reply_to members the last counts, as in Cheshire's map.
//
// The body is scanned, not decoded: a final-phase poll_ok runs to
// megabytes, and thirty-two clients decoding theirs at once kept the
// network's own goroutines off the CPU long enough for nodes to take
// their leader for dead (docs/tuning.md, "Polls a step at a time").
// Scanning needs a valid JSON object, which every body the network
// carries is: parseNodeLine checks a node's line whole with json.Valid,
// and the workbench's services encode theirs with encoding/json.
func repliesTo(body []byte, id int64) bool {
	v, ok := topLevelMember(body, "in_reply_to")
	if !ok || !isIntegerLiteral(v) {
		return false
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return err == nil && n == id
}

// topLevelMember returns the value of the last member named key of the
// JSON object body (which must be valid JSON), and whether there is one.
func topLevelMember(body []byte, key string) (val []byte, found bool) {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return nil, false
	}
	i++
	for {
		i = skipSpace(body, i)
		if i >= len(body) || body[i] == '}' {
			return val, found
		}
		if body[i] == ',' {
			i++
			continue
		}
		kEnd := skipString(body, i)
		k, err := unquote(body[i:kEnd])
		i = skipSpace(body, skipSpace(body, kEnd)+1) // past ':'
		if i >= len(body) {
			return val, found
		}
		vEnd := skipValue(body, i)
		if err == nil && string(k) == key {
			val, found = body[i:vEnd], true
		}
		i = vEnd
	}
}

// Close unregisters the client. Messages still queued for it are never
// delivered, and a node that later sends to it triggers the unknown-
// destination rule. An RPC in progress returns ErrClientClosed.
func (cl *Client) Close() {
	if cl.closed.Swap(true) {
		return
	}
	cl.net.leave(cl.id)
	cl.net.clientLeft(cl.id)
}
