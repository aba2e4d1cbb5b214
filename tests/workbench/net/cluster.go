package net

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Cluster is a running simulated Maelstrom network with its node processes,
// the built-in services and the clients opened on it. All methods are safe
// for concurrent use.
type Cluster struct {
	cfg    resolved
	net    *network
	faults faultLog
	nodes  []*clusterNode // in NodeIDs order
	byID   map[string]*clusterNode
	echo   io.Writer // LogStderr copies, nil when off

	workDir     string // each node runs in workDir/<id>
	tempWorkDir bool   // workDir was made by Start and is removed by Stop

	// mu guards every clusterNode's proc and starts, and stopping.
	mu       sync.Mutex
	stopping bool
	// nemesisMu lets one of Kill, Pause, Resume and Restart run at a time.
	nemesisMu sync.Mutex
	runStart  atomic.Int64 // SetRunStart's time, unix ns; 0 when unset

	nextClient atomic.Int64 // the next client number
	cpu        atomic.Int64 // user+system CPU of every reaped node process, ns
	setup      []*Client    // Jepsen's per-node setup clients, held until Stop
	services   sync.WaitGroup

	stopOnce sync.Once
	stopErr  error
}

// clusterNode is one node id across the processes the nemesis kills and
// restarts: its network link and gate, its log, its working directory,
// and its current process.
type clusterNode struct {
	id   string
	link *nodeLink
	gate *gate
	log  *nodeLog // nil without a LogDir
	dir  string
	proc *nodeProc // the current process; nil while killed (Cluster.mu)
	// starts counts the processes started for this node (Cluster.mu).
	starts int
}

// Start registers the services (lin-kv, seq-kv, lww-kv, lin-tso), launches
// every node in its own working directory (Config.WorkDir), sends init to
// each through its own fresh client (c0..c{N-1}, client i for node i) and
// waits for init_ok (Config.InitTimeout, 10 s by default). If a node does
// not answer, answers with anything but init_ok, or exits, Start tears
// everything down and returns an error naming every such node. Then it
// opens the N per-node setup clients (cN..c{2N-1}, unused and kept open
// like Jepsen's) so worker client ids start at c{2N}. Cancelling ctx
// aborts Start and tears down what it started.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	r, err := resolve(cfg)
	if err != nil {
		return nil, fmt.Errorf("workbench net: %w", err)
	}
	c := &Cluster{
		cfg:     r,
		net:     newNetwork(r.latency, r.NodeIDs),
		byID:    map[string]*clusterNode{},
		workDir: r.WorkDir,
	}
	if c.workDir == "" {
		dir, err := os.MkdirTemp("", "workbench-nodes-")
		if err != nil {
			return nil, fmt.Errorf("workbench net: %w", err)
		}
		c.workDir, c.tempWorkDir = dir, true
	}
	if err := startServices(c.net, r.Seed, r.Logf, &c.services); err != nil {
		c.Stop()
		return nil, err
	}
	if r.LogStderr {
		c.echo = &lockedWriter{w: r.Stderr}
	}
	for _, id := range r.NodeIDs {
		n, err := c.addNode(id)
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("workbench net: %w", err)
		}
		c.mu.Lock()
		err = c.launch(n)
		c.mu.Unlock()
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("workbench net: %w", err)
		}
	}
	if err := c.initAll(ctx, c.nodes); err != nil {
		c.Stop()
		return nil, err
	}
	for range r.NodeIDs {
		c.setup = append(c.setup, c.OpenClient())
	}
	return c, nil
}

// addNode registers a node on the network (before its process starts, as
// Maelstrom does) and creates its working directory and log.
func (c *Cluster) addNode(id string) (*clusterNode, error) {
	n := &clusterNode{id: id, gate: c.net.gates[id], dir: filepath.Join(c.workDir, id)}
	if err := os.MkdirAll(n.dir, 0o755); err != nil {
		return nil, fmt.Errorf("node %s: working directory: %w", id, err)
	}
	if c.cfg.LogDir != "" {
		l, err := openNodeLog(filepath.Join(c.cfg.LogDir, id+".log"))
		if err != nil {
			return nil, fmt.Errorf("node %s: stderr log: %w", id, err)
		}
		n.log = l
	}
	c.nodes = append(c.nodes, n)
	c.byID[id] = n
	mb, err := c.net.join(id)
	if err != nil {
		return nil, err
	}
	n.link = &nodeLink{
		id:      id,
		net:     c.net,
		mb:      mb,
		gate:    n.gate,
		faults:  &c.faults,
		logf:    c.cfg.Logf,
		lenient: c.cfg.Lenient,
		rng:     seededRand(c.cfg.Seed, "latency", id),
	}
	return n, nil
}

// launch starts a new process for n, with the same binary and arguments
// every time. The caller holds c.mu.
func (c *Cluster) launch(n *clusterNode) error {
	p, err := launch(n.link, launchOptions{
		bin:    c.cfg.Bin,
		args:   c.cfg.Args,
		dir:    n.dir,
		log:    n.log,
		echo:   c.echo,
		logf:   c.cfg.Logf,
		faults: &c.faults,
		cpu:    &c.cpu,
	})
	if err != nil {
		return err
	}
	n.proc = p
	n.starts++
	return nil
}

// initAll runs the init handshake with every given node's current
// process in parallel (M:db.clj setup!) and closes the init clients
// afterwards.
func (c *Cluster) initAll(ctx context.Context, nodes []*clusterNode) error {
	errs := c.initEach(ctx, nodes)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("workbench net: start interrupted: %w", err)
	}
	return errors.Join(errs...)
}

// initEach sends init to each node's current process in parallel, each
// through its own fresh client, and returns each node's error.
func (c *Cluster) initEach(ctx context.Context, nodes []*clusterNode) []error {
	clients := make([]*Client, len(nodes))
	procs := make([]*nodeProc, len(nodes))
	c.mu.Lock()
	for i, n := range nodes {
		clients[i] = c.OpenClient()
		procs[i] = n.proc
	}
	c.mu.Unlock()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.initNode(ctx, clients[i], p)
		}()
	}
	wg.Wait()
	for _, cl := range clients {
		cl.Close()
	}
	return errs
}

// errNodeExited cancels an init RPC when the node's process ends.
var errNodeExited = errors.New("node process exited")

// initNode sends init to one node and checks the answer.
func (c *Cluster) initNode(ctx context.Context, cl *Client, p *nodeProc) error {
	ictx, cancel := context.WithTimeout(ctx, c.cfg.InitTimeout)
	defer cancel()
	ictx, cancelCause := context.WithCancelCause(ictx)
	defer cancelCause(nil)
	go func() {
		select {
		case <-p.exited:
			cancelCause(errNodeExited)
		case <-ictx.Done():
		}
	}()
	body := map[string]any{"type": "init", "node_id": p.id, "node_ids": c.cfg.NodeIDs}
	reply, err := cl.rpc(ictx, p.id, body, false) // a restarting node is not serving yet
	switch {
	case err == nil:
	case errors.Is(context.Cause(ictx), errNodeExited):
		return fmt.Errorf("node %s exited (%s) before answering init; last stderr lines:\n%s", p.id, p.exitDesc, p.tail.String())
	case IsTimeout(err):
		msg := fmt.Sprintf("node %s did not answer init within %v", p.id, c.cfg.InitTimeout)
		for _, f := range c.faults.all() {
			if f.Node == p.id && f.Kind != FaultCrash {
				msg += fmt.Sprintf("; its stdout was no longer read after a %s: %s (line: %q)", f.Kind, f.Detail, f.Line)
				break
			}
		}
		return errors.New(msg)
	default:
		return fmt.Errorf("node %s: init: %w", p.id, err)
	}
	if replyType(reply) != "init_ok" {
		return fmt.Errorf("node %s answered init with %s, expected an init_ok", p.id, truncate(reply, 300))
	}
	return nil
}

// replyType is a body's "type" (matched exactly, as Clojure's (:type
// body) is), or "" if it has none or it is not a string.
func replyType(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	t, err := unquote(m["type"])
	if err != nil {
		return ""
	}
	return string(t)
}

// OpenClient registers a fresh client with the next id "c<k>". After Stop
// it still returns a client, whose RPCs fail with ErrStopped.
func (c *Cluster) OpenClient() *Client {
	k := c.nextClient.Add(1) - 1
	return newClient(c.net, "c"+strconv.FormatInt(k, 10))
}

// Partition adds grudge (receiver node -> sender nodes it drops; M:net.clj
// jepsen-net) to the current partitions. Entries naming anything but the
// cluster's nodes are ignored (and logged): clients and services are never
// cut off.
func (c *Cluster) Partition(grudge map[string][]string) {
	if ignored := c.net.drop(grudge); len(ignored) > 0 {
		c.cfg.Logf("partition: ignoring pairs that are not node->node: %v", ignored)
	}
}

// Heal removes every partition.
func (c *Cluster) Heal() { c.net.heal() }

// Partitions returns the current partitions: receiver -> dropped senders.
func (c *Cluster) Partitions() map[string][]string { return c.net.partitions() }

// Counts returns the journal counts so far (M:net/checker.clj basic-stats).
func (c *Cluster) Counts() NetCounts { return c.net.counts.snapshot() }

// Faults returns, in the order they happened, the bad stdout lines that
// stopped (or, when lenient, did not stop) the reading of a node's stdout,
// and the node crashes.
func (c *Cluster) Faults() []Fault { return c.faults.all() }

// Crashed lists, once each and in the order it first happened, every node
// whose process exited during the run without being killed, or whose
// restart failed.
func (c *Cluster) Crashed() []string { return c.faults.crashed() }

// NodeCPU is the user and system CPU time the node processes used, every
// process that has been reaped counted (after Stop: all of them).
func (c *Cluster) NodeCPU() time.Duration { return time.Duration(c.cpu.Load()) }

// StartedAt is the origin of Fault.Time: the moment Start built the network.
func (c *Cluster) StartedAt() time.Time { return c.net.epoch }

// Nodes returns the node ids, in order.
func (c *Cluster) Nodes() []string { return append([]string(nil), c.cfg.NodeIDs...) }

// LogPath returns the stderr log of a node ("" without a LogDir).
func (c *Cluster) LogPath(node string) string {
	if c.cfg.LogDir == "" {
		return ""
	}
	return filepath.Join(c.cfg.LogDir, node+".log")
}

// Stop tears everything down: it stops all deliveries, services and
// pending RPCs, SIGKILLs every node (its whole process group, paused or
// not) with no warning, waits for each to be reaped (5 s at most, as
// Maelstrom), closes pipes and logs, and removes the working directories
// if Start made them. It is idempotent, safe to call concurrently with
// anything else (e.g. from a Ctrl-C handler, during a nemesis restart) and
// returns the same result every time: an error only if the teardown itself
// failed. Crashes are reported by Faults and Crashed, not by Stop.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		c.net.shutdown()
		c.mu.Lock()
		c.stopping = true
		var procs []*nodeProc
		for _, n := range c.nodes {
			if n.proc != nil {
				procs = append(procs, n.proc)
			}
		}
		c.mu.Unlock()
		for _, p := range procs {
			p.kill()
		}
		deadline := time.Now().Add(killTimeout)
		var errs []error
		for _, p := range procs {
			errs = append(errs, p.finish(deadline))
		}
		for _, n := range c.nodes {
			if err := n.log.close(); err != nil {
				errs = append(errs, fmt.Errorf("node %s: close log: %w", n.id, err))
			}
		}
		for _, cl := range c.setup {
			cl.Close()
		}
		done := make(chan struct{})
		go func() { c.services.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Second):
			errs = append(errs, errors.New("services did not stop"))
		}
		if c.tempWorkDir {
			if err := os.RemoveAll(c.workDir); err != nil {
				errs = append(errs, err)
			}
		}
		c.stopErr = errors.Join(errs...)
	})
	return c.stopErr
}

// lockedWriter serialises writes from the nodes' stderr loops.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
