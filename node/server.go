package node

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	maelstrom "github.com/jepsen-io/maelstrom/demo/go"

	"zabkafka/log"
	"zabkafka/log/kafka"
	"zabkafka/zab"
)

// Server is one zabkafka node: the zab peer, its log, the kafka state
// machine, and the client requests in flight. It is not safe for
// concurrent use; exactly one goroutine (Run's event loop) calls it, which
// is what lets the zab peer stay a plain state machine.
//
// Time enters only as arguments (HandleLine, Tick, Process), so a test
// drives a Server with a fake clock and replays it exactly.
type Server struct {
	cfg    Config
	base   *slog.Logger // before init
	logger *slog.Logger // after init: tagged with the node id
	out    *lineWriter

	// openLog, if set, opens the log at init (SetStoreOpener).
	openLog StoreOpener

	// Set by init.
	id     string
	names  []string // names[i] is the node with PeerID i+1
	ids    map[string]zab.PeerID
	self   zab.PeerID
	store  log.Store
	peer   *zab.Peer
	kafka  *kafka.State
	failed error // a storage failure: the node stops taking part (fail-stop)

	// incarnation and lastSeq identify our operations (incarnation.go):
	// lastSeq is the Seq of the last request accepted in this run.
	incarnation uint64
	lastSeq     uint64

	pending    pendingTable
	queue      []queuedOp // client operations waiting to be proposed or forwarded
	queueBytes int        // the sum of their sizes
	outbox     outbox
	lastFlush  time.Time // when the outbox was last sent
	// holdUntil: a follower that just answered clients sends nothing
	// before this (Config.AckHold); held says the hold since the last
	// flush has been used, so holds cannot follow one another.
	holdUntil time.Time
	held      bool
	answered  bool      // set by answer during one Process
	backoff   time.Time // no proposal attempt before this (leader at its in-flight bound)

	lastRole    zab.Role
	lastPhase   zab.Phase
	lastLeader  zab.PeerID
	opsSinceSnp int    // applied operations since the last snapshot
	lastSnap    uint64 // zxid of the last snapshot saved

	stats     stats
	lastStats time.Time
	outBroken bool // stdout failed; reported once
}

// queuedOp is a client operation waiting in the queue, with when it got
// here (the batching window and the hold timeout count from then) and its
// kafka.OpSize, which plans the batches it can join.
type queuedOp struct {
	op    kafka.Op
	since time.Time
	size  int
}

// NewServer returns a node that writes its messages to out and its log
// lines to logger (nil: discard). It does nothing until the init message.
func NewServer(cfg Config, out io.Writer, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{
		cfg:     cfg,
		base:    logger,
		logger:  logger,
		out:     newLineWriter(out),
		pending: newPendingTable(),
		outbox:  newOutbox(cfg.MaxBatch, cfg.MaxBatchBytes),
	}, nil
}

// HandleLine handles one input line received at now. Nothing in a line
// can make it panic or stop the node: a line that cannot be answered is
// logged and dropped, one that can gets an error reply (12
// malformed-request, 10 not-supported, 11 before init).
//
// What Maelstrom's protocol (doc/protocol.md) leaves open is settled so:
//   - a message to another node (dest is not our name) is not ours to
//     serve: a request gets 12, anything else is logged and dropped;
//   - before init the node has no name and no state: a request gets 11
//     temporarily-unavailable, from the name it was sent to (the protocol
//     lists "has not yet been initialized" under 11), other messages are
//     logged and dropped;
//   - a client RPC without msg_id is not executed: nothing can be
//     answered to it, since in_reply_to names the request answered, and
//     a reply whose in_reply_to is 0 could be taken by a client for the
//     answer to its request 0. It gets a 12 without in_reply_to, which
//     a Maelstrom client, never sending such requests, would ignore.
func (s *Server) HandleLine(line []byte, now time.Time) {
	in, perr := parseLine(line)
	if perr != nil {
		if perr.answerable && !in.reply {
			s.replyError(in, perr.code, perr.text)
		}
		s.logger.Warn("dropped input line", "err", perr.text, "line", truncate(line, 200))
		return
	}
	if in.reply {
		// We send no requests, so there is nothing to match a reply to.
		s.logger.Debug("ignored reply", "src", in.src, "type", in.typ)
		return
	}
	if !s.admit(in) {
		return
	}
	if in.typ == typeInit {
		s.handleInit(in, now)
		return
	}
	switch in.typ {
	case typeZab:
		s.handleZab(in, now)
	case typeSend:
		s.handleSend(in, now)
	case typePoll:
		s.handlePoll(in)
	case typeCommitOffsets:
		s.handleCommitOffsets(in, now)
	case typeListCommittedOffsets:
		s.handleListCommittedOffsets(in)
	default:
		s.replyError(in, maelstrom.NotSupported, fmt.Sprintf("unsupported message type %q", in.typ))
	}
}

// admit decides whether a request reaches its handler (HandleLine's
// rules); it answers or logs what does not.
func (s *Server) admit(in inbound) bool {
	refuse := func(code int, text string) bool {
		if in.hasMsgID {
			s.replyError(in, code, text)
		}
		s.logger.Warn("refused message", "src", in.src, "dest", in.dest, "type", in.typ, "why", text)
		return false
	}
	switch {
	case s.id != "" && in.dest != s.id:
		return refuse(maelstrom.MalformedRequest, fmt.Sprintf("message for %q delivered to %s", in.dest, s.id))
	case s.id == "" && in.typ != typeInit:
		return refuse(maelstrom.TemporarilyUnavailable, "node not initialized")
	case clientRPC[in.typ] && !in.hasMsgID:
		s.replyError(in, maelstrom.MalformedRequest, in.typ+" without msg_id: it cannot be answered, so it is not executed")
		s.logger.Warn("refused request without msg_id", "src", in.src, "type", in.typ)
		return false
	}
	return true
}

// clientRPC lists the request types that are answered, and so need a
// msg_id.
var clientRPC = map[string]bool{
	typeInit: true, typeSend: true, typePoll: true, typeCommitOffsets: true, typeListCommittedOffsets: true,
}

// Tick advances the core by one tick.
func (s *Server) Tick(now time.Time) {
	if s.peer == nil || s.failed != nil {
		return
	}
	s.peer.Tick()
}

// Process does everything the input so far calls for, in the order the
// Ready contract needs: expire overdue requests, then, once the batching
// window has passed, propose or forward the queued operations, drive the
// peer's Ready, and send the coalesced outbox. Output is flushed at the
// end of every call.
func (s *Server) Process(now time.Time) {
	if s.peer != nil {
		s.expireRequests(now)
	}
	if s.peer != nil && s.failed == nil {
		// The batching window: operations and messages go out at most
		// once per BatchInterval. An idle node sends at once; a busy
		// one packs everything of a window into one proposal and one
		// message per peer.
		due := !now.Before(s.lastFlush.Add(s.cfg.BatchInterval)) && !now.Before(s.holdUntil)
		if len(s.names) == 1 {
			// A cluster of one sends no messages: its proposals commit
			// at once, so waiting for the window would only add latency.
			due = true
		}
		worked := false
		if due && len(s.queue) > 0 && !now.Before(s.backoff) {
			worked = s.dispatch(now)
		}
		s.answered = false
		s.drainReady(now)
		if s.startHold(now) {
			due = false
		}
		if due && !s.outbox.empty() && s.failed == nil {
			s.flushOutbox()
			s.held = false
			worked = true
		}
		if worked {
			s.lastFlush = now
		}
		if len(s.queue) > 0 {
			// Held operations time out even while the window or the
			// back-off keeps dispatch from running.
			s.expireHeld(now)
		}
		s.maybeSnapshot()
		s.maybeLogStats(now)
	}
	if err := s.out.flush(); err != nil && !s.outBroken {
		// Once stdout is gone every write fails the same way; say so
		// once. The node keeps running: Maelstrom kills it at teardown.
		s.outBroken = true
		s.logger.Error("write to stdout failed", "err", err)
	}
}

// NextWake is when Process next has work that no input or tick will
// bring: the end of the batching window (or of a follower's AckHold)
// while messages wait, or while operations wait for a leader that is
// known; the first hold timeout while they wait for one that is not. ok is false when nothing waits.
// It is never a time Process has already dealt with, so a loop that
// sleeps until it cannot spin.
func (s *Server) NextWake() (at time.Time, ok bool) {
	if s.peer == nil || s.failed != nil {
		return time.Time{}, false
	}
	window := s.lastFlush.Add(s.cfg.BatchInterval)
	if s.holdUntil.After(window) {
		window = s.holdUntil
	}
	flushAt := window
	_, _, routable := s.dispatchTarget()
	switch {
	case len(s.queue) > 0 && routable:
		if s.backoff.After(window) {
			window = s.backoff
		}
		if !s.outbox.empty() && flushAt.Before(window) {
			window = flushAt
		}
		return window, true
	case !s.outbox.empty():
		return window, true
	case len(s.queue) > 0:
		return s.queue[0].since.Add(s.cfg.HoldTimeout), true
	}
	return time.Time{}, false
}

// startHold starts a follower's AckHold when this Process answered
// clients: their next operations usually arrive within a millisecond or
// two, and held back this long the ACK and those operations leave in one
// message (a message per destination per flush, outbox.go). It reports
// whether a hold started. One hold per flush at most, so a steady stream
// of answers cannot keep the ACK from leaving.
func (s *Server) startHold(now time.Time) bool {
	if !s.answered || s.held || s.cfg.AckHold <= 0 || s.lastRole != zab.RoleFollowing {
		return false
	}
	hold := s.cfg.AckHold
	if w := s.cfg.BatchInterval; w > 0 && w < hold {
		hold = w
	}
	s.held = true
	s.holdUntil = now.Add(hold)
	return true
}

// Close releases the log.
func (s *Server) Close() error {
	if s.store == nil {
		return nil
	}
	return s.store.Close()
}

// fail stops the node after a storage failure (zabstore.Persist contract:
// never send what vouches for a failed write). It keeps answering clients,
// with errors, rather than exit: an exited node makes Maelstrom abort the
// whole test without a verdict
// (docs/running.md#a-node-that-exits-ends-the-test-without-a-verdict).
func (s *Server) fail(err error) {
	if s.failed == nil {
		s.failed = err
		s.logger.Error("storage failed; node stops taking part", "err", err)
	}
	s.outbox = newOutbox(s.cfg.MaxBatch, s.cfg.MaxBatchBytes)
	for _, q := range s.queue {
		s.refuseQueued(q.op, "node stopped after a storage failure")
	}
	s.dropQueued(len(s.queue))
}

// truncate shortens a line for a log message.
func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
