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
	cfg     Config
	base    *slog.Logger // before init
	logger  *slog.Logger // after init: tagged with the node id
	out     *lineWriter
	openLog StoreOpener // nil: a FileStore under DataDir, or memory

	// Set by init.
	members members
	store   log.Store
	peer    *zab.Peer
	kafka   *kafka.State
	failed  error // a storage failure: the node stops taking part (fail-stop)
	// status is the peer's soft state as its Readies reported it: every
	// decision the node takes by role (dispatch, hold, reads) reads it.
	// Its LastZxid and Committed are those of the last change only.
	status zab.Status

	reqs   requests  // our clients' writes: identities and those awaiting an answer
	queue  opQueue   // operations waiting to be proposed or forwarded
	outbox outbox    // messages and forwards waiting for the next flush
	pace   pacer     // when the queue is dispatched and the outbox flushed
	fresh  freshness // when each peer was last heard from: reads' staleness bound
	snaps  snapshots // when the kafka state was last saved
	stats  stats     // counters for the periodic stats line
	// delegated are the followers' sends this leader answers
	// (Config.LeaderReplies, delegate.go).
	delegated delegations
	// answered lists the clients answer acknowledged a write to during
	// one Process: the follower's hold waits for their next writes.
	answered []string
	pollBuf  []byte // reused for encoding poll replies
	// polls are the polls being answered a step at a time, oldest
	// first; pollWake is when Process takes the next step.
	polls    []*pollJob
	pollWake time.Time
}

// NewServer returns a node that writes its messages to out and its log
// lines to logger (nil: discard). It does nothing until the init message.
// Each Process writes what it has to out, messages to other nodes first.
func NewServer(cfg Config, out io.Writer, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{
		cfg:    cfg,
		base:   logger,
		logger: logger,
		out:    newLineWriter(writerSink{out}),
		reqs:   requests{pendingTable: newPendingTable()},
		outbox: newOutbox(cfg.MaxBatch, cfg.MaxBatchBytes),
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
		s.handlePoll(in, now)
	case typeCommitOffsets:
		s.handleCommitOffsets(in, now)
	case typeListCommittedOffsets:
		s.handleListCommittedOffsets(in, now)
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
	case s.members.id != "" && in.dest != s.members.id:
		return refuse(maelstrom.MalformedRequest, fmt.Sprintf("message for %q delivered to %s", in.dest, s.members.id))
	case s.members.id == "" && in.typ != typeInit:
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
// Ready contract needs: expire overdue requests; dispatch the queued
// operations if the pacer allows it; drive the peer's Ready (persist,
// queue messages, apply what committed and answer our clients); send the
// coalesced outbox if the pacer allows it. Output is flushed at the end
// of every call.
//
// The dispatch comes before the Ready, so that one Ready carries what
// the input did and what the dispatch added: a leader's next round
// leaves in the same message as the commit of the last one, and a
// follower's forwards in the same message as the ACK the input called
// for. The leader reads the rounds its input committed from the core's
// commit point, before they are delivered.
func (s *Server) Process(now time.Time) {
	if s.peer != nil {
		s.expireRequests(now)
	}
	if s.peer != nil && s.failed == nil {
		s.answered = s.answered[:0]
		if s.status.Role == zab.RoleLeading {
			s.pace.committed(uint64(s.peer.CommitPoint()), now)
		}
		if s.queue.len() > 0 && s.pace.dispatchDue(now) {
			s.dispatch(now)
		}
		s.drainReady(now)
		if s.queue.len() > 0 && s.failed == nil && s.pace.dispatchDue(now) {
			// The Ready made queued operations routable (a leader
			// established, or found): they go now.
			s.dispatch(now)
			s.drainReady(now)
		}
		if s.status.Role == zab.RoleFollowing {
			s.pace.startHold(now, s.answered)
		}
		s.flushPeersIfDue(now)
		if s.queue.len() > 0 {
			// Operations that waited HoldTimeout are refused, whatever
			// kept them: no leader, the back-off, the pacer.
			s.expireHeld(now)
		}
		s.pace.processed()
		s.maybeSnapshot()
		s.maybeLogStats(now)
	}
	s.stepPolls(now)
	s.out.flushOrReport(s.logger)
}

// flushPeersIfDue sends the coalesced outbox if the pacer lets a flush
// happen now: at the end of Process, and before a leader's own sync for
// the proposals it sends first (handleReady). It reports whether it did.
func (s *Server) flushPeersIfDue(now time.Time) bool {
	if s.outbox.empty() || s.failed != nil || !s.pace.flushDue(now) {
		return false
	}
	s.flushOutbox()
	s.pace.flushed(now)
	return true
}

// NextWake is when Process next has work that no input or tick will
// bring (pacer.next): the next step of a poll answered in steps
// (pollJob), a dispatch or a flush the pacer holds back, or the hold
// timeout of a queued operation. ok is false when nothing waits. It is
// never a time Process has already dealt with, so a loop that sleeps
// until it cannot spin; while polls are in steps, it is just after the
// last Process, and the loop goes straight on.
func (s *Server) NextWake() (at time.Time, ok bool) {
	if s.peer != nil && s.failed == nil {
		w := waiting{outbox: !s.outbox.empty()}
		if s.queue.len() > 0 {
			_, _, w.routable = s.dispatchTarget()
			w.queued, w.expireAt = true, s.queue.ops[0].since.Add(s.cfg.HoldTimeout)
		}
		at, ok = s.pace.next(w)
	}
	if len(s.polls) > 0 && (!ok || s.pollWake.Before(at)) {
		at, ok = s.pollWake, true
	}
	return at, ok
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
	for _, q := range s.queue.ops {
		s.refuseQueued(q.op, "node stopped after a storage failure")
	}
	s.queue.drop(s.queue.len())
}

// truncate shortens a line for a log message.
func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
