package node

import (
	"slices"

	"zabkafka/log"
	"zabkafka/zab"
)

// outbox collects everything this node has for each peer between two
// flushes: zab messages from Ready and client operations forwarded to the
// leader. A flush sends one Maelstrom message per destination, however
// many zab messages and operations it carries; that coalescing is what
// keeps server messages per client operation well below one (package
// doc, "Server messages per operation").
type outbox struct {
	byPeer map[zab.PeerID]*parcel
}

// parcel is what one destination gets in the next flush.
type parcel struct {
	msgs []zab.Message
	fwd  []log.Op
}

func newOutbox() outbox { return outbox{byPeer: make(map[zab.PeerID]*parcel)} }

func (o *outbox) parcel(to zab.PeerID) *parcel {
	p := o.byPeer[to]
	if p == nil {
		p = &parcel{}
		o.byPeer[to] = p
	}
	return p
}

// addMessage queues a zab message for m.To.
func (o *outbox) addMessage(m zab.Message) {
	p := o.parcel(m.To)
	p.msgs = append(p.msgs, m)
}

// addForward queues client operations for the leader to propose.
func (o *outbox) addForward(to zab.PeerID, ops []log.Op) {
	p := o.parcel(to)
	p.fwd = append(p.fwd, ops...)
}

func (o *outbox) empty() bool { return len(o.byPeer) == 0 }

// drain calls fn once per destination, in ascending peer order (so a test
// replays the same output), and empties the outbox.
func (o *outbox) drain(fn func(to zab.PeerID, body zabBody)) {
	peers := make([]zab.PeerID, 0, len(o.byPeer))
	for id := range o.byPeer {
		peers = append(peers, id)
	}
	slices.Sort(peers)
	for _, id := range peers {
		p := o.byPeer[id]
		body := zabBody{Type: typeZab, Msgs: p.msgs}
		if len(p.fwd) > 0 {
			body.Fwd = log.EncodeBatch(p.fwd)
		}
		fn(id, body)
	}
	clear(o.byPeer)
}
