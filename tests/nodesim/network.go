package nodesim

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"time"

	"zabkafka/zab"
)

// NetStats counts what the network did with node-to-node lines (Late:
// sent only to the late pool; Replayed: pooled copies released) and with
// client lines.
type NetStats struct {
	Sent, Delivered, Dropped, Duplicated, Late, Replayed int
	ClientSent, ClientDropped, ClientLate                int
}

func (a *NetStats) add(b NetStats) {
	a.Sent += b.Sent
	a.Delivered += b.Delivered
	a.Dropped += b.Dropped
	a.Duplicated += b.Duplicated
	a.Late += b.Late
	a.Replayed += b.Replayed
	a.ClientSent += b.ClientSent
	a.ClientDropped += b.ClientDropped
	a.ClientLate += b.ClientLate
}

// link is a directed pair of nodes, by index.
type link struct{ from, to int }

// poolKey is one late-pool slot: a directed link and the kind of the
// line (its first zab message's type, or forwarded operations).
type poolKey struct {
	link
	kind string
}

// pooled is one copy in the late pool.
type pooled struct {
	seq    uint64
	sentAt time.Duration
	line   []byte
}

// network carries lines between nodes and between clients and nodes
// (NetConfig): per-line delay, loss and duplication, directed link cuts
// (partitions, one-way failures) between nodes, and the late pool of old
// node-to-node copies delivered much later, any number of times.
type network struct {
	s       *Sim
	cfg     NetConfig
	rng     *rand.Rand
	lateRng *rand.Rand // the late pool's own stream
	blocked map[link]bool
	stats   NetStats

	pool    map[poolKey][]pooled
	keys    []poolKey // slots in creation order: picks never range over a map
	sendSeq uint64
}

func newNetwork(s *Sim, cfg NetConfig, rng, lateRng *rand.Rand) *network {
	return &network{s: s, cfg: cfg, rng: rng, lateRng: lateRng, blocked: map[link]bool{}, pool: map[poolKey][]pooled{}}
}

// delay draws a node-to-node delay.
func (n *network) delay() time.Duration {
	return n.cfg.MinDelay + time.Duration(n.rng.Int64N(int64(n.cfg.MaxDelay-n.cfg.MinDelay)+1))
}

// nodeLine sends a line from one node to another. The sender's
// acknowledgements are checked against its durable state as they leave
// (invariants.Checker.Send). Unless the line is lost, it arrives after
// its delay, twice if duplicated; a copy also goes to the late pool.
func (n *network) nodeLine(from, to *host, line []byte) {
	s := n.s
	n.stats.Sent++
	kind := n.checkSend(from, line)
	if kind == leaderKinds[0] || kind == leaderKinds[1] {
		s.leading = from
	}
	l := link{from.index, to.index}
	late := false
	if n.cfg.Replay > 0 {
		n.remember(poolKey{l, kind}, line)
		late = n.cfg.Late > 0 && n.lateRng.Float64() < n.cfg.Late
	}
	// Draw every number whatever the outcome, so that changing one
	// probability does not shift the rest of the schedule.
	lost, dup := n.rng.Float64() < n.cfg.Loss, n.rng.Float64() < n.cfg.Dup
	d1, d2 := n.delay(), n.delay()
	switch {
	case n.blocked[l]:
		n.stats.Dropped++
		s.record(Event{Kind: KindDrop, From: from.name, To: to.name, Sent: s.now, Note: "(partition)", Line: line})
	case late:
		n.stats.Late++
		s.record(Event{Kind: KindLate, From: from.name, To: to.name, Sent: s.now, Line: line})
	case lost:
		n.stats.Dropped++
		s.record(Event{Kind: KindDrop, From: from.name, To: to.name, Sent: s.now, Note: "(loss)", Line: line})
	default:
		n.arrive(from, to, line, s.now, d1)
		if dup {
			n.stats.Duplicated++
			n.arrive(from, to, line, s.now, d2)
		}
	}
}

// arrive delivers a node-to-node line after d, unless by then the link
// is cut or the receiver is down.
func (n *network) arrive(from, to *host, line []byte, sent, d time.Duration) {
	s := n.s
	s.at(s.now+d, func() {
		why := ""
		switch {
		case n.blocked[link{from.index, to.index}]:
			why = "(partition)"
		case !to.up:
			why = "(receiver down)"
		}
		if why != "" {
			n.stats.Dropped++
			s.record(Event{Kind: KindDrop, From: from.name, To: to.name, Sent: sent, Note: why, Line: line})
			return
		}
		n.stats.Delivered++
		s.record(Event{Kind: KindDeliver, From: from.name, To: to.name, Sent: sent, Line: line})
		to.deliver(line)
	})
}

// ackTypes are the zab messages that vouch for the sender's durable
// state, each as it appears in a node-to-node line.
var ackTypes = [][]byte{
	[]byte(`{"t":` + itoa(int(zab.MsgAck)) + `,`),
	[]byte(`{"t":` + itoa(int(zab.MsgAckEpoch)) + `,`),
	[]byte(`{"t":` + itoa(int(zab.MsgAckNewLeader)) + `,`),
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// leaderKinds are the kinds (checkSend) of lines only a leader sends:
// a proposal or a commit first.
var leaderKinds = [2]string{itoa(int(zab.MsgProposal)), itoa(int(zab.MsgCommit))}

// zabLine is the part of a node-to-node body the harness reads.
type zabLine struct {
	Body struct {
		Msgs []zab.Message `json:"m"`
	} `json:"body"`
}

// checkSend shows the invariant checker every acknowledgement in a line
// as it leaves, and returns the line's kind for the late pool. Only
// lines that may hold an acknowledgement are decoded.
func (n *network) checkSend(from *host, line []byte) string {
	kind := "fwd"
	if i := bytes.Index(line, []byte(`{"t":`)); i >= 0 {
		j := i + 5
		for j < len(line) && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		kind = string(line[i+5 : j])
	}
	for _, a := range ackTypes {
		if !bytes.Contains(line, a) {
			continue
		}
		var zl zabLine
		if err := json.Unmarshal(line, &zl); err != nil {
			n.s.fail(true, "%s: undecodable node-to-node line (%v): %.300s", from.name, err, line)
			return kind
		}
		for _, m := range zl.Body.Msgs {
			n.s.noteViolation(n.s.inv.Send(m))
		}
		break
	}
	return kind
}

// clientLine sends a line between a client and a node: delayed, maybe
// lost or late, never cut by a partition; a reply may be duplicated
// (the client takes the first), a request only under
// Faults.DupClientRequests. It reports whether the line goes late.
func (n *network) clientLine(from, to string, line []byte, request bool) (late bool) {
	s := n.s
	n.stats.ClientSent++
	c := n.cfg
	lost, late, dup := n.rng.Float64() < c.ClientLoss, n.rng.Float64() < c.ClientLate, n.rng.Float64() < c.ClientDup
	d := c.ClientMinDelay + time.Duration(n.rng.Int64N(int64(c.ClientMaxDelay-c.ClientMinDelay)+1))
	lateBy := time.Second + time.Duration(n.rng.Int64N(int64(7*time.Second)))
	d2 := c.ClientMinDelay + time.Duration(n.rng.Int64N(int64(c.ClientMaxDelay-c.ClientMinDelay)+1))
	if request {
		dup = s.opts.Faults.DupClientRequests && bytes.Contains(line, []byte(`"type":"send"`))
	}
	if from == adminID || to == adminID {
		// The harness's own lines (init, the probe) are never lost:
		// Maelstrom's init does not get lost either.
		lost, late = false, false
	}
	switch {
	case lost:
		n.stats.ClientDropped++
		s.record(Event{Kind: KindDrop, From: from, To: to, Sent: s.now, Note: "(loss)", Line: line})
		return false
	case late:
		n.stats.ClientLate++
		d = lateBy
	}
	n.arriveClient(from, to, line, s.now, d)
	if dup {
		n.arriveClient(from, to, line, s.now, d2)
	}
	return late
}

// arriveClient delivers a client line after d: to a node, if it is up,
// or to a client.
func (n *network) arriveClient(from, to string, line []byte, sent, d time.Duration) {
	s := n.s
	s.at(s.now+d, func() {
		if h := s.byName[to]; h != nil {
			if !h.up {
				n.stats.ClientDropped++
				s.record(Event{Kind: KindDrop, From: from, To: to, Sent: sent, Note: "(receiver down)", Line: line})
				return
			}
			s.record(Event{Kind: KindDeliver, From: from, To: to, Sent: sent, Line: line})
			h.deliver(line)
			return
		}
		s.record(Event{Kind: KindDeliver, From: from, To: to, Sent: sent, Line: line})
		s.clientReceive(to, line)
	})
}

// cut blocks the directed link from one node to another.
func (n *network) cut(from, to int) { n.blocked[link{from, to}] = true }

// heal reopens every link.
func (n *network) heal() { clear(n.blocked) }

// remember puts a copy of line in its pool slot, replacing a random old
// copy when the slot is full: the pool holds mostly recent copies and
// some much older ones.
func (n *network) remember(k poolKey, line []byte) {
	n.sendSeq++
	slot, ok := n.pool[k]
	if !ok {
		n.keys = append(n.keys, k)
	}
	c := pooled{seq: n.sendSeq, sentAt: n.s.now, line: line}
	if len(slot) < n.cfg.Replay {
		n.pool[k] = append(slot, c)
		return
	}
	slot[n.lateRng.IntN(len(slot))] = c
}

// take returns copy i of slot k, and removes it with probability one
// half: a copy left in the pool may be delivered again later.
func (n *network) take(k poolKey, i int) pooled {
	slot := n.pool[k]
	c := slot[i]
	if n.lateRng.IntN(2) == 0 {
		n.pool[k] = slices.Delete(slot, i, i+1)
	}
	return c
}

// releaseLate delivers up to count pooled copies, each from a uniformly
// chosen non-empty slot, each within `within` from now.
func (n *network) releaseLate(count int, within time.Duration) {
	for range count {
		var live []poolKey
		for _, k := range n.keys {
			if len(n.pool[k]) > 0 {
				live = append(live, k)
			}
		}
		if len(live) == 0 {
			return
		}
		k := live[n.lateRng.IntN(len(live))]
		c := n.take(k, n.lateRng.IntN(len(n.pool[k])))
		n.replay(k.link, c, 1+time.Duration(n.lateRng.Int64N(int64(within))))
	}
}

// flushInto delivers every pooled copy addressed to one node, oldest
// first, what a stale connection would flush into a process that just
// started.
func (n *network) flushInto(to int, within time.Duration) {
	var out []struct {
		k poolKey
		c pooled
	}
	for _, k := range n.keys {
		if k.to != to {
			continue
		}
		for i := len(n.pool[k]) - 1; i >= 0; i-- {
			out = append(out, struct {
				k poolKey
				c pooled
			}{k, n.take(k, i)})
		}
	}
	slices.SortFunc(out, func(a, b struct {
		k poolKey
		c pooled
	}) int {
		return cmp.Compare(a.c.seq, b.c.seq)
	})
	for i, o := range out {
		// Oldest first: each copy a little after the one before.
		n.replay(o.k.link, o.c, 1+time.Duration(i)*within/time.Duration(max(len(out), 1)))
	}
}

// releaseAll delivers every pooled copy once more, empties the pool and
// stops pooling.
func (n *network) releaseAll(within time.Duration) {
	for _, k := range n.keys {
		for _, c := range n.pool[k] {
			n.replay(k.link, c, 1+time.Duration(n.lateRng.Int64N(int64(within))))
		}
	}
	clear(n.pool)
	n.keys = nil
	n.cfg.Replay, n.cfg.Late = 0, 0
}

// replay schedules one late copy; partitions and a down receiver still
// apply when it arrives.
func (n *network) replay(l link, c pooled, d time.Duration) {
	n.stats.Replayed++
	n.arrive(n.s.hosts[l.from], n.s.hosts[l.to], c.line, c.sentAt, d)
}

// calm ends loss, duplication and late delivery, keeping the delays.
func (n *network) calm() {
	n.cfg.Loss, n.cfg.Dup, n.cfg.Late = 0, 0, 0
	n.cfg.ClientLoss, n.cfg.ClientLate, n.cfg.ClientDup = 0, 0, 0
}
