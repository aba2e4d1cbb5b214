package node

import (
	"time"

	"zabkafka/log/kafka"
)

// requestKind is which kafka RPC a pending request is.
type requestKind uint8

const (
	reqSend requestKind = iota + 1
	reqCommitOffsets
)

// request is a client request this node has accepted and not yet
// answered: a send or a commit_offsets waiting for its operation to be
// committed and applied.
type request struct {
	id      uint64 // the Seq its operation carries (kafka.Op)
	client  string
	msgID   int64
	arrived time.Time
	kind    requestKind
	// sent is set once the operation left the queue (proposed or
	// forwarded). From then on its fate is unknown to this node, and
	// only an indefinite error may answer it
	// (docs/running.md#definite-errors-only-for-what-never-happens).
	sent bool
	// op and size are the request's operation, kept so that it can be
	// sent again after a leader change (requeueSent); again marks it
	// queued for that, until it leaves the queue once more.
	op    kafka.Op
	size  int
	again bool
}

// requests are this run's own client writes: what identifies their
// operations (incarnation.go: higher with every restart; Seq numbers in
// arrival order) and those still awaiting an answer.
type requests struct {
	incarnation uint64
	lastSeq     uint64 // the Seq of the last request accepted in this run
	pendingTable
}

// pendingTable holds the requests awaiting an answer, with their arrival
// order for the deadline sweep. Arrival times are non-decreasing (one
// event loop, one clock), so the oldest requests are always at the front.
type pendingTable struct {
	byID  map[uint64]*request
	order []*request // arrival order; answered requests are skipped lazily
	// latestOf is the id of each client's latest request, while it is
	// pending (isLatest).
	latestOf map[string]uint64
}

func newPendingTable() pendingTable {
	return pendingTable{byID: make(map[uint64]*request), latestOf: make(map[string]uint64)}
}

func (t *pendingTable) add(r *request) {
	t.byID[r.id] = r
	t.order = append(t.order, r)
	t.latestOf[r.client] = r.id
}

func (t *pendingTable) get(id uint64) *request { return t.byID[id] }

// remove forgets r; it will not be answered again.
func (t *pendingTable) remove(r *request) {
	delete(t.byID, r.id)
	if t.latestOf[r.client] == r.id {
		delete(t.latestOf, r.client)
	}
}

// isLatest reports whether r is its client's latest request: the client
// has sent no write since.
func (t *pendingTable) isLatest(r *request) bool { return t.latestOf[r.client] == r.id }

func (t *pendingTable) len() int { return len(t.byID) }

// expire removes every request that arrived at or before cutoff and
// calls fn on each, oldest first.
func (t *pendingTable) expire(cutoff time.Time, fn func(*request)) {
	i := 0
	for ; i < len(t.order); i++ {
		r := t.order[i]
		if t.byID[r.id] != r {
			continue // already answered
		}
		if r.arrived.After(cutoff) {
			break
		}
		t.remove(r)
		fn(r)
	}
	if i > 0 {
		// Shift rather than reslice so the backing array does not grow
		// forever under a steady stream of requests.
		n := copy(t.order, t.order[i:])
		clear(t.order[n:])
		t.order = t.order[:n]
	}
}
