package net

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The process faults of the kill and pause nemeses. Each acts on the
// named nodes that are in a state it applies to and returns those it
// acted on, in node order; ids that are unknown or in another state are
// skipped (Jepsen's db nemesis acts on the nodes its spec picked,
// whatever they are doing). One such operation runs at a time.

// Kill SIGKILLs the running processes of the given nodes (their whole
// process groups, paused or not) and waits for them to be reaped. From the
// moment it starts, client RPCs outstanding on those nodes return
// ErrNodeKilled and new ones ErrNodeDown without being sent; messages for
// a killed node wait in its mailbox and are discarded when it restarts.
// Lines the process wrote before it died are still read and delivered.
func (c *Cluster) Kill(ids []string) []string {
	c.nemesisMu.Lock()
	defer c.nemesisMu.Unlock()
	c.mu.Lock()
	if c.stopping {
		c.mu.Unlock()
		return nil
	}
	now := c.net.now()
	var victims []*clusterNode
	var procs []*nodeProc
	for _, n := range c.pick(ids) {
		if n.proc == nil || n.proc.hasExited() {
			continue
		}
		n.gate.kill(now)
		n.proc.kill()
		victims = append(victims, n)
		procs = append(procs, n.proc)
	}
	c.mu.Unlock()
	deadline := time.Now().Add(killTimeout)
	out := make([]string, len(victims))
	for i, n := range victims {
		if err := procs[i].finish(deadline); err != nil {
			c.cfg.Logf("kill: %v", err)
		}
		c.mu.Lock()
		if n.proc == procs[i] {
			n.proc = nil
		}
		c.mu.Unlock()
		n.log.mark(time.Now(), c.runTime(), "killed (SIGKILL to the process group)")
		out[i] = n.id
	}
	return out
}

// Pause SIGSTOPs the running, serving, not yet paused processes of the
// given nodes. A paused node stays on the network: messages for it queue
// in its stdin pipe and its clients time out, as with a real stalled
// process. Its replies after Resume to clients that gave up meanwhile are
// not faults (see Faults).
func (c *Cluster) Pause(ids []string) []string {
	c.nemesisMu.Lock()
	defer c.nemesisMu.Unlock()
	return c.signal(ids, "paused (SIGSTOP to the process group)", func(n *clusterNode) bool {
		if !n.gate.serving.Load() || n.gate.isPaused() {
			return false
		}
		if err := n.proc.pause(); err != nil {
			c.cfg.Logf("pause %s: %v", n.id, err)
			return false
		}
		n.gate.pause(c.net.now())
		return true
	})
}

// Resume SIGCONTs the paused processes of the given nodes.
func (c *Cluster) Resume(ids []string) []string {
	c.nemesisMu.Lock()
	defer c.nemesisMu.Unlock()
	return c.signal(ids, "resumed (SIGCONT to the process group)", func(n *clusterNode) bool {
		if !n.gate.isPaused() {
			return false
		}
		if err := n.proc.resume(); err != nil {
			c.cfg.Logf("resume %s: %v", n.id, err)
			return false
		}
		n.gate.resume(c.net.now())
		return true
	})
}

// signal applies act to each given node with a live process, marking the
// log of each it acted on.
func (c *Cluster) signal(ids []string, mark string, act func(*clusterNode) bool) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping {
		return nil
	}
	var out []string
	for _, n := range c.pick(ids) {
		if n.proc == nil || n.proc.hasExited() || !act(n) {
			continue
		}
		n.log.mark(time.Now(), c.runTime(), mark)
		out = append(out, n.id)
	}
	return out
}

// Restart starts a new process for each given node that has none running
// (killed, or crashed), with the same binary, arguments and working
// directory, appending to the same log after a marker line, and sends it
// init as Maelstrom does for a fresh process (M:db.clj setup!), waiting
// for init_ok (Config.InitTimeout). Messages queued for the node while it
// was down are discarded first; until init_ok, messages from other nodes
// and services are dropped and client RPCs fail with ErrNodeDown. It
// returns the nodes now serving. A node whose new process does not answer
// init is killed again, stays down, and is recorded as a
// FaultRestartFailed (Crashed lists it); the error names such nodes.
func (c *Cluster) Restart(ctx context.Context, ids []string) ([]string, error) {
	c.nemesisMu.Lock()
	defer c.nemesisMu.Unlock()
	c.mu.Lock()
	if c.stopping {
		c.mu.Unlock()
		return nil, ErrStopped
	}
	var todo []*clusterNode
	var dead []*nodeProc // crashed processes still to be cleaned up
	for _, n := range c.pick(ids) {
		if n.proc != nil && !n.proc.hasExited() {
			continue
		}
		if n.proc != nil {
			dead = append(dead, n.proc)
		}
		todo = append(todo, n)
	}
	c.mu.Unlock()
	if len(todo) == 0 {
		return nil, nil
	}
	deadline := time.Now().Add(killTimeout)
	for _, p := range dead {
		_ = p.finish(deadline)
	}

	var errs []error
	var starting []*clusterNode
	c.mu.Lock()
	if c.stopping {
		c.mu.Unlock()
		return nil, ErrStopped
	}
	for _, n := range todo {
		n.gate.restarting(c.net.now())
		dropped := n.link.mb.discard()
		n.log.mark(time.Now(), c.runTime(), fmt.Sprintf("restarting: process %d of %s (%d messages queued while it was down discarded)", n.starts+1, n.id, dropped))
		if err := c.launch(n); err != nil {
			n.proc = nil
			n.gate.down()
			errs = append(errs, c.restartFailed(n, err))
			continue
		}
		starting = append(starting, n)
	}
	c.mu.Unlock()

	var started []string
	for i, err := range c.initEach(ctx, starting) {
		n := starting[i]
		if err == nil {
			n.gate.serve(c.net.now())
			n.log.mark(time.Now(), c.runTime(), "restarted: init_ok received")
			started = append(started, n.id)
			continue
		}
		c.mu.Lock()
		p := n.proc
		n.proc = nil
		n.gate.down()
		c.mu.Unlock()
		if p != nil {
			p.kill()
			_ = p.finish(time.Now().Add(killTimeout))
		}
		errs = append(errs, c.restartFailed(n, err))
	}
	return started, errors.Join(errs...)
}

// restartFailed records a failed restart and returns its error.
func (c *Cluster) restartFailed(n *clusterNode, err error) error {
	if errors.Is(err, ErrStopped) || c.net.isStopped() {
		return err // teardown, not the node's fault
	}
	c.faults.add(Fault{
		Node:   n.id,
		Time:   time.Duration(c.net.now()),
		Kind:   FaultRestartFailed,
		Detail: err.Error(),
	})
	n.log.mark(time.Now(), c.runTime(), "restart failed: "+err.Error())
	c.cfg.Logf("WARNING: restarting node %s failed: %v", n.id, err)
	return fmt.Errorf("restarting %s: %w", n.id, err)
}

// pick returns the known nodes among ids, once each, in node order.
func (c *Cluster) pick(ids []string) []*clusterNode {
	var out []*clusterNode
	for _, n := range c.nodes {
		if slices.Contains(ids, n.id) {
			out = append(out, n)
		}
	}
	return out
}

// SetRunStart tells the cluster when the run's clock starts, so the
// markers it writes in node logs also give the run time history.txt uses.
func (c *Cluster) SetRunStart(t time.Time) { c.runStart.Store(t.UnixNano()) }

// runTime is the time since SetRunStart, or -1 before it was called.
func (c *Cluster) runTime() time.Duration {
	s := c.runStart.Load()
	if s == 0 {
		return -1
	}
	return time.Duration(time.Now().UnixNano() - s)
}

// StaleReplies counts, per node, the messages it sent to clients that had
// already left, excused because the node was killed, restarting or paused
// while the client was open (a stopped process cannot see its clients
// give up). Nodes with none are absent.
func (c *Cluster) StaleReplies() map[string]int64 {
	out := map[string]int64{}
	for _, n := range c.nodes {
		if k := n.gate.stale.Load(); k > 0 {
			out[n.id] = k
		}
	}
	return out
}

// Dir returns the working directory of a node's processes ("" for an
// unknown node).
func (c *Cluster) Dir(node string) string {
	if n := c.byID[node]; n != nil {
		return n.dir
	}
	return ""
}
