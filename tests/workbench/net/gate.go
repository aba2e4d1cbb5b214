package net

import (
	"math"
	"sync"
	"sync/atomic"
)

// gate is the network's view of one node across its processes: whether
// the current process may be talked to, the channel that tells the RPCs
// waiting on it that it was killed, and when the node was out of action
// (killed, restarting or paused), which excuses its late replies to
// clients that gave up meanwhile (see excused).
type gate struct {
	mu    sync.Mutex
	state gateState
	// killed is closed when the serving process is killed; each serving
	// process gets a fresh one.
	killed chan struct{}
	paused bool
	// out lists the spans, in network ns, during which the node was killed,
	// restarting or paused; the last one has end math.MaxInt64 while open.
	out []span

	serving atomic.Bool // state == gateServing, for the delivery loop's lock-free check
	stale   atomic.Int64
}

// span is a stretch of network time [start, end].
type span struct{ start, end int64 }

// gateState is what a node's current process can do.
type gateState int

const (
	// gateServing: the process answered init (or is starting with the
	// cluster); everything is delivered and clients may call it.
	gateServing gateState = iota
	// gateDown: killed. Client RPCs fail at once without being sent;
	// messages for the node wait in its mailbox and are discarded at the
	// restart.
	gateDown
	// gateRestarting: a new process is starting. Only its init client's
	// messages reach it; messages from nodes and services are dropped, so
	// the process sees init first; client RPCs fail as when down.
	gateRestarting
)

func newGate() *gate {
	g := &gate{killed: make(chan struct{})}
	g.serving.Store(true)
	return g
}

// enter is a client RPC's check before it sends: it returns the channel
// closed if the node is killed while the RPC waits, and false if the node
// is not serving (the request must not be sent).
func (g *gate) enter() (<-chan struct{}, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.killed, g.state == gateServing
}

// kill marks the node down at now and wakes every RPC waiting on it.
func (g *gate) kill(now int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state == gateServing {
		close(g.killed)
	}
	g.state = gateDown
	g.serving.Store(false)
	g.paused = false
	g.openSpan(now)
}

// restarting marks the start of a new process.
func (g *gate) restarting(now int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state == gateServing {
		close(g.killed) // a crashed process's waiters learn it too
	}
	g.state = gateRestarting
	g.serving.Store(false)
	g.openSpan(now)
}

// down marks a node whose restart failed.
func (g *gate) down() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.state = gateDown
	g.serving.Store(false)
}

// serve marks the new process as serving (it answered init) at now.
func (g *gate) serve(now int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state != gateServing {
		g.killed = make(chan struct{})
	}
	g.state = gateServing
	g.serving.Store(true)
	if !g.paused {
		g.closeSpan(now)
	}
}

// pause and resume record SIGSTOP and SIGCONT at now.
func (g *gate) pause(now int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.paused = true
	g.openSpan(now)
}

func (g *gate) resume(now int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.paused = false
	if g.state == gateServing {
		g.closeSpan(now)
	}
}

// isPaused reports whether the node's process was stopped by pause.
func (g *gate) isPaused() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paused
}

func (g *gate) openSpan(now int64) {
	if n := len(g.out); n > 0 && g.out[n-1].end == math.MaxInt64 {
		return // already out of action
	}
	g.out = append(g.out, span{start: now, end: math.MaxInt64})
}

func (g *gate) closeSpan(now int64) {
	if n := len(g.out); n > 0 && g.out[n-1].end == math.MaxInt64 {
		g.out[n-1].end = now
	}
}

// outDuring reports whether the node was out of action at some moment of
// [from, to].
func (g *gate) outDuring(from, to int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range g.out {
		if s.start <= to && s.end >= from {
			return true
		}
	}
	return false
}
