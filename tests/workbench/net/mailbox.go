package net

import (
	"context"
	"sync"
	"time"
)

// mailbox is the queue of one network member (node, client or service):
// messages ordered by deadline, ties by message id (Maelstrom uses a
// PriorityBlockingQueue ordered by deadline, M:net.clj add-node!). Any
// goroutine may push; exactly one goroutine takes (the member's delivery
// loop), so a one-slot wake channel is enough to never miss a push.
type mailbox struct {
	id   string
	mu   sync.Mutex
	heap []*envelope   // binary min-heap by (deadline, id)
	wake chan struct{} // one token: "something was pushed since you looked"
	gone chan struct{} // closed when the member leaves the network
	once sync.Once     // guards close(gone)
}

func newMailbox(id string) *mailbox {
	return &mailbox{id: id, wake: make(chan struct{}, 1), gone: make(chan struct{})}
}

// push enqueues e and wakes the taker.
func (m *mailbox) push(e *envelope) {
	m.mu.Lock()
	m.heap = append(m.heap, e)
	m.up(len(m.heap) - 1)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// tryTake pops the head, whatever its deadline (M:net.clj recv! takes the
// head as soon as one exists and only then waits for its deadline).
func (m *mailbox) tryTake() *envelope {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.heap)
	if n == 0 {
		return nil
	}
	e := m.heap[0]
	m.heap[0] = m.heap[n-1]
	m.heap[n-1] = nil
	m.heap = m.heap[:n-1]
	if n > 1 {
		m.down(0)
	}
	return e
}

// headDue reports whether the head exists and would be delivered at now
// (ns) without a sleep (recvSleep).
func (m *mailbox) headDue(now int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.heap) > 0 && recvSleep(time.Duration(m.heap[0].deadline-now)) == 0
}

// takeStop says why take returned (takeOK: with a message).
type takeStop int

const (
	takeOK      takeStop = iota
	takeStopped          // the network is shutting down
	takeGone             // this member left the network
	takeCtxDone          // the caller's context ended
	takeAborted          // the caller's abort channel closed
)

// take blocks until there is a head and pops it. ctx and abort may be nil;
// abort is how a node's delivery loop learns that its process was killed,
// and how a client learns that the node it waits on was.
func (m *mailbox) take(ctx context.Context, stop, abort <-chan struct{}) (*envelope, takeStop) {
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	for {
		if e := m.tryTake(); e != nil {
			return e, takeOK
		}
		select {
		case <-m.wake:
		case <-stop:
			return nil, takeStopped
		case <-m.gone:
			return nil, takeGone
		case <-done:
			return nil, takeCtxDone
		case <-abort:
			return nil, takeAborted
		}
	}
}

// discard empties the queue and returns how many messages it held: what a
// node restarted after a kill never sees (its old process died with them).
func (m *mailbox) discard() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.heap)
	clear(m.heap)
	m.heap = m.heap[:0]
	return n
}

// leave marks the member as gone and wakes its taker.
func (m *mailbox) leave() { m.once.Do(func() { close(m.gone) }) }

func less(a, b *envelope) bool {
	if a.deadline != b.deadline {
		return a.deadline < b.deadline
	}
	return a.id < b.id
}

func (m *mailbox) up(i int) {
	h := m.heap
	for i > 0 {
		p := (i - 1) / 2
		if !less(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (m *mailbox) down(i int) {
	h := m.heap
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && less(h[r], h[l]) {
			c = r
		}
		if !less(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
