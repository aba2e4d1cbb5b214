package nodesim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	kafkastate "zabkafka/log/kafka"
	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/kafka"
	"zabkafka/tests/workbench/schedule"
)

// The client threads are the workbench's own kafka clients
// (kafka.Client: the poll-then-commit, the local offsets, the
// classification of every outcome as Maelstrom's client does it), each
// run on a goroutine of its own because kafka.Client makes blocking RPCs.
// The goroutines never run alongside the Sim: the Sim hands a thread a
// request, or an RPC's reply, and then waits until that thread either
// makes its next RPC or finishes the operation. Only one goroutine runs
// at any time, and in an order the simulation alone decides, so the run
// stays deterministic.

// clients is the workload side of a Sim: the generators, the threads and
// the history.
type clients struct {
	s       *Sim
	gen     *kafka.Generator
	finals  []*kafka.FinalThread
	threads []*thread
	conns   map[string]*conn // by client id
	nextID  int              // client ids are c1, c2, ...; c0 is the harness's own
	cursor  int              // round-robin start for the next free-thread search
	hist    history.History
	done    int // completions so far (waitUntil watches it)
	// asked is when each request the network delivered in time was sent
	// (host.checkReply).
	asked map[askKey]time.Duration
}

// askKey names one client request.
type askKey struct {
	client string
	msgID  int64
}

// thread is one client thread as Jepsen's interpreter sees it.
type thread struct {
	index   int
	node    string // nodes[index mod N], fixed, as in Maelstrom
	process int    // index, then + concurrency after each info completion
	busy    bool
	final   bool
	inv     history.Op
	conn    *conn // the client's connection; a new one for a new process
	// connProcess is the process conn was opened for.
	connProcess int
	client      *kafka.Client
	w           *worker
}

// worker is the goroutine that runs one thread's kafka.Client.
type worker struct {
	jobs   chan job       // Sim -> worker: an operation to perform
	yield  chan yieldMsg  // worker -> Sim: an RPC to make, or the outcome
	resume chan rpcResult // Sim -> worker: the RPC's reply or its failure
}

type job struct {
	client *kafka.Client
	req    kafka.Request
}

type yieldMsg struct {
	call *rpcCall
	done *kafka.Outcome
}

type rpcCall struct {
	dest string
	body map[string]any
}

type rpcResult struct {
	body json.RawMessage
	err  error
}

// run performs operations until jobs is closed.
func (w *worker) run() {
	for j := range w.jobs {
		out := j.client.Invoke(context.Background(), j.req)
		w.yield <- yieldMsg{done: &out}
	}
}

// conn is one client's connection, a kafka.Conn whose RPCs travel the
// simulated network. Its RPC runs on the worker goroutine and only
// passes messages; the Sim does the rest.
type conn struct {
	id      string
	w       *worker
	t       *thread
	msgID   int64
	waiting int64 // the msg_id of the RPC in flight, 0 if none
	timeout uint64
}

// errRPCTimeout is an RPC that got no reply within Maelstrom's client
// timeout, simulated.
var errRPCTimeout = errors.New("simulated RPC timeout")

// errAborted ends an RPC of a run that stopped.
var errAborted = errors.New("simulation stopped")

func isRPCTimeout(err error) bool { return errors.Is(err, errRPCTimeout) }

// RPC implements kafka.Conn. It ignores ctx: the Sim enforces the
// deadline on the simulated clock.
func (c *conn) RPC(_ context.Context, dest string, body map[string]any) (json.RawMessage, error) {
	c.w.yield <- yieldMsg{call: &rpcCall{dest: dest, body: body}}
	r := <-c.w.resume
	return r.body, r.err
}

// realTimeout is the kafka.Client's own (wall-clock) timeout: far
// beyond any run, so that only the simulated deadline ever fires.
const realTimeout = 24 * time.Hour

func (c *clients) init(s *Sim) {
	c.s = s
	c.conns = map[string]*conn{}
	c.asked = map[askKey]time.Duration{}
	c.gen = kafka.NewGenerator(kafka.Config{Concurrency: s.plan.Concurrency}, schedule.Rand(s.seed, schedule.Workload))
	for i := range s.plan.Concurrency {
		w := &worker{jobs: make(chan job), yield: make(chan yieldMsg), resume: make(chan rpcResult)}
		c.threads = append(c.threads, &thread{index: i, node: s.names[i%len(s.names)], process: i, w: w})
	}
}

// startWorkers starts the threads' goroutines; stopWorkers ends them.
func (c *clients) startWorkers() {
	for _, t := range c.threads {
		go t.w.run()
	}
}

// stopWorkers unblocks every thread still in an RPC (a run that stopped
// early) and ends the goroutines.
func (c *clients) stopWorkers() {
	for _, t := range c.threads {
		for t.busy {
			t.conn.waiting = 0
			t.w.resume <- rpcResult{err: errAborted}
			if y := <-t.w.yield; y.done != nil {
				t.busy = false
			}
		}
		close(t.w.jobs)
	}
}

// isClient reports whether id names a client connection or the harness.
func (c *clients) isClient(id string) bool {
	return id == adminID || c.conns[id] != nil
}

// freeThread returns the first free thread at or after the cursor.
func (c *clients) freeThread() *thread {
	for i := range c.threads {
		if t := c.threads[(c.cursor+i)%len(c.threads)]; !t.busy {
			return t
		}
	}
	return nil
}

// busy counts threads with an operation in flight.
func (c *clients) busy() int {
	n := 0
	for _, t := range c.threads {
		if t.busy {
			n++
		}
	}
	return n
}

// dispatch records req's invocation and starts it on thread t, which
// opens a fresh client (a new client id) for its first operation and
// after each info completion, as Jepsen's worker does with a client that
// cannot be reused.
func (c *clients) dispatch(t *thread, req kafka.Request, final bool) {
	inv := req.Invocation()
	inv.Process = t.process
	c.s.recordOp(&inv)
	c.s.record(Event{Kind: KindClient, Note: fmt.Sprintf("invoke p%d %s", t.process, describeOp(inv))})
	t.busy, t.inv, t.final = true, inv, final
	if t.conn == nil || t.connProcess != t.process {
		c.nextID++
		cn := &conn{id: "c" + strconv.Itoa(c.nextID), w: t.w, t: t}
		c.conns[cn.id] = cn
		t.conn, t.connProcess = cn, t.process
		t.client = kafka.NewClient(cn, t.node, realTimeout, isRPCTimeout)
	}
	t.w.jobs <- job{client: t.client, req: req}
	c.cursor = (c.cursor + 1) % len(c.threads)
	c.await(t)
}

// await lets thread t's goroutine run until it makes an RPC, which is
// sent, or finishes its operation, which is recorded.
func (c *clients) await(t *thread) {
	y := <-t.w.yield
	if y.done != nil {
		c.complete(t, *y.done)
		return
	}
	c.issue(t, y.call)
}

// issue sends an RPC of thread t's client and sets its deadline.
func (c *clients) issue(t *thread, call *rpcCall) {
	s := c.s
	cn := t.conn
	cn.msgID++
	id := cn.msgID
	call.body["msg_id"] = id
	line, err := json.Marshal(map[string]any{"src": cn.id, "dest": call.dest, "body": call.body})
	if err != nil {
		s.fail(true, "client %s: encode request: %v", cn.id, err)
		return
	}
	cn.waiting = id
	cn.timeout++
	gen := cn.timeout
	s.at(s.now+rpcTimeout, func() {
		if cn.waiting == id && cn.timeout == gen {
			cn.waiting = 0
			c.resume(t, rpcResult{err: errRPCTimeout})
		}
	})
	if !s.net.clientLine(cn.id, call.dest, line, true) {
		s.asked[askKey{cn.id, int64(id)}] = s.now
	}
}

// resume hands an RPC's outcome to its thread and waits for it again.
func (c *clients) resume(t *thread, r rpcResult) {
	t.w.resume <- r
	c.await(t)
}

// staleText is how a reply says its request was refused as stale.
var staleText = []byte(kafkastate.ErrStale.Error())

// clientReceive takes a line a node sent to a client: the reply the
// client waits for resumes it; anything else (a reply after the
// deadline, a second copy, a reply to a client that has moved on) is
// dropped, as Maelstrom's client drops it.
func (c *clients) clientReceive(id string, line []byte) {
	s := c.s
	if id == adminID {
		s.admin.receive(line)
		return
	}
	cn := c.conns[id]
	var env envelope
	if err := json.Unmarshal(line, &env); err != nil {
		s.fail(true, "reply to %s is not a Maelstrom message (%v): %.300s", id, err, line)
		return
	}
	var hdr struct {
		InReplyTo *int64 `json:"in_reply_to"`
	}
	_ = json.Unmarshal(env.Body, &hdr)
	if bytes.Contains(env.Body, staleText) {
		s.stats.StaleReplies++
	}
	if cn == nil || cn.waiting == 0 || hdr.InReplyTo == nil || *hdr.InReplyTo != cn.waiting {
		return
	}
	cn.waiting = 0
	c.resume(cn.t, rpcResult{body: env.Body})
}

// complete records one completion, feeds it to the generator that made
// the operation, and gives the thread a new process after an info
// completion (Jepsen's interpreter, as the workbench runner does).
func (c *clients) complete(t *thread, out kafka.Outcome) {
	s := c.s
	op := out.Complete(t.inv)
	s.recordOp(&op)
	s.record(Event{Kind: KindClient, Note: fmt.Sprintf("%s p%d %s", op.Type, t.process, describeOp(op))})
	t.busy = false
	if t.final {
		c.finals[t.index].Observe(op)
	} else {
		c.gen.Observe(op)
	}
	s.stats.Ops++
	switch op.Type {
	case history.OK:
		s.stats.OK++
	case history.Fail:
		s.stats.Fail++
	case history.Info:
		s.stats.Info++
		t.process += len(c.threads)
	}
	c.done++
}

// describeOp renders an operation for the trace.
func describeOp(op history.Op) string {
	b, _ := json.Marshal(struct {
		F      string                    `json:"f"`
		Key    string                    `json:"key,omitempty"`
		Msg    int64                     `json:"msg,omitempty"`
		Offset *int64                    `json:"offset,omitempty"`
		Polls  map[string][]history.Pair `json:"polls,omitempty"`
		Keys   []string                  `json:"keys,omitempty"`
		Error  string                    `json:"error,omitempty"`
	}{op.F, op.Key, op.Msg, op.Offset, op.Polls, op.Keys, op.Error})
	return truncate(string(b), 300)
}
