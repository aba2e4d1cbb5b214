package sim

import (
	"errors"
	"fmt"
	"math/rand"
	"strconv"

	"zabkafka/log"
	"zabkafka/tests/invariants"
	"zabkafka/zab"
)

// ErrDown is returned for an operation on a crashed peer.
var ErrDown = errors.New("sim: peer is down")

// node is one simulated machine: a disk that survives crashes and, while
// up, a zab.Peer with its state machine.
type node struct {
	id          zab.PeerID
	disk        *log.MemStore
	peer        *zab.Peer // nil while down
	app         App
	incarnation int
	soft        zab.Status // the soft state last reported in a Ready
	tickOffset  int64      // this peer's tick phase, so peers do not tick in lockstep
	sinceSnap   int        // deliveries since the last app snapshot
}

// World is a simulated cluster. It is single-threaded and deterministic:
// all randomness comes from Config.Seed.
type World struct {
	cfg   Config
	rng   *rand.Rand
	now   int64
	seq   uint64
	queue agenda
	nodes []*node // nodes[id-1]
	ids   []zab.PeerID

	// Net is the network between the peers.
	Net *Network
	// Checker observes the run; nil when Config.NoCheck.
	Checker *invariants.Checker
	// Trace records the run.
	Trace *Recorder
	// CrashHook, if set, is asked at every crash point of every Ready a
	// peer handles; returning true crashes the peer right there.
	CrashHook func(p zab.PeerID, at CrashPoint, rd *zab.Ready) bool
	// OnSoftState, if set, is told every change of a peer's role, phase,
	// leader or epochs, as its Ready reports it (before the Ready is
	// carried out). The random runs use it to release stale messages at
	// the moments they can do harm: a peer that just started following.
	OnSoftState func(p zab.PeerID, s zab.Status)

	diskRng *rand.Rand // the crash outcome draws (Config.Disk)
	lateRng *rand.Rand // the release-time draws of late copies

	failures []error // harness-detected failures that are not checker rules
	stepErrs int     // messages a peer rejected with an error
}

// New builds a World whose peers all start now, on empty disks.
func New(cfg Config) (*World, error) {
	cfg.fillDefaults()
	w := &World{cfg: cfg, rng: rand.New(rand.NewSource(cfg.Seed)), Trace: NewRecorder(cfg.KeepTrace)}
	// The disk and late-delivery streams are seeded apart from w.rng, so
	// that a run with those faults off draws exactly what it drew before
	// they existed.
	w.diskRng = rand.New(rand.NewSource(cfg.Seed ^ 0x0d15c))
	w.lateRng = rand.New(rand.NewSource(cfg.Seed ^ 0x1a7e))
	w.Net = newNetwork(cfg.Net, rand.New(rand.NewSource(w.rng.Int63())), rand.New(rand.NewSource(cfg.Seed^0x9001)))
	for i := 1; i <= cfg.Peers; i++ {
		w.ids = append(w.ids, zab.PeerID(i))
	}
	if !cfg.NoCheck {
		w.Checker = invariants.New()
		w.Checker.TrackDisks(w.ids)
	}
	for _, id := range w.ids {
		n := &node{id: id, disk: log.NewMemStore(), tickOffset: w.rng.Int63n(cfg.TickEvery)}
		w.nodes = append(w.nodes, n)
	}
	for _, n := range w.nodes {
		if err := w.start(n); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// IDs returns the peer ids, ascending.
func (w *World) IDs() []zab.PeerID { return append([]zab.PeerID(nil), w.ids...) }

// Now is the simulated time in units.
func (w *World) Now() int64 { return w.now }

// Ticks is the simulated time in whole ticks.
func (w *World) Ticks() int64 { return w.now / w.cfg.TickEvery }

// TickEvery is the number of time units in a tick.
func (w *World) TickEvery() int64 { return w.cfg.TickEvery }

// Rand is the World's seeded source, for test code that wants its own
// choices to replay with the seed.
func (w *World) Rand() *rand.Rand { return w.rng }

func (w *World) node(id zab.PeerID) *node {
	if id == 0 || int(id) > len(w.nodes) {
		return nil
	}
	return w.nodes[id-1]
}

// Up reports whether a peer is running.
func (w *World) Up(id zab.PeerID) bool {
	n := w.node(id)
	return n != nil && n.peer != nil
}

// Status returns a running peer's live status.
func (w *World) Status(id zab.PeerID) (zab.Status, bool) {
	n := w.node(id)
	if n == nil || n.peer == nil {
		return zab.Status{}, false
	}
	return n.peer.Status(), true
}

// Disk returns a peer's disk (the current handle; a crash replaces it).
func (w *World) Disk(id zab.PeerID) *log.MemStore {
	if n := w.node(id); n != nil {
		return n.disk
	}
	return nil
}

// Delivered returns what a peer's state machine holds: the transactions
// applied in its current incarnation, including a restored snapshot.
func (w *World) Delivered(id zab.PeerID) []zab.Txn {
	if n := w.node(id); n != nil {
		return append([]zab.Txn(nil), n.app.Txns()...)
	}
	return nil
}

// Leader returns the running peer that leads in BROADCAST with the
// highest epoch, if any. A stale leader on the minority side of a
// partition may exist too; it is never preferred over a newer one.
func (w *World) Leader() (zab.PeerID, bool) {
	var best zab.PeerID
	var bestEpoch zab.Epoch
	for _, n := range w.nodes {
		if n.peer == nil {
			continue
		}
		s := n.peer.Status()
		if s.Role == zab.RoleLeading && s.Phase == zab.PhaseBroadcast && (best == 0 || s.Epochs.Current > bestEpoch) {
			best, bestEpoch = n.id, s.Epochs.Current
		}
	}
	return best, best != 0
}

// fail records a harness-level failure: something the checker's rules do
// not cover but the run must not do (a storage error, a peer that cannot
// restart, a delivery of an undurable entry, a Ready loop that never
// ends).
func (w *World) fail(format string, args ...any) {
	err := fmt.Errorf("t=%d: "+format, append([]any{w.now}, args...)...)
	if len(w.failures) < 32 {
		w.failures = append(w.failures, err)
	}
}

// noteViolation marks a violation the checker just reported in the
// trace, so that a failure report shows where it happened.
func (w *World) noteViolation(err error) {
	if err != nil {
		w.Trace.Record(Event{Time: w.now, Kind: KindViolation, Note: err.Error()})
	}
}

// Err returns the first harness failure or invariant violation, nil if
// there is none.
func (w *World) Err() error {
	if len(w.failures) > 0 {
		return w.failures[0]
	}
	if w.Checker != nil {
		return w.Checker.Err()
	}
	return nil
}

// StepErrors is how many delivered messages a peer rejected with an error
// (stale or misaddressed); informational.
func (w *World) StepErrors() int { return w.stepErrs }

// schedule adds an event at time at.
func (w *World) schedule(e *event) {
	w.seq++
	e.seq = w.seq
	w.queue.push(e)
}

// At runs fn at simulated time t (or now, if t is in the past).
func (w *World) At(t int64, fn func()) {
	w.schedule(&event{at: max(t, w.now), kind: evCall, fn: fn})
}

// After runs fn d time units from now.
func (w *World) After(d int64, fn func()) { w.At(w.now+d, fn) }

// Step runs the next event. It returns false when nothing is scheduled.
func (w *World) Step() bool {
	if len(w.queue) == 0 {
		return false
	}
	e := w.queue.pop()
	w.now = e.at
	switch e.kind {
	case evDeliver:
		w.deliver(e.msg, e.note)
	case evTick:
		w.tick(e.peer, e.incarnation)
	case evCall:
		e.fn()
	}
	return true
}

// RunUntil runs every event scheduled up to time t, then sets the clock
// to t.
func (w *World) RunUntil(t int64) {
	for len(w.queue) > 0 && w.queue.peekTime() <= t {
		w.Step()
	}
	w.now = max(w.now, t)
}

// RunFor runs for d time units.
func (w *World) RunFor(d int64) { w.RunUntil(w.now + d) }

// RunTicks runs for n ticks.
func (w *World) RunTicks(n int) { w.RunFor(int64(n) * w.cfg.TickEvery) }

// RunUntilCond runs until cond holds (checked after each event) or the
// time limit d passes; it reports whether cond held.
func (w *World) RunUntilCond(d int64, cond func() bool) bool {
	end := w.now + d
	for !cond() {
		if len(w.queue) == 0 || w.queue.peekTime() > end {
			w.now = max(w.now, end)
			return cond()
		}
		w.Step()
	}
	return true
}

// Propose hands data to a peer's Propose and handles the resulting Ready.
func (w *World) Propose(id zab.PeerID, data []byte) (zab.Zxid, error) {
	n := w.node(id)
	if n == nil || n.peer == nil {
		return 0, ErrDown
	}
	z, err := n.peer.Propose(data)
	if err == nil {
		w.Trace.Record(Event{Time: w.now, Kind: KindPropose, Peer: id, Zxid: z})
	}
	w.drain(n)
	return z, err
}

// send puts a message on the network.
func (w *World) send(m zab.Message) {
	delays, why := w.Net.route(&m, w.now)
	if len(delays) == 0 {
		if why != "held" {
			w.recordMsg(KindDrop, &m, why)
		}
		return
	}
	for i, d := range delays {
		mm := m
		if i > 0 {
			mm = cloneMessage(m)
		}
		w.schedule(&event{at: w.now + d, kind: evDeliver, msg: mm})
	}
}

// Inject delivers a message d units from now as if the network carried
// it, bypassing loss, partitions and the Filter: scenarios use it to forge
// what a lying or confused peer would send.
func (w *World) Inject(m zab.Message, d int64) {
	w.schedule(&event{at: w.now + d, kind: evDeliver, msg: cloneMessage(m)})
}

// Release stops holding every link and sends the parked messages again,
// each with a fresh delay, in the order they were first sent.
func (w *World) Release() {
	w.Trace.Record(Event{Time: w.now, Kind: KindNetwork, Note: "release held messages"})
	for _, m := range w.Net.releaseHeld() {
		w.Net.Stats.Sent-- // counted once, when first sent
		w.send(m)
	}
}

// ReleaseLate delivers up to n copies from the replay pool
// (NetConfig.Replay), each at a random time 1..within units from now: old
// messages arriving out of nowhere, possibly again.
func (w *World) ReleaseLate(n int, within int64) {
	for _, c := range w.Net.pickLate(n) {
		w.scheduleLate(c, w.now+1+w.lateRng.Int63n(max(within, 1)))
	}
}

// FlushLate delivers every pooled copy sent from `from` to `to` (from 0:
// from anyone), oldest first, starting 1..within units from now and each
// 0..1 units after the one before: a stale connection flushing what it
// buffered, after its sender or receiver may long have restarted.
func (w *World) FlushLate(from, to zab.PeerID, within int64) {
	cs := w.Net.lateOnLink(from, to)
	if len(cs) == 0 {
		return
	}
	w.Trace.Record(Event{Time: w.now, Kind: KindNetwork, Note: fmt.Sprintf("flush %d late copies %d->%d", len(cs), from, to)})
	at := w.now + 1 + w.lateRng.Int63n(max(within, 1))
	for _, c := range cs {
		w.scheduleLate(c, at)
		at += w.lateRng.Int63n(2)
	}
}

// ReleaseAllLate delivers every pooled copy within `within` units and
// empties the pool, which stops collecting.
func (w *World) ReleaseAllLate(within int64) {
	for _, c := range w.Net.drainPool() {
		w.scheduleLate(c, w.now+1+w.lateRng.Int63n(max(within, 1)))
	}
}

func (w *World) scheduleLate(c pooled, at int64) {
	w.Net.Stats.Replayed++
	w.schedule(&event{at: at, kind: evDeliver, msg: c.msg, note: "late, sent at t=" + strconv.FormatInt(c.sentAt, 10)})
}

// CutOneWay blocks the link from one peer to another only: `to` stops
// hearing `from` while `from` still hears `to` (a one-way link failure:
// a half-broken NIC, a firewall rule, a full receive queue).
func (w *World) CutOneWay(from, to zab.PeerID) {
	w.Net.Block(from, to)
	w.Trace.Record(Event{Time: w.now, Kind: KindNetwork, Note: fmt.Sprintf("cut %d->%d", from, to)})
}

// Partition replaces any earlier partition: it blocks every link between
// the groups; peers in no group are cut off from everyone.
func (w *World) Partition(groups ...[]zab.PeerID) {
	listed := map[zab.PeerID]bool{}
	for _, g := range groups {
		for _, p := range g {
			listed[p] = true
		}
	}
	for _, id := range w.ids {
		if !listed[id] {
			groups = append(groups, []zab.PeerID{id})
		}
	}
	w.Net.Heal()
	w.Net.Partition(groups...)
	w.Trace.Record(Event{Time: w.now, Kind: KindNetwork, Note: fmt.Sprintf("partition %v", groups)})
}

// Isolate cuts one peer off from every other.
func (w *World) Isolate(id zab.PeerID) {
	for _, o := range w.ids {
		if o != id {
			w.Net.Block(id, o)
			w.Net.Block(o, id)
		}
	}
	w.Trace.Record(Event{Time: w.now, Kind: KindNetwork, Note: fmt.Sprintf("isolate %d", id)})
}

// Heal reopens every link.
func (w *World) Heal() {
	w.Net.Heal()
	w.Trace.Record(Event{Time: w.now, Kind: KindNetwork, Note: "heal"})
}

// deliver hands a message to its receiver, unless the link is now
// blocked or the receiver is down. note marks a late copy in the trace.
func (w *World) deliver(m zab.Message, note string) {
	n := w.node(m.To)
	switch {
	case w.Net.Blocked(m.From, m.To):
		w.Net.Stats.Dropped++
		w.recordMsg(KindDrop, &m, joinNotes("partition", note))
		return
	case n == nil || n.peer == nil:
		w.Net.Stats.Dropped++
		w.recordMsg(KindDrop, &m, joinNotes("receiver down", note))
		return
	}
	w.Net.Stats.Delivered++
	w.recordMsg(KindDeliver, &m, note)
	if err := n.peer.Step(m); err != nil {
		w.stepErrs++
	}
	w.drain(n)
}

// joinNotes joins two trace notes, the second possibly empty.
func joinNotes(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

func (w *World) recordMsg(k EventKind, m *zab.Message, note string) {
	w.Trace.Record(Event{Time: w.now, Kind: k, From: m.From, To: m.To, Type: m.Type, Zxid: m.Zxid, Epoch: m.Epoch,
		Session: m.Session, Attempt: m.Attempt, Note: note})
}

// tick ticks a peer and schedules its next tick, as long as the
// incarnation the chain was started for is still running.
func (w *World) tick(id zab.PeerID, incarnation int) {
	n := w.node(id)
	if n.peer == nil || n.incarnation != incarnation {
		return
	}
	n.peer.Tick()
	w.drain(n)
	if n.peer != nil && n.incarnation == incarnation {
		w.schedule(&event{at: w.now + w.cfg.TickEvery, kind: evTick, peer: id, incarnation: incarnation})
	}
}

// maxReadies bounds the Readies one input may produce: more means the core
// keeps finding work without new input (a livelock).
const maxReadies = 1000

// drain handles every Ready the peer has.
func (w *World) drain(n *node) {
	for i := 0; n.peer != nil && n.peer.HasReady(); i++ {
		if i == maxReadies {
			w.fail("peer %d: still has a Ready after %d in a row", n.id, maxReadies)
			return
		}
		rd := n.peer.Ready()
		w.handleReady(n, rd)
	}
}
