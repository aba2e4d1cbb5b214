package diagram

import (
	"fmt"
	"slices"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// View is what one diagram shows of a run: a time window, the peers, and
// which messages to leave out so the interesting ones stay readable.
type View struct {
	Title   string
	Caption string
	Peers   []zab.PeerID
	// TickEvery converts time units to ticks for the time axis.
	TickEvery int64
	// From and To bound the window, in simulated time units (inclusive).
	// A message sent before From is not drawn.
	From, To int64
	// Hide lists message types not drawn (their drops are hidden too).
	Hide []zab.MsgType
	// HideRepeatAcks leaves out ACKs that acknowledge nothing new: a
	// follower's answer to a PING.
	HideRepeatAcks bool
	// UnitPx is how many pixels one time unit takes (0: the default);
	// busy pictures get more room.
	UnitPx float64
}

// arrow is one message drawn: sent by From at Sent, delivered to (or
// dropped on the way to) To at At.
type arrow struct {
	from, to zab.PeerID
	sent, at int64
	label    string
	cat      string
	dropped  bool
	why      string // drop reason
}

// markKind is the kind of an annotation on a lane or across all lanes.
type markKind uint8

const (
	markRole markKind = iota + 1
	markCrash
	markRestart
	markCommit
	markPropose
	markNetwork     // across all lanes
	markEstablished // across all lanes
)

// mark is one annotation at a time on a peer's lane (peer 0: across all).
type mark struct {
	kind markKind
	peer zab.PeerID
	at   int64
	text string
}

// laneState is how a lane is drawn over an interval.
type laneState uint8

const (
	laneLooking laneState = iota
	laneFollowing
	laneLeading
	laneDown
)

// segment is a stretch of one lane in one state.
type segment struct {
	peer     zab.PeerID
	from, to int64
	state    laneState
}

// scene is a View laid out as data, before any pixel is chosen.
type scene struct {
	view     View
	arrows   []arrow
	marks    []mark
	segments []segment
}

// roleKey is the part of a role event a diagram marks a change of.
type roleKey struct {
	role   zab.Role
	phase  zab.Phase
	leader zab.PeerID
	epoch  zab.Epoch
}

func stateOf(r zab.Role) laneState {
	switch r {
	case zab.RoleFollowing:
		return laneFollowing
	case zab.RoleLeading:
		return laneLeading
	}
	return laneLooking
}

var phaseShort = map[zab.Phase]string{
	zab.PhaseElection:  "election",
	zab.PhaseDiscovery: "discovery",
	zab.PhaseSync:      "sync",
	zab.PhaseBroadcast: "broadcast",
}

func roleText(k roleKey) string {
	switch k.role {
	case zab.RoleLooking:
		return "LOOKING"
	case zab.RoleFollowing:
		return fmt.Sprintf("FOLLOWING n%d %s e%d", k.leader, phaseShort[k.phase], k.epoch)
	}
	return fmt.Sprintf("LEADING %s e%d", phaseShort[k.phase], k.epoch)
}

// buildScene turns a trace and its sends into what v shows.
func buildScene(v View, events []sim.Event, pairs []Paired) scene {
	sc := scene{view: v}
	inView := func(p zab.PeerID) bool { return slices.Contains(v.Peers, p) }
	state := map[zab.PeerID]laneState{}
	since := map[zab.PeerID]int64{}
	last := map[zab.PeerID]roleKey{}
	for _, p := range v.Peers {
		since[p] = v.From
	}
	setState := func(p zab.PeerID, t int64, s laneState) {
		if t <= v.From {
			state[p] = s
			return
		}
		if state[p] != s {
			sc.segments = append(sc.segments, segment{peer: p, from: since[p], to: t, state: state[p]})
			state[p], since[p] = s, t
		}
	}
	for i, e := range events {
		if e.Time > v.To {
			break
		}
		visible := e.Time >= v.From
		switch e.Kind {
		case sim.KindDeliver, sim.KindDrop:
			if !visible || slices.Contains(v.Hide, e.Type) || !inView(e.From) || !inView(e.To) {
				continue
			}
			a := arrow{from: e.From, to: e.To, sent: e.Time, at: e.Time, cat: category(e.Type),
				label: fmt.Sprintf("%s %v", e.Type, e.Zxid), dropped: e.Kind == sim.KindDrop, why: e.Note}
			if s := pairs[i]; s.OK {
				if s.At < v.From || (v.HideRepeatAcks && s.Repeat) {
					continue
				}
				a.sent, a.label = s.At, s.Label
			}
			sc.arrows = append(sc.arrows, a)
		case sim.KindRole:
			k := roleKey{role: e.Role, phase: e.Phase, leader: e.Leader, epoch: e.Epoch}
			if prev, ok := last[e.Peer]; ok && prev == k {
				continue
			}
			last[e.Peer] = k
			setState(e.Peer, e.Time, stateOf(e.Role))
			if visible && inView(e.Peer) {
				sc.marks = append(sc.marks, mark{kind: markRole, peer: e.Peer, at: e.Time, text: roleText(k)})
				if k.role == zab.RoleLeading && k.phase == zab.PhaseBroadcast {
					sc.marks = append(sc.marks, mark{kind: markEstablished, at: e.Time,
						text: fmt.Sprintf("epoch %d established by n%d", k.epoch, e.Peer)})
				}
			}
		case sim.KindCrash:
			delete(last, e.Peer)
			setState(e.Peer, e.Time, laneDown)
			if visible {
				sc.marks = append(sc.marks, mark{kind: markCrash, peer: e.Peer, at: e.Time, text: "crash"})
			}
		case sim.KindRestart:
			setState(e.Peer, e.Time, laneLooking)
			if visible {
				sc.marks = append(sc.marks, mark{kind: markRestart, peer: e.Peer, at: e.Time,
					text: fmt.Sprintf("restart, log ends %v", e.Zxid)})
			}
		case sim.KindCommit, sim.KindPropose:
			if visible {
				sc.addTxnMark(e)
			}
		case sim.KindNetwork:
			if visible {
				sc.marks = append(sc.marks, mark{kind: markNetwork, at: e.Time, text: e.Note})
			}
		}
	}
	for _, p := range v.Peers {
		sc.segments = append(sc.segments, segment{peer: p, from: since[p], to: v.To, state: state[p]})
	}
	return sc
}

// addTxnMark adds a commit or propose mark, merging it into the previous
// one of the same peer and time ("commit e1:c1..c3").
func (sc *scene) addTxnMark(e sim.Event) {
	kind, verb := markCommit, "deliver"
	if e.Kind == sim.KindPropose {
		kind, verb = markPropose, "propose"
	}
	for i := len(sc.marks) - 1; i >= 0; i-- {
		m := &sc.marks[i]
		if m.at != e.Time {
			break
		}
		if m.kind == kind && m.peer == e.Peer {
			m.text = mergeRange(m.text, e.Zxid)
			return
		}
	}
	sc.marks = append(sc.marks, mark{kind: kind, peer: e.Peer, at: e.Time, text: fmt.Sprintf("%s %v", verb, e.Zxid)})
}

// mergeRange extends "verb e1:c1" or "verb e1:c1..c3" to end at z.
func mergeRange(text string, z zab.Zxid) string {
	var verb string
	var e, c uint32
	if _, err := fmt.Sscanf(text, "%s e%d:c%d", &verb, &e, &c); err != nil {
		return text
	}
	first := zab.MakeZxid(zab.Epoch(e), c)
	if first.Epoch() == z.Epoch() {
		return fmt.Sprintf("%s %v..c%d", verb, first, z.Counter())
	}
	return fmt.Sprintf("%s %v..%v", verb, first, z)
}
