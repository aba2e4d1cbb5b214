package diagram

import (
	"fmt"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// msgKey is what a trace event tells about a message: enough to pair a
// delivery or drop with the send it came from.
type msgKey struct {
	from, to zab.PeerID
	typ      zab.MsgType
	epoch    zab.Epoch
	zxid     zab.Zxid
}

func keyOf(m *zab.Message) msgKey {
	return msgKey{from: m.From, to: m.To, typ: m.Type, epoch: m.Epoch, zxid: m.Zxid}
}

func eventKey(e sim.Event) msgKey {
	return msgKey{from: e.From, to: e.To, typ: e.Type, epoch: e.Epoch, zxid: e.Zxid}
}

// Send is one message as it left its sender.
type Send struct {
	At    int64 // simulated time units
	Key   msgKey
	Label string // what the arrow says (Label(m))
	// Repeat: an ACK that acknowledges nothing new (a heartbeat reply).
	Repeat bool
	// Mode is a NEWLEADER's sync mode (0 for other types).
	Mode zab.SyncMode
	// First and Last are the zxids the label names, for drawing several
	// PROPOSALs, ACKs or COMMITs sent at once on one link as one arrow;
	// Batch says whether they are set (see batchSpan).
	First, Last zab.Zxid
	Batch       bool
	// Arrive, when non-zero, is when a message put on the wire by hand
	// (Capture.Injected) arrives; others take the network's delay.
	Arrive int64
}

// EpochChange is a peer's acceptedEpoch and currentEpoch from a moment
// on, as its Status reports them.
type EpochChange struct {
	At     int64
	Peer   zab.PeerID
	Epochs zab.Epochs
}

// Capture records every message a World sends, through the network's
// Filter hook. A scenario that wants its own Filter sets it with
// SetFilter, so that both run.
//
// The trace names a message only by (from, to, type, epoch, zxid), so a
// delivery is paired with its send by that key and by the network delay.
// Pairing is exact when the delay is constant (NetConfig MinDelay ==
// MaxDelay), which is why the diagram scenarios use one; with a range of
// delays two messages with one key that overtake each other could be
// drawn swapped.
type Capture struct {
	w        *sim.World
	inner    sim.Filter
	sends    []Send
	lastAck  map[msgKey]zab.Zxid // per (from, to, epoch) with zxid 0
	attachAt int64
	// initialVote labels, per peer, the vote it sent before the Capture
	// was attached (sim.New starts every peer, and a starting peer at once
	// votes for itself: FLE's initial vote).
	initialVote map[zab.PeerID]string
	// epochs lists every change of a peer's epochs the Capture saw;
	// lastEpochs is the latest per peer.
	epochs     []EpochChange
	lastEpochs map[zab.PeerID]zab.Epochs
}

// Attach installs a Capture on w, replacing any Filter already set. Call
// it right after sim.New: the first votes, sent inside New, are not seen
// by the Filter and are rebuilt from the peers' start-up state.
//
// The Capture also follows every peer's epochs, which the trace does not
// record: it reads each running peer's Status whenever a message is sent.
// A peer writes a new acceptedEpoch or currentEpoch in the same Ready as
// the message that announces it (LEADERINFO, ACKEPOCH, NEWLEADER,
// ACKNEWLEADER), so the change is seen at the moment it happens.
func Attach(w *sim.World) *Capture {
	c := &Capture{w: w, lastAck: map[msgKey]zab.Zxid{}, attachAt: w.Now(), initialVote: map[zab.PeerID]string{},
		lastEpochs: map[zab.PeerID]zab.Epochs{}}
	for _, id := range w.IDs() {
		if s, ok := w.Status(id); ok && s.Role == zab.RoleLooking {
			c.initialVote[id] = fmt.Sprintf("%s (e%d,%v,n%d) LOOKING", zab.MsgVote, s.Epochs.Current, s.LastZxid, id)
		}
	}
	c.pollEpochs()
	w.Net.Filter = c.filter
	return c
}

// pollEpochs records the epochs of every running peer that changed since
// the last look.
func (c *Capture) pollEpochs() {
	for _, id := range c.w.IDs() {
		s, ok := c.w.Status(id)
		if !ok {
			continue
		}
		if last, seen := c.lastEpochs[id]; seen && last == s.Epochs {
			continue
		}
		c.lastEpochs[id] = s.Epochs
		c.epochs = append(c.epochs, EpochChange{At: c.w.Now(), Peer: id, Epochs: s.Epochs})
	}
}

// Epochs returns the epoch changes seen so far, in time order; the first
// of each peer is its state when the Capture was attached (or when it
// first ran after that).
func (c *Capture) Epochs() []EpochChange { return append([]EpochChange(nil), c.epochs...) }

// SetFilter makes f decide the fate of each message after the Capture
// has seen it (nil: every message passes).
func (c *Capture) SetFilter(f sim.Filter) { c.inner = f }

// Sends returns the messages sent so far, in send order.
func (c *Capture) Sends() []Send { return append([]Send(nil), c.sends...) }

func (c *Capture) filter(m *zab.Message) sim.Verdict {
	c.pollEpochs()
	v := sim.Pass
	if c.inner != nil {
		v = c.inner(m)
	}
	if v == sim.Hold {
		// A held message is sent again by World.Release, which passes it
		// through the Filter a second time: record it then.
		return v
	}
	s := Send{At: c.w.Now(), Key: keyOf(m), Label: Label(m), Mode: m.Mode}
	s.First, s.Last, s.Batch = batchSpan(m)
	if m.Type == zab.MsgAck {
		k := msgKey{from: m.From, to: m.To, epoch: m.Epoch}
		prev, seen := c.lastAck[k]
		s.Repeat = seen && m.Zxid <= prev
		if !seen || m.Zxid > prev {
			c.lastAck[k] = m.Zxid
		}
	}
	c.sends = append(c.sends, s)
	if v == sim.Duplicate {
		c.sends = append(c.sends, s)
	}
	return v
}

// Injected records a message a script delivers past the network (a late
// copy, World.Inject) as sent now and arriving at arrive, so that its
// arrow is drawn from its sender; its label says it is a copy.
func (c *Capture) Injected(m *zab.Message, arrive int64) {
	c.pollEpochs()
	s := Send{At: c.w.Now(), Key: keyOf(m), Label: Label(m) + " (late copy)", Mode: m.Mode, Arrive: arrive}
	c.sends = append(c.sends, s)
}

// Pair gives each delivery or drop event the send it came from (ok false
// for other events, and for a message the Capture never saw, such as one
// a scenario injected).
func (c *Capture) Pair(events []sim.Event) []Paired {
	delay := int64(-1)
	if nc := c.w.Net.Config(); nc.MinDelay == nc.MaxDelay {
		delay = nc.MinDelay
	}
	return pairSends(events, c.sends, delay, c.attachAt, c.initialVote)
}

// Paired is the send of one trace event, if known.
type Paired struct {
	Send
	OK bool
}

// pairSends pairs each delivery or drop with the earliest unpaired send
// of the same key that could have produced it: sent exactly delay units
// earlier (or, for a drop, at the event itself), or with delay < 0 any
// time no later than the event. A delivery that no captured send explains
// but that left at attachAt is one of the initial votes.
func pairSends(events []sim.Event, sends []Send, delay, attachAt int64, initial map[zab.PeerID]string) []Paired {
	queues := map[msgKey][]int{}
	for i, s := range sends {
		queues[s.Key] = append(queues[s.Key], i)
	}
	fits := func(s Send, e sim.Event) bool {
		switch {
		case s.Arrive != 0:
			return s.Arrive == e.Time
		case delay < 0:
			return s.At <= e.Time
		case e.Kind == sim.KindDrop && s.At == e.Time:
			return true
		}
		return s.At == e.Time-delay
	}
	out := make([]Paired, len(events))
	for i, e := range events {
		if e.Kind != sim.KindDeliver && e.Kind != sim.KindDrop {
			continue
		}
		k := eventKey(e)
		q := queues[k]
		for j, idx := range q {
			if fits(sends[idx], e) {
				out[i] = Paired{Send: sends[idx], OK: true}
				queues[k] = append(q[:j:j], q[j+1:]...)
				break
			}
			if sends[idx].At > e.Time {
				break
			}
		}
		if !out[i].OK && e.Type == zab.MsgVote && initial[e.From] != "" && delay >= 0 && e.Time-delay == attachAt {
			out[i] = Paired{Send: Send{At: attachAt, Key: k, Label: initial[e.From]}, OK: true}
		}
	}
	return out
}
