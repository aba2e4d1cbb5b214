package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"time"

	"zabkafka/tests/workbench/history"
)

// RPCTimeout is Maelstrom's client timeout for every kafka RPC
// (M:src/maelstrom/client.clj default-timeout).
const RPCTimeout = 5 * time.Second

// Conn is the client's link to the network: one RPC at a time, the reply
// matched by in_reply_to. The workbench's net.Client satisfies it.
type Conn interface {
	RPC(ctx context.Context, dest string, body map[string]any) (json.RawMessage, error)
}

// Client is one client thread's kafka client (M:src/maelstrom/workload/
// kafka.clj Client): it talks to one node through one Conn and keeps the
// local map key -> next offset to poll, initially empty (M:kafka.clj Client).
//
// A Client is used by one thread at a time and is never reused after an
// info completion: the runner opens a fresh one (the Clojure client is not
// reusable).
type Client struct {
	conn      Conn
	node      string
	timeout   time.Duration
	isTimeout func(error) bool
	offsets   map[string]int64
}

// NewClient returns a client that sends to node through conn. isTimeout
// recognises the conn's timeout errors (net.IsTimeout); a nil one only
// recognises context.DeadlineExceeded. A timeout of zero means RPCTimeout.
func NewClient(conn Conn, node string, timeout time.Duration, isTimeout func(error) bool) *Client {
	if timeout <= 0 {
		timeout = RPCTimeout
	}
	return &Client{conn: conn, node: node, timeout: timeout, isTimeout: isTimeout, offsets: map[string]int64{}}
}

// Offsets returns a copy of the local poll positions (for tests).
func (c *Client) Offsets() map[string]int64 { return maps.Clone(c.offsets) }

// Invoke performs req and classifies its outcome as Maelstrom's with-errors
// does with the idempotent set {assign} (M:client.clj with-errors):
//   - a timeout is info "net-timeout" (fail for assign);
//   - an error reply is fail when its code is definite (or for assign), else
//     info, with error "name: text";
//   - a node error (netError: its node was killed) is fail under its name
//     when it is definite (the network did not send the request, as a
//     refused connection is for Jepsen's database clients) or the op is
//     assign, else info under its name (killed while outstanding);
//   - a malformed reply, or any other failure, is info
//     "indeterminate: <why>" (Jepsen's worker catches the exception).
//
// ctx bounds the whole op; each RPC also gets the client timeout.
func (c *Client) Invoke(ctx context.Context, req Request) Outcome {
	var out Outcome
	var err error
	switch req.F {
	case history.FCrash:
		// No RPC: the info completion makes the runner replace the client.
		return Outcome{Type: history.Info}
	case history.FSend:
		out, err = c.send(ctx, req)
	case history.FPoll:
		out, err = c.poll(ctx)
	case history.FAssign:
		out, err = c.assign(ctx, req)
	default:
		err = errors.New("unknown operation " + req.F)
	}
	if err == nil {
		return out
	}
	return c.classify(req.F, err)
}

// send is the send micro-op: RPC send, the ok value carries the offset; no
// commit follows a send.
func (c *Client) send(ctx context.Context, req Request) (Outcome, error) {
	r, err := c.call(ctx, map[string]any{"type": "send", "key": req.Key, "msg": req.Msg}, "send_ok", "offset")
	if err != nil {
		return Outcome{}, err
	}
	off, ok := integer(r["offset"])
	if !ok {
		return Outcome{}, &malformedError{"send_ok", "offset is not an integer"}
	}
	return Outcome{Type: history.OK, Offset: &off}, nil
}

// poll is M:kafka.clj apply-mop! :poll plus the commit that follows: poll
// from the local map, advance the local map (before the commit, so a failed
// commit still moves this client past what it was shown, M:kafka.clj
// Client invoke!), then
// commit the highest offset returned per non-empty key.
func (c *Client) poll(ctx context.Context) (Outcome, error) {
	r, err := c.call(ctx, map[string]any{"type": "poll", "offsets": maps.Clone(c.offsets)}, "poll_ok", "msgs")
	if err != nil {
		return Outcome{}, err
	}
	var msgs map[string][]history.Pair
	var odd error
	inTurn(len(r["msgs"]), func() { msgs, odd = pollMessages(r) })
	var bad *malformedError
	if errors.As(odd, &bad) {
		return Outcome{}, odd
	}
	commit := map[string]int64{}
	for k, pairs := range msgs {
		// new position = 1 + the highest offset returned, 0 for an empty
		// list; keep the larger of old and new (merge-with max).
		next := int64(0)
		for _, p := range pairs {
			next = max(next, p.Offset+1)
		}
		if cur, ok := c.offsets[k]; !ok || next > cur {
			c.offsets[k] = next
		}
		// txn-offsets: the highest offset returned, never below 0.
		if len(pairs) > 0 {
			hi := int64(0)
			for _, p := range pairs {
				hi = max(hi, p.Offset)
			}
			commit[k] = hi
		}
	}
	if len(commit) > 0 {
		if _, err := c.call(ctx, map[string]any{"type": "commit_offsets", "offsets": commit}, "commit_offsets_ok"); err != nil {
			return Outcome{}, err
		}
	}
	if odd != nil {
		return Outcome{}, odd
	}
	return Outcome{Type: history.OK, Polls: msgs}, nil
}

// assign replaces the local map with the assigned keys: every key keeps its
// local position if it has one, else starts at 0. The committed offsets the
// node lists are never used (M:kafka.clj Client reads them from the wrong
// map), but the RPC must succeed with a well-formed reply. A seek-to-beginning
// assign sets every key to 0 without an RPC.
func (c *Client) assign(ctx context.Context, req Request) (Outcome, error) {
	next := make(map[string]int64, len(req.Keys))
	if req.SeekToBeginning {
		for _, k := range req.Keys {
			next[k] = 0
		}
		c.offsets = next
		return Outcome{Type: history.OK}, nil
	}
	keys := append([]string{}, req.Keys...) // a JSON list even when empty
	r, err := c.call(ctx, map[string]any{"type": "list_committed_offsets", "keys": keys}, "list_committed_offsets_ok", "offsets")
	if err != nil {
		return Outcome{}, err
	}
	if _, err := offsetMap(r, "offsets", "list_committed_offsets_ok"); err != nil {
		return Outcome{}, err
	}
	for _, k := range req.Keys {
		next[k] = c.offsets[k] // absent reads as 0
	}
	c.offsets = next
	return Outcome{Type: history.OK}, nil
}

// call makes one RPC with the client timeout and decodes its reply.
func (c *Client) call(ctx context.Context, body map[string]any, want string, fields ...string) (reply, error) {
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	raw, err := c.conn.RPC(rctx, c.node, body)
	if err != nil {
		if ctx.Err() == nil && (rctx.Err() != nil || (c.isTimeout != nil && c.isTimeout(err))) {
			return nil, errTimeout
		}
		return nil, err
	}
	var r reply
	inTurn(len(raw), func() { r, err = decodeReply(raw, want, fields...) })
	return r, err
}

// netError is implemented by the conn's errors about a killed node
// (net.ErrNodeDown, net.ErrNodeKilled): a short name for the history, and
// whether the request certainly took no effect.
type netError interface {
	Name() string
	Definite() bool
}

// errTimeout is an RPC that got no matching reply within the client timeout.
var errTimeout = errors.New("net-timeout")

// classify turns a failed op into its completion (M:client.clj with-errors).
func (c *Client) classify(f string, err error) Outcome {
	idempotent := f == history.FAssign
	var re *replyError
	var ne netError
	switch {
	case errors.As(err, &ne):
		if ne.Definite() || idempotent {
			return Outcome{Type: history.Fail, Error: ne.Name()}
		}
		return Outcome{Type: history.Info, Error: ne.Name()}
	case errors.Is(err, errTimeout):
		if idempotent {
			return Outcome{Type: history.Fail, Error: "net-timeout"}
		}
		return Outcome{Type: history.Info, Error: "net-timeout"}
	case errors.As(err, &re):
		if re.kind.definite || idempotent {
			return Outcome{Type: history.Fail, Error: re.Error()}
		}
		return Outcome{Type: history.Info, Error: re.Error()}
	default:
		return Outcome{Type: history.Info, Error: "indeterminate: " + err.Error(), Unrepresentable: isUnrepresentable(err)}
	}
}

// isUnrepresentable reports whether err is a poll message the history cannot
// hold.
func isUnrepresentable(err error) bool {
	var u *errUnrepresentable
	return errors.As(err, &u)
}
