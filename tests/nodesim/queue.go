package nodesim

import "time"

// event is something due at a simulated time. seq is the order in which
// events were scheduled: it breaks ties between events due at the same
// time, so the run never depends on the heap's internals.
type event struct {
	at  time.Duration
	seq uint64
	fn  func()
}

// before orders events by time, then by scheduling order.
func (e *event) before(o *event) bool {
	return e.at < o.at || (e.at == o.at && e.seq < o.seq)
}

// eventQueue is a binary min-heap of events.
type eventQueue struct {
	items []event
}

func (q *eventQueue) len() int { return len(q.items) }

// peek returns the earliest event; the queue must not be empty.
func (q *eventQueue) peek() *event { return &q.items[0] }

func (q *eventQueue) push(e event) {
	q.items = append(q.items, e)
	i := len(q.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.items[i].before(&q.items[p]) {
			break
		}
		q.items[i], q.items[p] = q.items[p], q.items[i]
		i = p
	}
}

// pop removes and returns the earliest event; the queue must not be
// empty.
func (q *eventQueue) pop() event {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items[last] = event{} // drop the closure for the collector
	q.items = q.items[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && q.items[l].before(&q.items[m]) {
			m = l
		}
		if r < last && q.items[r].before(&q.items[m]) {
			m = r
		}
		if m == i {
			break
		}
		q.items[i], q.items[m] = q.items[m], q.items[i]
		i = m
	}
	return top
}
