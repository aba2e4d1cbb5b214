package diagram

import (
	"fmt"
	"slices"
	"strings"

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
	// UnitPx is how many pixels one time unit takes at least (0: the
	// default). The layout adds room wherever labels need it.
	UnitPx float64
}

// message is one message to draw, before the messages sent at once on
// one link are grouped into one arrow.
type message struct {
	from, to    zab.PeerID
	sent, at    int64
	typ         zab.MsgType
	label       string
	first, last zab.Zxid // the zxids label names, if batch
	batch       bool
	dropped     bool
	why         string // drop reason
}

// labelLine is one line of an arrow's label, coloured by cat.
type labelLine struct {
	text, cat string
}

// arrow is one arrow drawn: the messages sent by from at sent and
// delivered to (or dropped on the way to) to at at, one label line per
// message type.
type arrow struct {
	from, to zab.PeerID
	sent, at int64
	cat      string // the line's colour: the first message's category
	lines    []labelLine
	dropped  bool
	why      string // drop reason
	// receivers of a message lost as it was sent: the stub points at
	// to, the nearest, and the label names them all.
	receivers []zab.PeerID
}

// markKind is the kind of an annotation on a lane or across all lanes.
// When several fall on one lane at one time they are written one per
// line in this order, which is the order they happen in: a restart
// first, a crash last.
type markKind uint8

const (
	markRestart markKind = iota + 1
	markRole
	markEpochs
	markPropose
	markCommit
	markCrash
	markNetwork     // across all lanes
	markEstablished // across all lanes
	markViolation   // across all lanes
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
	// heads is each lane's epochs at the start of the window, written
	// under its name (absent: never seen running).
	heads map[zab.PeerID]zab.Epochs
	// delay is the most common delay of the delivered messages (1 if
	// none): a message lost as it was sent is drawn as the start of the
	// arrow it would have been.
	delay int64
}

// roleKey is the part of a role event a diagram marks a change of. The
// epoch is not part of it: epoch changes have marks of their own.
type roleKey struct {
	role   zab.Role
	phase  zab.Phase
	leader zab.PeerID
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
		return fmt.Sprintf("FOLLOWING n%d %s", k.leader, phaseShort[k.phase])
	}
	return "LEADING " + phaseShort[k.phase]
}

// epochsText names the epochs that differ from before ("acc=e2",
// "cur=e2", or both); with no before, both.
func epochsText(now zab.Epochs, before *zab.Epochs) string {
	acc, cur := fmt.Sprintf("acc=e%d", now.Accepted), fmt.Sprintf("cur=e%d", now.Current)
	switch {
	case before == nil || (before.Accepted != now.Accepted && before.Current != now.Current):
		return acc + " " + cur
	case before.Accepted != now.Accepted:
		return acc
	}
	return cur
}

// buildScene turns a trace, its sends and the peers' epoch changes into
// what v shows.
func buildScene(v View, events []sim.Event, pairs []Paired, epochs []EpochChange) scene {
	sc := scene{view: v, heads: map[zab.PeerID]zab.Epochs{}}
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
	var msgs []message
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
			m := message{from: e.From, to: e.To, sent: e.Time, at: e.Time, typ: e.Type,
				label: fmt.Sprintf("%s %v", e.Type, e.Zxid), dropped: e.Kind == sim.KindDrop, why: e.Note}
			if s := pairs[i]; s.OK {
				if s.At < v.From || (v.HideRepeatAcks && s.Repeat) {
					continue
				}
				m.sent, m.label = s.At, s.Label
				m.first, m.last, m.batch = s.First, s.Last, s.Batch
			}
			msgs = append(msgs, m)
		case sim.KindRole:
			k := roleKey{role: e.Role, phase: e.Phase, leader: e.Leader}
			if prev, ok := last[e.Peer]; ok && prev == k {
				continue
			}
			last[e.Peer] = k
			setState(e.Peer, e.Time, stateOf(e.Role))
			if visible && inView(e.Peer) {
				sc.marks = append(sc.marks, mark{kind: markRole, peer: e.Peer, at: e.Time, text: roleText(k)})
				if k.role == zab.RoleLeading && k.phase == zab.PhaseBroadcast {
					sc.marks = append(sc.marks, mark{kind: markEstablished, at: e.Time,
						text: fmt.Sprintf("e%d established", e.Epoch)})
				}
			}
		case sim.KindCrash:
			delete(last, e.Peer)
			setState(e.Peer, e.Time, laneDown)
			if visible && inView(e.Peer) {
				sc.marks = append(sc.marks, mark{kind: markCrash, peer: e.Peer, at: e.Time, text: "crash"})
			}
		case sim.KindRestart:
			setState(e.Peer, e.Time, laneLooking)
			if visible && inView(e.Peer) {
				sc.marks = append(sc.marks, mark{kind: markRestart, peer: e.Peer, at: e.Time,
					text: fmt.Sprintf("restart, log ends %v", e.Zxid)})
			}
		case sim.KindCommit, sim.KindPropose:
			if visible && inView(e.Peer) {
				sc.addTxnMark(e)
			}
		case sim.KindNetwork:
			if visible {
				sc.marks = append(sc.marks, mark{kind: markNetwork, at: e.Time, text: "network: " + e.Note})
			}
		case sim.KindViolation:
			if visible {
				sc.marks = append(sc.marks, mark{kind: markViolation, at: e.Time, text: violationText(e.Note)})
			}
		}
	}
	for _, p := range v.Peers {
		sc.segments = append(sc.segments, segment{peer: p, from: since[p], to: v.To, state: state[p]})
	}
	sc.arrows = groupMessages(msgs)
	sc.delay = commonDelay(sc.arrows)
	sc.addEpochMarks(epochs)
	slices.SortStableFunc(sc.marks, func(a, b mark) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return int(a.kind) - int(b.kind)
	})
	return sc
}

// violationText shortens a checker violation ("committed-removed: peer 2
// zxid e1:c4: durable log lost ...") to its rule, peer and zxid, which
// fit on the picture; the whole text is in the trace.
func violationText(note string) string {
	rule, rest, _ := strings.Cut(note, ": ")
	where, _, found := strings.Cut(rest, ": ")
	if !found || !strings.HasPrefix(where, "peer") {
		return "VIOLATION " + rule
	}
	return "VIOLATION " + rule + ": " + where
}

// commonDelay is the most common delay of the delivered arrows, the
// shortest among equally common ones; 1 if there are none.
func commonDelay(arrows []arrow) int64 {
	count := map[int64]int{}
	best := int64(1)
	for _, a := range arrows {
		if !a.dropped {
			d := a.at - a.sent
			count[d]++
			if count[d] > count[best] || (count[d] == count[best] && d < best) {
				best = d
			}
		}
	}
	return best
}

// addEpochMarks sets each lane's head to its epochs at the start of the
// window and marks every change inside it.
func (sc *scene) addEpochMarks(changes []EpochChange) {
	v := sc.view
	latest := map[zab.PeerID]zab.Epochs{}
	for _, c := range changes {
		if !slices.Contains(v.Peers, c.Peer) || c.At > v.To {
			continue
		}
		prev, seen := latest[c.Peer]
		latest[c.Peer] = c.Epochs
		if c.At <= v.From {
			sc.heads[c.Peer] = c.Epochs
			continue
		}
		var before *zab.Epochs
		if seen {
			before = &prev
		}
		sc.marks = append(sc.marks, mark{kind: markEpochs, peer: c.Peer, at: c.At, text: epochsText(c.Epochs, before)})
	}
}

// groupMessages draws the messages sent at one time on one link (and
// delivered or dropped together) as one arrow, in the order of the first
// of them. Its label has a line per message type: a batch of PROPOSALs,
// ACKs or COMMITs becomes one line ("PROPOSAL ×5 +e1:c3..c7"); a drop
// adds a line with its reason.
func groupMessages(msgs []message) []arrow {
	type key struct {
		from, to zab.PeerID
		sent, at int64
		dropped  bool
		why      string
	}
	var keys []key
	groups := map[key][]message{}
	for _, m := range msgs {
		k := key{m.from, m.to, m.sent, m.at, m.dropped, m.why}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], m)
	}
	arrows := make([]arrow, 0, len(keys))
	// Messages lost as they were sent, alike but for their receivers,
	// share one stub: their stubs would lie on top of each other.
	type lost struct {
		from  zab.PeerID
		sent  int64
		why   string
		lines string
	}
	lostAt := map[lost]int{}
	for _, k := range keys {
		g := groups[k]
		a := arrow{from: k.from, to: k.to, sent: k.sent, at: k.at, dropped: k.dropped, why: k.why, cat: category(g[0].typ)}
		a.lines = labelLines(g)
		if k.dropped && k.at == k.sent {
			lk := lost{from: k.from, sent: k.sent, why: k.why, lines: fmt.Sprint(a.lines)}
			if i, ok := lostAt[lk]; ok {
				b := &arrows[i]
				b.receivers = append(b.receivers, k.to)
				if dist(k.to, k.from) < dist(b.to, b.from) {
					b.to = k.to // the stub points at the nearest receiver
				}
				continue
			}
			lostAt[lk] = len(arrows)
			a.receivers = []zab.PeerID{k.to}
		}
		arrows = append(arrows, a)
	}
	for i := range arrows {
		a := &arrows[i]
		if !a.dropped {
			continue
		}
		why := "dropped: " + a.why
		if len(a.receivers) > 1 {
			why += " (to"
			for _, r := range slices.Sorted(slices.Values(a.receivers)) {
				why += fmt.Sprintf(" n%d", r)
			}
			why += ")"
		}
		a.lines = append(a.lines, labelLine{text: why, cat: "drop"})
	}
	return arrows
}

// dist is how many lanes apart two peers are, assuming lanes in id
// order (only used to pick the nearest of several receivers).
func dist(a, b zab.PeerID) zab.PeerID {
	if a > b {
		return a - b
	}
	return b - a
}

// labelLines is the label of messages sent at once on one link: one line
// per type, in order of first appearance; several batchable messages of
// a type are counted and their zxids spanned, other repeated labels are
// counted.
func labelLines(g []message) []labelLine {
	var types []zab.MsgType
	byType := map[zab.MsgType][]message{}
	for _, m := range g {
		if _, ok := byType[m.typ]; !ok {
			types = append(types, m.typ)
		}
		byType[m.typ] = append(byType[m.typ], m)
	}
	var lines []labelLine
	for _, t := range types {
		ms := byType[t]
		cat := category(t)
		allBatch := len(ms) > 1
		for _, m := range ms {
			allBatch = allBatch && m.batch
		}
		if allBatch {
			first, last := ms[0].first, ms[0].last
			for _, m := range ms {
				first, last = min(first, m.first), max(last, m.last)
			}
			lines = append(lines, labelLine{text: batchLabel(t, len(ms), first, last), cat: cat})
			continue
		}
		// Otherwise one line per distinct label, counted when repeated.
		var texts []string
		count := map[string]int{}
		for _, m := range ms {
			if count[m.label] == 0 {
				texts = append(texts, m.label)
			}
			count[m.label]++
		}
		for _, text := range texts {
			if n := count[text]; n > 1 {
				text = fmt.Sprintf("%s (×%d)", text, n)
			}
			lines = append(lines, labelLine{text: text, cat: cat})
		}
	}
	return lines
}

// addTxnMark adds a commit or propose mark, merging it into the previous
// one of the same peer and time ("deliver e1:c1..c3").
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
	return verb + " " + zxidSpan(zab.MakeZxid(zab.Epoch(e), c), z)
}
