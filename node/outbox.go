package node

import (
	"encoding/base64"
	"slices"

	"zabkafka/log/kafka"
	"zabkafka/zab"
)

// outbox collects everything this node has for each peer between two
// flushes: zab messages from Ready and client operations forwarded to the
// leader. A flush sends one Maelstrom message per destination, however
// many zab messages and operations it carries; that coalescing is what
// keeps server messages per client operation well below one (package
// doc, "Server messages per operation").
//
// Only size splits a destination's parcel into several messages: the
// forwarded operations go in batches bounded like proposals (at most
// MaxBatch operations and MaxBatchBytes bytes, what the leader can
// propose as one), one batch per message, and the zab messages are packed
// into messages of at most maxPeerBody bytes (one bigger message goes
// alone), so that no message grows past what the receiver reads
// (run.go, maxLine), however much piled up.
type outbox struct {
	byPeer   map[zab.PeerID]*parcel
	maxOps   int
	maxBytes int
}

// maxPeerBody bounds the encoded zab messages one node-to-node message
// packs together: 32 MiB, an eighth of the receiver's line limit, far
// above what a busy window brings and far below the limit. A single core
// message bigger than that goes alone (the core bounds its own).
const maxPeerBody = maxLine / 8

// parcel is what one destination gets in the next flush.
type parcel struct {
	msgs []zab.Message
	fwd  []queuedOp
}

func newOutbox(maxOps, maxBytes int) outbox {
	return outbox{byPeer: make(map[zab.PeerID]*parcel), maxOps: maxOps, maxBytes: maxBytes}
}

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
func (o *outbox) addForward(to zab.PeerID, ops []queuedOp) {
	p := o.parcel(to)
	p.fwd = append(p.fwd, ops...)
}

// dropVouchersAbove removes every held acknowledgement (ACK, ACKEPOCH,
// ACKNEWLEADER) that reports a zxid above z, when a Ready has just cut
// the log back to z: each was true when its Ready was handled, but it
// leaves only at the next flush, after this cut, and must not vouch for
// entries that are gone (the Ready contract, zab/ready.go, step 6). The
// core does the same for the messages of the Ready that cuts; these are
// from earlier ones. One is here when a duplicated LEADERINFO made the
// follower repeat its ACKEPOCH just before the NEWLEADER that truncates
// (found by tests/nodesim, seed 1029).
func (o *outbox) dropVouchersAbove(z zab.Zxid) {
	for id, p := range o.byPeer {
		p.msgs = slices.DeleteFunc(p.msgs, func(m zab.Message) bool { return m.VouchesAbove(z) })
		if len(p.msgs) == 0 && len(p.fwd) == 0 {
			delete(o.byPeer, id) // nothing left to send it
		}
	}
}

func (o *outbox) empty() bool { return len(o.byPeer) == 0 }

// drain calls fn once per message to send, destinations in ascending peer
// order (so a test replays the same output), and empties the outbox.
func (o *outbox) drain(fn func(to zab.PeerID, body zabBody)) {
	peers := make([]zab.PeerID, 0, len(o.byPeer))
	for id := range o.byPeer {
		peers = append(peers, id)
	}
	slices.Sort(peers)
	for _, id := range peers {
		p := o.byPeer[id]
		msgs := packMessages(p.msgs, maxPeerBody)
		fwd := p.fwd
		for len(msgs) > 0 || len(fwd) > 0 {
			body := zabBody{Type: typeZab}
			if len(msgs) > 0 {
				body.Msgs, msgs = msgs[0], msgs[1:]
			}
			if len(fwd) > 0 {
				ops, n := takeBatch(fwd, o.maxOps, o.maxBytes, nil)
				body.Fwd, body.Rt = kafka.EncodeBatch(ops), replyTos(fwd[:n])
				fwd = fwd[n:]
			}
			fn(id, body)
		}
	}
	clear(o.byPeer)
}

// replyTos lists the replyTo of each forwarded operation, in order, or
// nil when none has one (the leader then answers none of them).
func replyTos(q []queuedOp) []replyTo {
	for _, op := range q {
		if op.reply.Client != "" {
			rts := make([]replyTo, len(q))
			for i := range q {
				rts[i] = q[i].reply
			}
			return rts
		}
	}
	return nil
}

// packMessages groups msgs, in order, into runs of at most limit bytes
// by encodedSize (a message bigger than limit forms a run of its own).
func packMessages(msgs []zab.Message, limit int) [][]zab.Message {
	var runs [][]zab.Message
	start, size := 0, 0
	for i, m := range msgs {
		n := encodedSize(m)
		if i > start && size+n > limit {
			runs, start, size = append(runs, msgs[start:i]), i, 0
		}
		size += n
	}
	if start < len(msgs) {
		runs = append(runs, msgs[start:])
	}
	return runs
}

// encodedSize bounds the JSON size of m from above, closely for large
// messages: only the data of transactions and snapshots can make a
// message large, and JSON carries bytes in base64 (4 characters per 3
// bytes); every other field together takes under a few hundred bytes.
func encodedSize(m zab.Message) int {
	const fields, perTxn = 512, 64
	n := fields
	for _, t := range m.Txns {
		n += perTxn + base64.StdEncoding.EncodedLen(len(t.Data))
	}
	if m.Snapshot != nil {
		n += base64.StdEncoding.EncodedLen(len(m.Snapshot.Data))
	}
	return n
}
