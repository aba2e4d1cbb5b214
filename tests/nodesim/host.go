package nodesim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"zabkafka/log"
	"zabkafka/node"
	"zabkafka/zab"
)

// host runs one node's process: a node.Server driven the way node.Run's
// event loop drives it (lines as they arrive, one core tick per Tick,
// Process after each wake-up, the next wake-up at the earlier of the
// next tick and NextWake), its stdout, and its disk. A crash throws the
// Server away; a restart is a new Server over the same disk, initialized
// again, as Maelstrom restarts a killed node.
type host struct {
	s     *Sim
	name  string
	id    zab.PeerID
	index int
	disk  *disk

	srv *node.Server
	out bytes.Buffer // the process's stdout
	up  bool
	// paused is true while the process is stopped (Plan.Pause): lines
	// for it wait in inbox, and it does not step. pauseGen tells a
	// resume which pause it ends.
	paused   bool
	pauseGen uint64
	starts   int // how many times the process started
	inited   bool
	inbox    [][]byte // lines delivered since the last step

	nextTick time.Duration
	cfg      node.Config
	// The one pending step: wakeAt and the generation that identifies
	// it; a step event of an older generation is stale and ignored.
	wakeAt  time.Duration
	wakeGen uint64
	pending bool
	// crashMark is how much of out had been written when the disk
	// crashed mid-step: only that much left the process.
	crashMark int
}

// start launches the node's process over its disk and sends it init.
func (h *host) start() {
	s := h.s
	h.cfg = s.nodeConfig(h)
	srv, err := node.NewServer(h.cfg, &h.out, s.logger.With("node", h.name, "run", h.starts))
	if err != nil {
		s.fail(true, "%s: %v", h.name, err)
		return
	}
	st := h.disk.open()
	srv.SetStoreOpener(func(id string) (log.Store, error) {
		if id != h.name {
			return nil, fmt.Errorf("init names %q, this is %s's disk", id, h.name)
		}
		return st, nil
	})
	h.srv, h.up, h.inited, h.paused = srv, true, false, false
	h.starts++
	h.out.Reset()
	h.nextTick = s.now + h.cfg.Tick
	s.record(Event{Kind: KindStart, From: h.name, Note: fmt.Sprintf("run %d, durable last %v", h.starts, zab.Zxid(h.disk.mem.DurableLastZxid()))})
	h.inbox = append(h.inbox, s.admin.initLine(h))
	h.wake(s.now)
}

// kill ends the process: nothing it has not yet written leaves, lines on
// their way to it are lost, its disk keeps what disk.crash decided.
func (h *host) kill(why string) {
	if !h.up {
		return
	}
	h.up, h.srv, h.inited, h.inbox, h.pending, h.paused = false, nil, false, nil, false, false
	h.wakeGen++
	h.pauseGen++
	h.out.Reset()
	h.s.record(Event{Kind: KindCrash, From: h.name, Note: why})
}

// pause stops the process for d, as SIGSTOP does: it keeps its state
// and everything sent to it, but reads, writes and decides nothing
// until it resumes. A kill meanwhile ends the pause with the process;
// pausing a stopped process does nothing.
func (h *host) pause(d time.Duration) {
	if !h.up || h.paused {
		return
	}
	s := h.s
	h.paused = true
	h.pauseGen++
	gen := h.pauseGen
	s.stats.Pauses++
	s.record(Event{Kind: KindFault, From: h.name, Note: fmt.Sprintf("pause %s for %v", h.name, d)})
	s.at(s.now+d, func() { h.resume(gen) })
}

// resume continues the process stopped by pause number gen (if it is
// still that one): it reads every line that waited, with its clock
// jumped by the pause. A client's request that waited is judged by
// checkReply from now, when the node reads it: it could not have
// answered sooner, and a stopped process cannot see its clients give up
// (the workbench excuses such replies in the same way, net.excused).
func (h *host) resume(gen uint64) {
	if !h.up || !h.paused || gen != h.pauseGen {
		return
	}
	s := h.s
	h.paused = false
	s.record(Event{Kind: KindFault, From: h.name, Note: fmt.Sprintf("resume %s with %d lines waiting", h.name, len(h.inbox))})
	for _, l := range h.inbox {
		var req struct {
			Src  string `json:"src"`
			Body struct {
				MsgID *int64 `json:"msg_id"`
			} `json:"body"`
		}
		if json.Unmarshal(l, &req) != nil || req.Body.MsgID == nil {
			continue
		}
		k := askKey{req.Src, *req.Body.MsgID}
		if _, ok := s.asked[k]; ok { // only clients' requests are in asked
			s.asked[k] = s.now
		}
	}
	h.wake(s.now)
}

// wake makes sure the node steps at t or earlier.
func (h *host) wake(t time.Duration) {
	if h.pending && h.wakeAt <= t {
		return
	}
	h.wakeGen++
	gen := h.wakeGen
	h.wakeAt, h.pending = t, true
	h.s.at(t, func() {
		if gen == h.wakeGen {
			h.pending = false
			h.step()
		}
	})
}

// deliver hands a line to the process; it handles it at once, with
// whatever else arrived at the same time.
func (h *host) deliver(line []byte) {
	h.inbox = append(h.inbox, line)
	h.wake(h.s.now)
}

// step is one iteration of node.Run's loop: every waiting line, at most
// one tick, Process, then the output goes on the network.
func (h *host) step() {
	if !h.up || h.paused {
		return
	}
	s := h.s
	now := s.wall()
	in := h.inbox
	h.inbox = nil
	srv := h.srv
	s.guard(h.name, func() {
		for _, l := range in {
			srv.HandleLine(l, now)
		}
		if s.now >= h.nextTick {
			srv.Tick(now)
			h.nextTick += h.cfg.Tick
			if s.now > h.nextTick {
				h.nextTick = s.now + h.cfg.Tick
			}
		}
		srv.Process(now)
	})
	if s.fatal {
		return
	}
	out := h.out.Bytes()
	if h.disk.crashed {
		out = out[:h.crashMark]
	}
	for _, l := range lines(out) {
		h.route(l)
	}
	h.out.Reset()
	if h.disk.crashed {
		h.kill(h.disk.crashNote)
		return
	}
	next := h.nextTick
	if at, ok := srv.NextWake(); ok {
		w := s.wallToSim(at)
		if w <= s.now {
			s.fail(true, "%s: NextWake %v is not after now %v: node.Run's loop would spin", h.name, w, s.now)
			return
		}
		next = min(next, w)
	}
	h.wake(next)
}

// checkReply fails the run if a reply leaves after its client gave up:
// more than Maelstrom's client timeout after the client sent the
// request. Maelstrom closes such a client, and a line to it ends the
// reading of the node's stdout (docs/running.md, "Nothing to a client
// after it gave up"). Requests the network delivered late are not
// judged: the node cannot know how long they travelled.
func (h *host) checkReply(env envelope) {
	var body struct {
		InReplyTo *int64 `json:"in_reply_to"`
	}
	if json.Unmarshal(env.Body, &body) != nil || body.InReplyTo == nil {
		return
	}
	s := h.s
	sent, ok := s.asked[askKey{env.Dest, *body.InReplyTo}]
	if ok && s.now-sent > rpcTimeout {
		s.fail(true, "%s answered %s's request %d %v after it was sent, after the client gave up at %v: %.300s",
			h.name, env.Dest, *body.InReplyTo, s.now-sent, rpcTimeout, env.Body)
	}
}

// envelope is a Maelstrom message with its body left encoded.
type envelope struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

// route sends one line the node wrote: to a node, to a client or to the
// harness's own client. Anything else is a node bug.
func (h *host) route(line []byte) {
	s := h.s
	var env envelope
	if err := json.Unmarshal(line, &env); err != nil || env.Body == nil {
		s.fail(true, "%s wrote a line that is not a Maelstrom message (%v): %.300s", h.name, err, line)
		return
	}
	if env.Src != h.name {
		s.fail(true, "%s wrote a message from %q: %.300s", h.name, env.Src, line)
		return
	}
	if to := s.byName[env.Dest]; to != nil {
		s.net.nodeLine(h, to, line)
		return
	}
	if s.isClient(env.Dest) {
		h.checkReply(env)
		s.net.clientLine(h.name, env.Dest, line, false)
		return
	}
	s.fail(true, "%s wrote to unknown destination %q: %.300s", h.name, env.Dest, line)
}
