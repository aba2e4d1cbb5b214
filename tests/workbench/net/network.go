package net

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// ErrUnknownMember is wrapped by a send whose source or destination is not
// (or no longer) registered: Maelstrom's "Invalid source/dest for message"
// assertion (M:net.clj validate-msg). Such a message is not counted.
var ErrUnknownMember = errors.New("not a member of the network")

// network is the simulated Maelstrom network (M:src/maelstrom/net.clj): one
// mailbox per member, latency drawn at send, partitions applied at dequeue,
// and the journal reduced to counts.
//
// The hot path takes no global lock: the member table and the partition
// table are immutable maps swapped atomically on (rare) change, counters
// are atomics, and each mailbox has its own lock.
type network struct {
	epoch   time.Time
	latency latencyModel
	nodes   map[string]bool  // the test's node ids: the only ids a partition may name
	gates   map[string]*gate // per node id, fixed at creation

	nextID  atomic.Int64
	members atomic.Pointer[map[string]*mailbox]
	parts   atomic.Pointer[map[string]map[string]bool] // receiver -> senders it drops
	joinMu  sync.Mutex                                 // serialises member and partition table writers
	counts  counters
	stop    chan struct{} // closed at shutdown: every delivery loop returns
	stopped sync.Once

	// lives records when each client joined and left (end math.MaxInt64
	// while open), for excused.
	livesMu sync.Mutex
	lives   map[string]span
}

func newNetwork(latency latencyModel, nodes []string) *network {
	n := &network{
		epoch:   time.Now(),
		latency: latency,
		nodes:   make(map[string]bool, len(nodes)),
		gates:   make(map[string]*gate, len(nodes)),
		stop:    make(chan struct{}),
		lives:   map[string]span{},
	}
	for _, id := range nodes {
		n.nodes[id] = true
		n.gates[id] = newGate()
	}
	n.members.Store(&map[string]*mailbox{})
	n.parts.Store(&map[string]map[string]bool{})
	n.nextID.Store(-1) // the first message gets id 0
	return n
}

// now is the network clock: monotonic ns since the network was built.
func (n *network) now() int64 { return int64(time.Since(n.epoch)) }

// isClient is Maelstrom's client? test: an id whose first character is c
// (M:src/maelstrom/util.clj client?).
func isClient(id string) bool { return len(id) > 0 && id[0] == 'c' }

// join registers a member and returns its mailbox.
func (n *network) join(id string) (*mailbox, error) {
	n.joinMu.Lock()
	defer n.joinMu.Unlock()
	old := *n.members.Load()
	if _, dup := old[id]; dup {
		return nil, fmt.Errorf("member %q is already registered", id)
	}
	next := make(map[string]*mailbox, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	mb := newMailbox(id)
	next[id] = mb
	n.members.Store(&next)
	return mb, nil
}

// leave unregisters a member: later sends to or from it are rejected, and
// whatever is still queued for it is never delivered.
func (n *network) leave(id string) {
	n.joinMu.Lock()
	old := *n.members.Load()
	mb, ok := old[id]
	if ok {
		next := make(map[string]*mailbox, len(old))
		for k, v := range old {
			if k != id {
				next[k] = v
			}
		}
		n.members.Store(&next)
	}
	n.joinMu.Unlock()
	if ok {
		mb.leave()
	}
}

// clientJoined and clientLeft record a client's life for excused.
func (n *network) clientJoined(id string) {
	n.livesMu.Lock()
	n.lives[id] = span{start: n.now(), end: math.MaxInt64}
	n.livesMu.Unlock()
}

func (n *network) clientLeft(id string) {
	n.livesMu.Lock()
	if l, ok := n.lives[id]; ok {
		l.end = n.now()
		n.lives[id] = l
	}
	n.livesMu.Unlock()
}

// excused reports whether a message from node to dest, which is no longer
// a member, is a stale reply rather than a fault: dest is a client that
// has left, and node was killed, restarting or paused at some moment while
// the client was open. A stopped or dead process cannot see time pass:
// after SIGCONT it answers requests its clients gave up on while it was
// stopped, and a killed process's last lines are read after its clients
// gave up on it. Maelstrom never kills or pauses a node, so its rule
// (M:net.clj validate-msg) has no such case.
func (n *network) excused(node, dest string) bool {
	g := n.gates[node]
	if g == nil || !isClient(dest) {
		return false
	}
	n.livesMu.Lock()
	l, ok := n.lives[dest]
	n.livesMu.Unlock()
	return ok && l.end != math.MaxInt64 && g.outDuring(l.start, l.end)
}

// member returns a registered member's mailbox, or nil.
func (n *network) member(id string) *mailbox { return (*n.members.Load())[id] }

// send validates, numbers, counts and enqueues one message (M:net.clj
// send!). rng is the sending goroutine's latency source; it is not used
// when a client is at either end (zero latency, M:net.clj latency-for).
func (n *network) send(src, dest string, body []byte, rng *rand.Rand) error {
	members := *n.members.Load()
	from, to := members[src], members[dest]
	if err := checkEnds(from, to, src, dest); err != nil {
		return err
	}
	n.enqueue(from.id, to, body, rng)
	return nil
}

// sendBytes is send for ids still in a node's line buffer; the envelope
// gets the members' own id strings, so nothing is allocated for them.
func (n *network) sendBytes(src, dest []byte, body []byte, rng *rand.Rand) error {
	members := *n.members.Load()
	from, to := members[string(src)], members[string(dest)]
	if err := checkEnds(from, to, string(src), string(dest)); err != nil {
		return err
	}
	n.enqueue(from.id, to, body, rng)
	return nil
}

// checkEnds is Maelstrom's validate-msg: both ends must be registered.
func checkEnds(from, to *mailbox, src, dest string) error {
	if from == nil {
		return fmt.Errorf("invalid source %q for message to %q: %w", src, dest, ErrUnknownMember)
	}
	if to == nil {
		return fmt.Errorf("invalid dest %q for message from %q: %w", dest, src, ErrUnknownMember)
	}
	return nil
}

func (n *network) enqueue(src string, to *mailbox, body []byte, rng *rand.Rand) {
	e := &envelope{
		id:     n.nextID.Add(1),
		src:    src,
		dest:   to.id,
		body:   body,
		client: isClient(src) || isClient(to.id),
	}
	var delay time.Duration
	if !e.client {
		delay = n.latency.draw(rng)
	}
	e.deadline = n.now() + int64(delay)
	n.counts.sent(e)
	to.push(e)
}

// dropped applies the partition rule when e is taken off its receiver's
// queue (M:net.clj recv!): dropped messages stay counted as sent
// and are never counted as received.
func (n *network) dropped(e *envelope) bool {
	return (*n.parts.Load())[e.dest][e.src]
}

// drop adds every (receiver <- sender) pair of grudge to the partition
// table, as Jepsen's drop-all! falls back to one drop! per pair. Pairs
// naming anything but the test's nodes are ignored and returned: clients
// and services are never partitioned.
func (n *network) drop(grudge map[string][]string) (ignored []string) {
	n.joinMu.Lock()
	defer n.joinMu.Unlock()
	old := *n.parts.Load()
	next := make(map[string]map[string]bool, len(old)+len(grudge))
	for dest, srcs := range old {
		next[dest] = make(map[string]bool, len(srcs))
		for s := range srcs {
			next[dest][s] = true
		}
	}
	for dest, srcs := range grudge {
		for _, src := range srcs {
			if !n.nodes[dest] || !n.nodes[src] {
				ignored = append(ignored, src+"->"+dest)
				continue
			}
			if next[dest] == nil {
				next[dest] = map[string]bool{}
			}
			next[dest][src] = true
		}
	}
	n.parts.Store(&next)
	sort.Strings(ignored)
	return ignored
}

// heal clears every partition (M:net.clj jepsen-net heal!).
func (n *network) heal() {
	n.joinMu.Lock()
	n.parts.Store(&map[string]map[string]bool{})
	n.joinMu.Unlock()
}

// partitions returns a copy of the partition table, senders sorted.
func (n *network) partitions() map[string][]string {
	out := map[string][]string{}
	for dest, srcs := range *n.parts.Load() {
		for s := range srcs {
			out[dest] = append(out[dest], s)
		}
		sort.Strings(out[dest])
	}
	return out
}

// shutdown stops every delivery loop.
func (n *network) shutdown() { n.stopped.Do(func() { close(n.stop) }) }

// isStopped reports whether shutdown was called.
func (n *network) isStopped() bool {
	select {
	case <-n.stop:
		return true
	default:
		return false
	}
}

// waitDeadline sleeps until e's deadline, as Maelstrom does
// (recvSleep), reusing t (a stopped timer). It returns false if the
// network shut down or abort (may be nil) closed meanwhile.
func (n *network) waitDeadline(e *envelope, t *time.Timer, abort <-chan struct{}) bool {
	d := recvSleep(time.Duration(e.deadline - n.now()))
	if d <= 0 {
		return true
	}
	t.Reset(d)
	select {
	case <-t.C:
		return true
	case <-n.stop:
		t.Stop()
		return false
	case <-abort:
		t.Stop()
		return false
	}
}

// recvSleep is how long Maelstrom's recv! sleeps for a message due in
// d: (Thread/sleep (long dt)) with dt in milliseconds, a double, so the
// whole milliseconds of d, rounded down (M:net.clj recv!). A message is
// delivered up to 1 ms before its deadline, and one due in less than
// 1 ms at once: a hop of constant latency 10 ms takes 9 to 10 ms.
func recvSleep(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d.Truncate(time.Millisecond)
}

// newStoppedTimer returns a timer for waitDeadline.
func newStoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}
