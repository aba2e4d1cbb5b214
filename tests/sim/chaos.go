package sim

import (
	"fmt"
	"log/slog"
	"math/rand"
	"slices"
	"strconv"

	"zabkafka/zab"
)

// Plan is the fault schedule of one random run, drawn from its seed
// (swarm testing: each seed also picks how hostile its run is).
// Probabilities are per tick unless noted.
type Plan struct {
	Peers      int
	Net        NetConfig
	ChaosTicks int // ticks of faults before heal and quiescence

	Partition float64 // start a new random partition
	Heal      float64 // heal every link
	Crash     float64 // crash a random running peer
	Restart   float64 // restart a random crashed peer
	// PointCrash is the probability, per crash point a Ready passes, of
	// crashing the peer right there.
	PointCrash float64
	Propose    float64 // the client proposes this tick
	Batch      int     // at most this many proposals per client turn

	SnapshotEvery, RetainEntries int

	// LazyFanout is the leader's pacing of its followers
	// (zab.Config.LazyFanoutTicks; 0: every follower gets every batch at
	// once). The node runs paced, so the random runs cover both.
	LazyFanout int

	// Late delivery (NetConfig.Replay and Late hold the pool and the
	// share of messages that are only late). ReleaseLate is the
	// probability per tick of delivering 1..4 random pooled copies, up to
	// LateWithin units later. FlushOnChange is the probability, per
	// reported change of a peer's role, phase, leader or epochs, that the
	// pooled copies on the link into it (from the leader it now follows,
	// or from a random peer) are flushed to it in send order: stale
	// messages arriving just as the peer starts a new session are the
	// ones that can do harm, and a uniform release rarely lands there.
	ReleaseLate   float64
	LateWithin    int64
	FlushOnChange float64
	// OneWay is the probability per tick of a one-way link failure: one
	// directed link, or every link out of one peer (it hears, nobody
	// hears it), or every link into one (it is heard, hears nobody).
	// Heal reopens them with the partitions.
	OneWay float64
	// Disk is the crash model of the disks (Config.Disk).
	Disk DiskConfig
}

// DrawPlan draws the plan of a seed.
func DrawPlan(seed int64) Plan {
	r := rand.New(rand.NewSource(seed ^ 0x5eed))
	pick := func(xs ...float64) float64 { return xs[r.Intn(len(xs))] }
	p := Plan{
		Peers:      []int{3, 3, 5, 5, 7}[r.Intn(5)],
		ChaosTicks: 200 + r.Intn(400),
		Partition:  pick(0, 0.01, 0.03, 0.06),
		Heal:       pick(0.02, 0.05, 0.1),
		Crash:      pick(0, 0.005, 0.02, 0.04),
		Restart:    pick(0.05, 0.1, 0.3),
		PointCrash: pick(0, 0, 0.0005, 0.002),
		Propose:    pick(0.3, 0.6, 0.9),
		Batch:      1 + r.Intn(4),
	}
	maxDelay := []int64{5, 10, 20, 40}[r.Intn(4)]
	p.Net = NetConfig{MinDelay: 1, MaxDelay: maxDelay, Loss: pick(0, 0, 0.01, 0.05, 0.15), Dup: pick(0, 0.01, 0.05)}
	if r.Intn(2) == 0 {
		p.SnapshotEvery, p.RetainEntries = 5+r.Intn(20), r.Intn(10)
	}
	// Drawn last, so the draws above are what they were for every seed.
	p.LazyFanout = []int{0, 0, 2, 8}[r.Intn(4)]
	// The late, one-way and disk faults, drawn after everything older.
	// Each is on for most seeds and off for some, so that a failure can
	// be told apart from the fault that needs it.
	p.Net.Replay = []int{0, 2, 2, 4}[r.Intn(4)]
	if p.Net.Replay > 0 {
		p.Net.Late = pick(0, 0.002, 0.01, 0.03)
		p.ReleaseLate = pick(0, 0.02, 0.05, 0.1)
		p.FlushOnChange = pick(0, 0.2, 0.5, 1)
		p.LateWithin = []int64{1, maxDelay, 10 * maxDelay}[r.Intn(3)]
	}
	p.OneWay = pick(0, 0, 0.01, 0.03)
	p.Disk = DiskConfig{PartialCrash: r.Intn(4) > 0, Torn: pick(0, 0.3)}
	return p
}

// RunOptions are the knobs of Run that do not change what happens, only
// what is kept of it.
type RunOptions struct {
	KeepTrace bool         // keep every trace event (for a failure report)
	Logger    *slog.Logger // the peers' logs; nil discards them
	// Watch, if set, is called with the World before the run starts, to
	// attach a Filter or inspect it while debugging a seed.
	Watch func(*World)
	// Knobs, if set, are the core's testing knobs: a deliberately broken
	// peer, to show that random runs find the bug a check prevents.
	Knobs *zab.TestingKnobs
}

// Result is the outcome of one random run.
type Result struct {
	Seed  int64
	Plan  Plan
	World *World
	// Hash is the trace hash: equal for two runs of one seed.
	Hash uint64
	// Proposed counts accepted proposals; Committed is the length of the
	// canonical committed sequence.
	Proposed, Committed int
	Crashes             int
	Err                 error
}

// Liveness bounds, in ticks, for the phase after the faults stop. They are
// generous multiples of the core's timeouts (InitLimit 10, election
// back-off up to 4*InitLimit): a run that needs more is stuck.
const (
	settleTicks = 400
	commitTicks = 200
	finalValues = 3
)

// Run plays one random run: faults for Plan.ChaosTicks ticks with a
// client proposing at the leader, then heal, restart everyone, and
// require that a leader is established, that new proposals commit on
// every peer (liveness), and that every invariant held throughout and at
// the end.
func Run(seed int64, plan Plan, opts RunOptions) Result {
	res := Result{Seed: seed, Plan: plan}
	w, err := New(Config{
		Seed: seed, Peers: plan.Peers, Net: plan.Net, KeepTrace: opts.KeepTrace, Logger: opts.Logger,
		SnapshotEvery: plan.SnapshotEvery, RetainEntries: plan.RetainEntries,
		Zab:  zab.Config{LazyFanoutTicks: plan.LazyFanout, TestingKnobs: opts.Knobs},
		Disk: plan.Disk,
	})
	if err != nil {
		res.Err = err
		return res
	}
	res.World = w
	if opts.Watch != nil {
		opts.Watch(w)
	}
	r := rand.New(rand.NewSource(seed ^ 0xc4a05))
	w.CrashHook = func(zab.PeerID, CrashPoint, *zab.Ready) bool {
		if plan.PointCrash > 0 && r.Float64() < plan.PointCrash {
			res.Crashes++
			return true
		}
		return false
	}
	// The late-delivery and one-way decisions draw from a stream of their
	// own, so the older faults of a seed stay as they were.
	lr := rand.New(rand.NewSource(seed ^ 0x1a7e5))
	if plan.FlushOnChange > 0 {
		w.OnSoftState = func(id zab.PeerID, s zab.Status) {
			if lr.Float64() >= plan.FlushOnChange {
				return
			}
			from := s.Leader
			if from == 0 || from == id {
				from = w.ids[lr.Intn(len(w.ids))]
			}
			if from != id {
				w.FlushLate(from, id, plan.LateWithin)
			}
		}
	}
	c := &client{w: w, prefix: "v"}
	end := w.Now() + int64(plan.ChaosTicks)*w.TickEvery()
	var turn func()
	turn = func() {
		lateTurn(w, lr, plan)
		chaosTurn(w, r, plan, c, &res)
		if w.Now()+w.TickEvery() < end {
			w.After(w.TickEvery(), turn)
		}
	}
	w.After(w.TickEvery()/2, turn)
	w.RunUntil(end)

	res.Err = settle(w, c)
	res.Proposed = c.accepted
	res.Hash = w.Trace.Hash()
	if w.Checker != nil {
		res.Committed = w.Checker.CommittedLen()
	}
	return res
}

// chaosTurn is one tick's worth of faults and client work.
func chaosTurn(w *World, r *rand.Rand, plan Plan, c *client, res *Result) {
	// Draw every decision each turn, in a fixed order, so that the
	// schedule does not depend on the outcome of earlier choices.
	doPart, doHeal, doCrash, doRestart, doPropose := r.Float64() < plan.Partition, r.Float64() < plan.Heal,
		r.Float64() < plan.Crash, r.Float64() < plan.Restart, r.Float64() < plan.Propose
	pick := r.Int63()
	if doPart {
		ids := w.IDs()
		r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		cut := 1 + r.Intn(len(ids)-1)
		w.Partition(ids[:cut], ids[cut:])
	}
	if doHeal {
		w.Heal()
	}
	if doCrash {
		if up := w.filterIDs(true); len(up) > 0 {
			_ = w.Crash(up[pick%int64(len(up))])
			res.Crashes++
		}
	}
	if doRestart {
		if down := w.filterIDs(false); len(down) > 0 {
			_ = w.Restart(down[pick%int64(len(down))])
		}
	}
	if doPropose {
		// Any peer that believes it leads gets proposals, stale minority
		// leaders included: those must never commit.
		for _, id := range w.IDs() {
			if s, ok := w.Status(id); ok && s.Role == zab.RoleLeading && s.Phase == zab.PhaseBroadcast {
				for i := 0; i < 1+int(pick%int64(plan.Batch)); i++ {
					c.propose(id)
				}
			}
		}
	}
}

// lateTurn is one tick's worth of late releases and one-way cuts.
func lateTurn(w *World, r *rand.Rand, plan Plan) {
	doRelease, doOneWay := r.Float64() < plan.ReleaseLate, r.Float64() < plan.OneWay
	count, kind, a, b := 1+r.Intn(4), r.Intn(3), w.ids[r.Intn(len(w.ids))], w.ids[r.Intn(len(w.ids))]
	if doRelease {
		w.ReleaseLate(count, plan.LateWithin)
	}
	if !doOneWay {
		return
	}
	switch {
	case kind == 0 && a != b:
		w.CutOneWay(a, b)
	case kind == 1: // a goes mute
		for _, o := range w.ids {
			if o != a {
				w.CutOneWay(a, o)
			}
		}
	case kind == 2: // a goes deaf
		for _, o := range w.ids {
			if o != a {
				w.CutOneWay(o, a)
			}
		}
	}
}

// filterIDs lists the peers that are up (or down).
func (w *World) filterIDs(up bool) []zab.PeerID {
	var out []zab.PeerID
	for _, id := range w.ids {
		if w.Up(id) == up {
			out = append(out, id)
		}
	}
	return out
}

// client proposes unique values.
type client struct {
	w        *World
	prefix   string
	next     int
	accepted int
}

func (c *client) propose(id zab.PeerID) (zab.Zxid, error) {
	c.next++
	z, err := c.w.Propose(id, []byte(c.prefix+strconv.Itoa(c.next)))
	if err == nil {
		c.accepted++
	}
	return z, err
}

// settle ends the faults and checks liveness and the end state: heal,
// release held messages and the late pool, clean network, restart every
// crashed peer; then a leader must establish itself, fresh proposals must
// commit everywhere, every peer must hold the same committed sequence,
// and the logs and the paper's properties must check out.
func settle(w *World, c *client) error {
	w.CrashHook = nil
	w.OnSoftState = nil
	w.Heal()
	w.Release()
	// Every pooled copy arrives once more, stale by now, and late
	// delivery stops: the peers must ignore them and still converge.
	w.ReleaseAllLate(10 * w.TickEvery())
	cfg := w.Net.Config()
	cfg.Loss, cfg.Dup = 0, 0
	w.Net.SetConfig(cfg)
	for _, id := range w.filterIDs(false) {
		if err := w.Restart(id); err != nil {
			return err
		}
	}
	if err := w.Err(); err != nil {
		return err
	}
	c.prefix = "final"
	var zs []zab.Zxid
	var leader zab.PeerID
	for attempt := 0; len(zs) < finalValues; attempt++ {
		if attempt == 5 {
			return fmt.Errorf("liveness: no leader kept accepting proposals after the heal (t=%d)", w.Now())
		}
		if !w.RunUntilCond(settleTicks*w.TickEvery(), w.Stable) {
			return fmt.Errorf("liveness: no stable leader within %d ticks of the heal (t=%d): %s", settleTicks, w.Now(), w.describeRoles())
		}
		leader, _ = w.Leader()
		zs = zs[:0]
		for len(zs) < finalValues {
			z, err := c.propose(leader)
			if err != nil {
				break
			}
			zs = append(zs, z)
		}
	}
	last := zs[len(zs)-1]
	all := func() bool {
		for _, id := range w.ids {
			if w.node(id).app.Last() < last {
				return false
			}
		}
		return true
	}
	if !w.RunUntilCond(commitTicks*w.TickEvery(), all) {
		return fmt.Errorf("liveness: proposals %v..%v at leader %d not delivered everywhere within %d ticks: %s",
			zs[0], last, leader, commitTicks, w.describeRoles())
	}
	return w.CheckEnd()
}

// Stable reports whether every peer is up and in BROADCAST under one
// leader.
func (w *World) Stable() bool {
	_, ok := w.StableAmong(w.ids...)
	return ok
}

// StableAmong returns the leader when every listed peer is up and in
// BROADCAST under one leader, itself listed and leading the newest epoch
// among them.
func (w *World) StableAmong(ids ...zab.PeerID) (zab.PeerID, bool) {
	var leader zab.PeerID
	for _, id := range ids {
		n := w.node(id)
		if n == nil || n.peer == nil {
			return 0, false
		}
		s := n.peer.Status()
		if s.Phase != zab.PhaseBroadcast || s.Leader == 0 || (leader != 0 && s.Leader != leader) {
			return 0, false
		}
		leader = s.Leader
	}
	l := w.node(leader)
	if l == nil || l.peer == nil || !slices.Contains(ids, leader) {
		return 0, false
	}
	if s := l.peer.Status(); s.Role != zab.RoleLeading || s.Phase != zab.PhaseBroadcast {
		return 0, false
	}
	return leader, true
}

// CheckEnd runs the end-of-run checks on a quiescent World: every running
// peer delivered the whole committed sequence, the original total-order
// and agreement forms hold, and the durable logs satisfy the log prefix
// property. It returns the first failure of the whole run.
func (w *World) CheckEnd() error {
	if err := w.Err(); err != nil {
		return err
	}
	if w.Checker == nil {
		return nil
	}
	_ = w.Checker.CheckConverged(w.filterIDs(true))
	_ = w.Checker.Final()
	_ = w.Checker.CheckLogs(w.DurableLogs())
	return w.Err()
}

// DurableLogs returns every peer's log as its disk holds it now (the
// retained part, behind any snapshot). A crashed peer's disk is read
// through a fresh handle, so only what survived the crash shows.
func (w *World) DurableLogs() map[zab.PeerID][]zab.Txn {
	logs := make(map[zab.PeerID][]zab.Txn, len(w.nodes))
	for _, n := range w.nodes {
		if n.peer == nil {
			n.disk = n.disk.Reopen() // nobody writes to a crashed peer's disk
		}
		first := n.disk.FirstZxid()
		if first == 0 {
			continue
		}
		es, err := n.disk.Entries(first-1, 0)
		if err != nil {
			w.fail("peer %d: reading its log: %v", n.id, err)
			continue
		}
		txns := make([]zab.Txn, len(es))
		for i, e := range es {
			txns[i] = zab.Txn{Zxid: zab.Zxid(e.Zxid), Data: e.Data}
		}
		logs[n.id] = txns
	}
	return logs
}

// describeRoles summarises every peer's status for a failure message.
func (w *World) describeRoles() string {
	s := ""
	for _, n := range w.nodes {
		if n.peer == nil {
			s += fmt.Sprintf("[%d down] ", n.id)
			continue
		}
		st := n.peer.Status()
		s += fmt.Sprintf("[%d %s/%s leader=%d epochs=%d/%d last=%v committed=%v] ",
			n.id, st.Role, st.Phase, st.Leader, st.Epochs.Accepted, st.Epochs.Current, st.LastZxid, st.Committed)
	}
	return s
}
