package transcript

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// tickEvery is how many time units a tick is in every transcript World.
const tickEvery = 10

// defaultMax bounds a "run until", in ticks: several times the core's
// timeouts, as in tests/scenarios. A condition not met by then is
// reported, not waited for.
const defaultMax = 400

// Options adjust how a Runner runs.
type Options struct {
	// Watch, if set, is called with every World a start command builds,
	// after the Runner has installed its hooks: the space-time diagrams
	// attach their Capture here (it must keep the Runner's Filter, see
	// diagram.Capture.SetFilter).
	Watch func(w *sim.World)
	// Replayed, if set, is told of each kept copy a replay command puts
	// on the wire, and when it will arrive (the diagrams draw it from
	// its sender, as a late copy).
	Replayed func(m zab.Message, arrive int64)
}

// msgKey is what the trace tells of a delivered or dropped message:
// enough to find the message as it was sent.
type msgKey struct {
	from, to zab.PeerID
	typ      zab.MsgType
	epoch    zab.Epoch
	zxid     zab.Zxid
}

func keyOf(m *zab.Message) msgKey {
	return msgKey{from: m.From, to: m.To, typ: m.Type, epoch: m.Epoch, zxid: m.Zxid}
}

// sent is a message on its way, as the Runner saw it leave.
type sent struct {
	m        zab.Message
	at       int64 // when it left
	arrive   int64 // when it arrives: every message takes the same delay
	repeat   bool  // an ACK that acknowledges nothing new (a PING's answer)
	replayed bool  // a kept copy sent again by replay
}

// Runner executes transcript commands on a simulated cluster and
// renders what each did. It is deterministic: one transcript gives the
// same output, byte for byte, on every run.
type Runner struct {
	opts Options
	w    *sim.World

	// printed is how many trace events have been rendered.
	printed int
	// inFlight holds each message sent and not yet delivered or dropped,
	// by trace key, oldest first: the trace names a message only by its
	// key (a VOTE's key does not even hold the vote), and the Runner
	// prints it whole. An event is paired with the message of its key
	// that arrives at its time (or, for a drop, left at it), which is
	// exact because every message takes the same delay.
	inFlight map[msgKey][]sent
	lastAck  map[msgKey]zab.Zxid
	// statuses are the peers' soft states reported with each role event,
	// by trace index (the trace records the role, not the epochs).
	statuses map[int]zab.Status

	hidden         map[zab.MsgType]bool
	hideHeartbeats bool
	focus          []zab.PeerID

	netRules   []*netRule
	ruleSeq    int
	crashRules []*crashRule
	copies     []zab.Message
	releasing  bool // messages being released pass every rule
	load       bool
	vals       int
}

// NewRunner returns a Runner with no cluster: the first command of a
// transcript starts one.
func NewRunner(opts Options) *Runner { return &Runner{opts: opts} }

// World is the cluster of the last start command (nil before one).
func (r *Runner) World() *sim.World { return r.w }

// Exec runs one command line and returns what it printed: the events it
// caused, then its own result. A bad command prints "error: ..." and
// changes nothing.
func (r *Runner) Exec(line string) string {
	a, err := parseArgs(line)
	var out []string
	if err == nil {
		out, err = r.exec(a)
	}
	if err == nil {
		err = a.unused()
	}
	if r.w != nil {
		out = append(r.events(), out...)
	}
	if err != nil {
		out = append(out, "error: "+err.Error())
	}
	if len(out) == 0 {
		out = []string{"ok"}
	}
	return strings.Join(out, "\n")
}

// command is one command of the language.
type command struct {
	run func(r *Runner, a *args) ([]string, error)
	// noWorld: the command needs no cluster.
	noWorld bool
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"start":     {run: (*Runner).cmdStart, noWorld: true},
		"crash":     {run: (*Runner).cmdCrash},
		"restart":   {run: (*Runner).cmdRestart},
		"partition": {run: (*Runner).cmdPartition},
		"isolate":   {run: (*Runner).cmdIsolate},
		"cut":       {run: (*Runner).cmdCut},
		"heal":      {run: (*Runner).cmdHeal},
		"drop":      {run: func(r *Runner, a *args) ([]string, error) { return r.cmdRule(a, actDrop) }},
		"hold":      {run: func(r *Runner, a *args) ([]string, error) { return r.cmdRule(a, actHold) }},
		"copy":      {run: func(r *Runner, a *args) ([]string, error) { return r.cmdRule(a, actCopy) }},
		"clear":     {run: (*Runner).cmdClear},
		"release":   {run: (*Runner).cmdRelease},
		"replay":    {run: (*Runner).cmdReplay},
		"propose":   {run: (*Runner).cmdPropose},
		"load":      {run: (*Runner).cmdLoad},
		"tick":      {run: (*Runner).cmdTick},
		"run":       {run: (*Runner).cmdRun},
		"status":    {run: (*Runner).cmdStatus},
		"log":       {run: (*Runner).cmdLog},
		"check":     {run: (*Runner).cmdCheck},
		"rules":     {run: (*Runner).cmdRules},
		"show":      {run: func(r *Runner, a *args) ([]string, error) { return r.cmdShow(a, false) }},
		"hide":      {run: func(r *Runner, a *args) ([]string, error) { return r.cmdShow(a, true) }},
		"focus":     {run: (*Runner).cmdFocus},
	}
}

func (r *Runner) exec(a *args) ([]string, error) {
	c, ok := commands[a.cmd]
	if !ok {
		return nil, fmt.Errorf("unknown command %q", a.cmd)
	}
	if r.w == nil && !c.noWorld {
		return nil, fmt.Errorf("no cluster yet: start one first")
	}
	return c.run(r, a)
}

// filter is the network Filter of the Runner's World: it applies the
// rules in force and remembers every message that leaves, to print it
// whole when it arrives.
func (r *Runner) filter(m *zab.Message) sim.Verdict {
	v := sim.Pass
	if !r.releasing {
		v = r.applyRules(m)
	}
	if v == sim.Hold {
		// Recorded when released: World.ReleaseWhere sends it again.
		return v
	}
	now := r.w.Now()
	s := sent{m: *m, at: now, arrive: now + r.w.Net.Config().MinDelay}
	if m.Type == zab.MsgAck {
		k := msgKey{from: m.From, to: m.To, epoch: m.Epoch}
		prev, seen := r.lastAck[k]
		s.repeat = seen && m.Zxid <= prev
		if !s.repeat {
			r.lastAck[k] = m.Zxid
		}
	}
	k := keyOf(m)
	r.inFlight[k] = append(r.inFlight[k], s)
	return v
}

// applyRules returns the verdict of the first drop or hold rule that
// selects m, after every copy rule that selects it kept a copy.
func (r *Runner) applyRules(m *zab.Message) sim.Verdict {
	for _, nr := range r.netRules {
		if (nr.limit > 0 && nr.used >= nr.limit) || !nr.sel.match(m) {
			continue
		}
		nr.used++
		switch nr.act {
		case actCopy:
			r.copies = append(r.copies, *m)
		case actDrop:
			return sim.Drop
		case actHold:
			return sim.Hold
		}
	}
	return sim.Pass
}

// crashHook is the World's CrashHook: the first armed rule that matches
// crashes its peer.
func (r *Runner) crashHook(p zab.PeerID, at sim.CrashPoint, rd *zab.Ready) bool {
	for _, cr := range r.crashRules {
		if !cr.fired && cr.peer == p && cr.at == at && cr.match(r.w, rd) {
			cr.fired = true
			return true
		}
	}
	return false
}

// visible reports whether a message event is printed.
func (r *Runner) visible(s sent) bool {
	m := &s.m
	if r.hidden[m.Type] {
		return false
	}
	if r.hideHeartbeats && (m.Type == zab.MsgPing || s.repeat) {
		return false
	}
	return r.inFocus(m.From) || r.inFocus(m.To)
}

func (r *Runner) inFocus(p zab.PeerID) bool {
	return len(r.focus) == 0 || slices.Contains(r.focus, p)
}

// events renders the trace events recorded since the last call.
//
// Messages and deliveries of one moment are gathered until something
// else happens (a role change, a crash, a network change, a violation)
// or time moves on: PROPOSALs, ACKs or COMMITs that arrive on one link
// at one moment are one line, and so are the deliveries (or proposals)
// of one peer, each line where its first event was. A peer that
// delivers entries as ACKs arrive reads "2->3 ACK ×3 e1:c3..c5" then
// "3: delivers e1:c3..c5".
func (r *Runner) events() []string {
	evs := r.w.Trace.Events()
	var out []string
	var moment []*item
	flush := func() {
		for _, it := range moment {
			out = append(out, it.line())
		}
		moment = nil
	}
	for i := r.printed; i < len(evs); i++ {
		e := evs[i]
		if len(moment) > 0 && moment[0].at != e.Time {
			flush()
		}
		switch e.Kind {
		case sim.KindCommit, sim.KindPropose:
			if r.inFocus(e.Peer) {
				moment = addTxn(moment, e)
			}
		case sim.KindDeliver, sim.KindDrop:
			if s := r.arrived(e); r.visible(s) {
				moment = addMsg(moment, e, s)
			}
		default:
			if line, ok := r.render(i, e); ok {
				flush()
				out = append(out, line)
			}
		}
	}
	flush()
	r.printed = len(evs)
	return out
}

// arrived returns the message a delivery or drop event is about, as it
// was sent, and forgets it.
func (r *Runner) arrived(e sim.Event) sent {
	k := msgKey{from: e.From, to: e.To, typ: e.Type, epoch: e.Epoch, zxid: e.Zxid}
	q := r.inFlight[k]
	for i, s := range q {
		if s.arrive == e.Time || (e.Kind == sim.KindDrop && s.at == e.Time) {
			r.inFlight[k] = append(q[:i:i], q[i+1:]...)
			return s
		}
	}
	// Not seen leaving: one of the first votes, sent while the World was
	// built, before the Runner's Filter was in place.
	return sent{m: zab.Message{Type: e.Type, From: e.From, To: e.To, Epoch: e.Epoch, Zxid: e.Zxid}}
}

// item is one printed line of a moment: one message, several
// PROPOSALs, ACKs or COMMITs on one link, or the deliveries (proposals)
// of one peer.
type item struct {
	at   int64
	kind sim.EventKind
	// Messages: the link, the type, and the drop reason.
	from, to zab.PeerID
	typ      zab.MsgType
	note     string
	sents    []sent
	// Deliveries or proposals: the peer and the zxids.
	peer  zab.PeerID
	zxids []zab.Zxid
}

// batched are the types whose messages on one link at one moment are
// printed as one line.
func batched(t zab.MsgType) bool {
	return t == zab.MsgProposal || t == zab.MsgAck || t == zab.MsgCommit
}

func addMsg(moment []*item, e sim.Event, s sent) []*item {
	if batched(e.Type) && !s.replayed {
		for _, it := range moment {
			if it.kind == e.Kind && it.from == e.From && it.to == e.To && it.typ == e.Type && it.note == e.Note && !it.sents[0].replayed {
				it.sents = append(it.sents, s)
				return moment
			}
		}
	}
	return append(moment, &item{at: e.Time, kind: e.Kind, from: e.From, to: e.To, typ: e.Type, note: e.Note, sents: []sent{s}})
}

func addTxn(moment []*item, e sim.Event) []*item {
	for _, it := range moment {
		if it.kind == e.Kind && it.peer == e.Peer {
			it.zxids = append(it.zxids, e.Zxid)
			return moment
		}
	}
	return append(moment, &item{at: e.Time, kind: e.Kind, peer: e.Peer, zxids: []zab.Zxid{e.Zxid}})
}

// line renders the item: "t=4.9 3->1 PROPOSAL ×3 +e1:c1..c3 commit=e0:c0",
// "t=5.3 3: delivers e1:c1..c3".
func (it *item) line() string {
	switch it.kind {
	case sim.KindCommit:
		return fmt.Sprintf("%s %d: delivers %s", when(it.at), it.peer, zxidList(it.zxids))
	case sim.KindPropose:
		return fmt.Sprintf("%s %d: proposes %s", when(it.at), it.peer, zxidList(it.zxids))
	}
	text := describe(&it.sents[0].m)
	if n := len(it.sents); n > 1 {
		first, last := &it.sents[0].m, &it.sents[n-1].m
		switch it.typ {
		case zab.MsgProposal:
			var all []zab.Zxid
			for _, s := range it.sents {
				all = append(all, txnZxids(s.m.Txns)...)
			}
			text = fmt.Sprintf("PROPOSAL ×%d +%s", n, zxidList(all))
			if last.Commit != 0 {
				text += " commit=" + zx(last.Commit)
			}
		case zab.MsgAck:
			text = fmt.Sprintf("ACK ×%d %s", n, span(first.Zxid, last.Zxid))
		case zab.MsgCommit:
			text = fmt.Sprintf("COMMIT ×%d %s", n, span(first.Commit, last.Commit))
		}
	}
	line := fmt.Sprintf("%s %d->%d %s", when(it.at), it.from, it.to, text)
	if it.sents[0].replayed {
		line += " (replayed copy)"
	}
	if it.kind == sim.KindDrop {
		line += " dropped (" + it.note + ")"
	}
	return line
}

// render renders one trace event other than a message, a commit or a
// proposal; ok is false when it is not shown.
func (r *Runner) render(i int, e sim.Event) (string, bool) {
	at := when(e.Time)
	switch e.Kind {
	case sim.KindRole:
		if !r.inFocus(e.Peer) {
			return "", false
		}
		s, ok := r.statuses[i]
		if !ok {
			s = zab.Status{Role: e.Role, Phase: e.Phase, Leader: e.Leader}
		}
		return fmt.Sprintf("%s %d: %s", at, e.Peer, statusLine(s)), true
	case sim.KindCrash:
		if !r.inFocus(e.Peer) {
			return "", false
		}
		if e.Note == "crash" {
			return fmt.Sprintf("%s %d: crashes", at, e.Peer), true
		}
		return fmt.Sprintf("%s %d: crashes at %s", at, e.Peer, e.Note), true
	case sim.KindRestart:
		if !r.inFocus(e.Peer) {
			return "", false
		}
		return fmt.Sprintf("%s %d: restarts, log ends %s", at, e.Peer, zx(e.Zxid)), true
	case sim.KindNetwork:
		return fmt.Sprintf("%s network: %s", at, e.Note), true
	case sim.KindViolation:
		return fmt.Sprintf("%s VIOLATION %s", at, e.Note), true
	}
	return "", false
}

// RunFile runs the transcript at path and returns it parsed, with the
// output of each of its commands.
func RunFile(path string, opts Options) (*File, []string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := Parse(string(b))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, Run(f, opts), nil
}

// Run runs every command of f on a fresh Runner and returns their
// outputs.
func Run(f *File, opts Options) []string {
	r := NewRunner(opts)
	out := make([]string, len(f.Blocks))
	for i, b := range f.Blocks {
		out[i] = r.Exec(b.Command)
	}
	return out
}
