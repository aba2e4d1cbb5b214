package transcript

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"zabkafka/tests/invariants"
	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// intArg reads key=N, with def when absent.
func intArg(a *args, key string, def, min int) (int, error) {
	v, ok := a.get(key)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		return 0, fmt.Errorf("%s=%s: want a number of at least %d", key, v, min)
	}
	return n, nil
}

// peersArg reads the positional arguments as peer ids, at least one.
func (r *Runner) peersArg(a *args) ([]zab.PeerID, error) {
	if len(a.pos) == 0 {
		return nil, fmt.Errorf("%s: name a peer", a.cmd)
	}
	var out []zab.PeerID
	for _, p := range a.pos {
		ps, err := parsePeers(p, len(r.w.IDs()))
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// cmdStart builds a new cluster, replacing any earlier one:
//
//	start [peers=3] [seed=1] [delay=4] [snapshot-every=N] [retain=N]
//	      [init-limit=N] [sync-limit=N] [counter=P:N]
//	      [fault=send-before-sync,epochs-before-history]
//	      [knob=accept-stale-sync-sessions]
func (r *Runner) cmdStart(a *args) ([]string, error) {
	if len(a.pos) > 0 {
		return nil, fmt.Errorf("start takes only key=value arguments")
	}
	cfg := sim.Config{TickEvery: tickEvery, KeepTrace: true}
	var err error
	ints := []struct {
		key      string
		dst      *int
		def, min int
	}{
		{"peers", &cfg.Peers, 3, 1}, {"snapshot-every", &cfg.SnapshotEvery, 0, 1}, {"retain", &cfg.RetainEntries, 0, 0},
		{"init-limit", &cfg.Zab.InitLimit, 0, 1}, {"sync-limit", &cfg.Zab.SyncLimit, 0, 1},
	}
	for _, f := range ints {
		if *f.dst, err = intArg(a, f.key, f.def, f.min); err != nil {
			return nil, err
		}
	}
	if cfg.Peers > 9 {
		return nil, fmt.Errorf("peers=%d: at most 9", cfg.Peers)
	}
	seed, err := intArg(a, "seed", 1, 0)
	if err != nil {
		return nil, err
	}
	cfg.Seed = int64(seed)
	// One delay for every message: a transcript reads in send order, and
	// a diagram pairs each delivery with its send exactly.
	delay, err := intArg(a, "delay", 4, 1)
	if err != nil {
		return nil, err
	}
	cfg.Net = sim.NetConfig{MinDelay: int64(delay), MaxDelay: int64(delay)}
	if v, ok := a.get("counter"); ok {
		ps, ns, found := strings.Cut(v, ":")
		p, perr := parsePeers(ps, cfg.Peers)
		n, nerr := strconv.ParseUint(ns, 0, 32)
		if !found || perr != nil || nerr != nil || len(p) != 1 {
			return nil, fmt.Errorf("counter=%s: want counter=<peer>:<first counter>", v)
		}
		cfg.Tune = func(id zab.PeerID, c *zab.Config) {
			if id == p[0] {
				c.InitialCounter = uint32(n)
			}
		}
	}
	if v, ok := a.get("fault"); ok {
		for _, f := range strings.Split(v, ",") {
			switch f {
			case "send-before-sync":
				cfg.Faults.SendBeforeSync = true
			case "epochs-before-history":
				cfg.Faults.EpochsBeforeHistory = true
			default:
				return nil, fmt.Errorf("no fault %q (send-before-sync, epochs-before-history)", f)
			}
		}
	}
	if v, ok := a.get("knob"); ok {
		if v != "accept-stale-sync-sessions" {
			return nil, fmt.Errorf("no knob %q (accept-stale-sync-sessions)", v)
		}
		cfg.Zab.TestingKnobs = &zab.TestingKnobs{AcceptStaleSyncSessions: true}
	}
	if err := a.unused(); err != nil {
		return nil, err
	}
	w, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	*r = Runner{opts: r.opts, w: w, inFlight: map[msgKey][]sent{}, lastAck: map[msgKey]zab.Zxid{},
		statuses: map[int]zab.Status{}, hidden: map[zab.MsgType]bool{zab.MsgVote: true}, hideHeartbeats: true}
	// The peers started inside New, before any hook: their first role
	// events are what they report now.
	for i, e := range w.Trace.Events() {
		if s, ok := w.Status(e.Peer); ok && e.Kind == sim.KindRole {
			r.statuses[i] = s
		}
	}
	w.Net.Filter = r.filter
	w.CrashHook = r.crashHook
	w.OnSoftState = func(_ zab.PeerID, s zab.Status) { r.statuses[w.Trace.Count()-1] = s }
	if r.opts.Watch != nil {
		r.opts.Watch(w)
	}
	return nil, nil
}

// cmdCrash crashes peers now (crash 1 2), or arms a one-shot crash of one
// peer at a crash point of the first Ready that meets the conditions
// given (crash 1 at=after-epochs sends=ACKEPOCH).
func (r *Runner) cmdCrash(a *args) ([]string, error) {
	ps, err := r.peersArg(a)
	if err != nil {
		return nil, err
	}
	at, armed := a.get("at")
	if !armed {
		for _, p := range ps {
			if !r.w.Up(p) {
				return nil, fmt.Errorf("crash %d: %w", p, sim.ErrDown)
			}
		}
		for _, p := range ps {
			if err := r.w.Crash(p); err != nil {
				return nil, fmt.Errorf("crash %d: %w", p, err)
			}
		}
		return nil, nil
	}
	if len(ps) != 1 {
		return nil, fmt.Errorf("crash at a point names one peer")
	}
	cr := &crashRule{peer: ps[0]}
	if cr.at, err = parseCrashPoint(at); err != nil {
		return nil, err
	}
	if v, ok := a.get("sends"); ok {
		sel := selector{}
		if sel.types, err = parseTypes(v); err != nil {
			return nil, err
		}
		sub := &args{cmd: a.cmd, kv: a.kv, used: a.used}
		extra, err := parseSelector(sub, len(r.w.IDs()))
		if err != nil {
			return nil, err
		}
		sel.from, sel.to, sel.mode, sel.zxid = extra.from, extra.to, extra.mode, extra.zxid
		cr.sends = &sel
	}
	if v, ok := a.get("appends"); ok {
		if e, err := strconv.ParseUint(strings.TrimPrefix(v, "e"), 10, 32); err == nil && strings.HasPrefix(v, "e") {
			cr.appendsE = zab.Epoch(e)
		} else if cr.appends, err = parseZxid(v); err != nil {
			return nil, fmt.Errorf("appends=%s: want a zxid or an epoch (e1)", v)
		}
	}
	if v, ok := a.get("delivers"); ok {
		if cr.delivers, err = parseZxid(v); err != nil {
			return nil, err
		}
	}
	if v, ok := a.get("role"); ok {
		role, err := parseRole(v)
		if err != nil {
			return nil, err
		}
		cr.role = &role
	}
	r.crashRules = append(r.crashRules, cr)
	return []string{"armed: " + cr.String()}, nil
}

// cmdRestart restarts crashed peers over what their disks kept.
func (r *Runner) cmdRestart(a *args) ([]string, error) {
	ps, err := r.peersArg(a)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if r.w.Up(p) {
			return nil, fmt.Errorf("restart %d: it is running", p)
		}
	}
	for _, p := range ps {
		if err := r.w.Restart(p); err != nil {
			return nil, fmt.Errorf("restart %d: %w", p, err)
		}
	}
	return nil, nil
}

// cmdPartition splits the peers into the groups given (partition 1,2 3);
// a peer in no group is cut off from everyone.
func (r *Runner) cmdPartition(a *args) ([]string, error) {
	if len(a.pos) < 2 {
		return nil, fmt.Errorf("partition: name at least two groups, as 1,2 3")
	}
	var groups [][]zab.PeerID
	for _, g := range a.pos {
		ps, err := parsePeers(g, len(r.w.IDs()))
		if err != nil {
			return nil, err
		}
		groups = append(groups, ps)
	}
	r.w.Partition(groups...)
	return nil, nil
}

func (r *Runner) cmdIsolate(a *args) ([]string, error) {
	ps, err := r.peersArg(a)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		r.w.Isolate(p)
	}
	return nil, nil
}

// cmdCut blocks one direction of a link (cut 1->2: 2 stops hearing 1).
func (r *Runner) cmdCut(a *args) ([]string, error) {
	if len(a.pos) != 1 {
		return nil, fmt.Errorf("cut: name one link, as 1->2")
	}
	f, t, ok := strings.Cut(a.pos[0], "->")
	from, ferr := parsePeers(f, len(r.w.IDs()))
	to, terr := parsePeers(t, len(r.w.IDs()))
	if !ok || ferr != nil || terr != nil || len(from) != 1 || len(to) != 1 || from[0] == to[0] {
		return nil, fmt.Errorf("cut %s: want <from>-><to>, two peers", a.pos[0])
	}
	r.w.CutOneWay(from[0], to[0])
	return nil, nil
}

func (r *Runner) cmdHeal(a *args) ([]string, error) {
	if len(a.pos) > 0 {
		return nil, fmt.Errorf("heal takes no argument")
	}
	r.w.Heal()
	return nil, nil
}

// cmdRule adds a drop, hold or copy rule: drop PROPOSAL to=2 [count=N].
func (r *Runner) cmdRule(a *args, act action) ([]string, error) {
	sel, err := parseSelector(a, len(r.w.IDs()))
	if err != nil {
		return nil, err
	}
	limit, err := intArg(a, "count", 0, 1)
	if err != nil {
		return nil, err
	}
	r.ruleSeq++
	nr := &netRule{id: r.ruleSeq, act: act, sel: sel, limit: limit}
	r.netRules = append(r.netRules, nr)
	return []string{nr.String()}, nil
}

// cmdClear removes network rules: all of them, or those named by number;
// "clear crashes" disarms the crash rules that have not fired.
func (r *Runner) cmdClear(a *args) ([]string, error) {
	if len(a.pos) == 1 && a.pos[0] == "crashes" {
		n := len(r.crashRules)
		r.crashRules = slices.DeleteFunc(r.crashRules, func(cr *crashRule) bool { return !cr.fired })
		return []string{fmt.Sprintf("disarmed %d crash rules", n-len(r.crashRules))}, nil
	}
	if len(a.pos) == 0 {
		n := len(r.netRules)
		r.netRules = nil
		return []string{fmt.Sprintf("cleared %d rules", n)}, nil
	}
	var out []string
	for _, p := range a.pos {
		id, err := strconv.Atoi(p)
		i := slices.IndexFunc(r.netRules, func(nr *netRule) bool { return nr.id == id })
		if err != nil || i < 0 {
			return out, fmt.Errorf("no rule %q", p)
		}
		out = append(out, "cleared "+r.netRules[i].String())
		r.netRules = slices.Delete(r.netRules, i, i+1)
	}
	return out, nil
}

// cmdRelease sends again the held messages a selector picks (all of
// them with none), each with a fresh delay; the rules stay.
func (r *Runner) cmdRelease(a *args) ([]string, error) {
	sel, err := parseSelector(a, len(r.w.IDs()))
	if err != nil {
		return nil, err
	}
	r.releasing = true
	n := r.w.ReleaseWhere(sel.match)
	r.releasing = false
	if n == 0 {
		return []string{"nothing held matches " + sel.String()}, nil
	}
	return nil, nil
}

// cmdReplay delivers again the copies kept by copy rules that a selector
// picks, in the order they were sent, delay units from now (default 1),
// past partitions and rules: a late duplicate from a stale connection.
func (r *Runner) cmdReplay(a *args) ([]string, error) {
	sel, err := parseSelector(a, len(r.w.IDs()))
	if err != nil {
		return nil, err
	}
	delay, err := intArg(a, "delay", 1, 1)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, m := range r.copies {
		if !sel.match(&m) {
			continue
		}
		n++
		k := keyOf(&m)
		now := r.w.Now()
		r.inFlight[k] = append(r.inFlight[k], sent{m: m, at: now, arrive: now + int64(delay), replayed: true})
		if r.opts.Replayed != nil {
			r.opts.Replayed(m, now+int64(delay))
		}
		r.w.Inject(m, int64(delay))
	}
	if n == 0 {
		return []string{"no kept copy matches " + sel.String()}, nil
	}
	return []string{fmt.Sprintf("replaying %d kept copies, arriving at %s", n, when(r.w.Now()+int64(delay)))}, nil
}

// cmdPropose proposes n values (default 1) at a peer; it stops at the
// first refusal and prints it.
func (r *Runner) cmdPropose(a *args) ([]string, error) {
	ps, err := r.peersArg(a)
	if err != nil {
		return nil, err
	}
	if len(ps) != 1 {
		return nil, fmt.Errorf("propose at one peer")
	}
	n, err := intArg(a, "n", 1, 1)
	if err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		r.vals++
		if _, err := r.w.Propose(ps[0], fmt.Appendf(nil, "v%d", r.vals)); err != nil {
			// The proposals made so far print before the refusal.
			return append(r.events(), fmt.Sprintf("%d refuses proposal %d of %d: %v", ps[0], i+1, n, err)), nil
		}
	}
	return nil, nil
}

// cmdLoad turns on or off a client that proposes one value per tick at
// whichever peer leads.
func (r *Runner) cmdLoad(a *args) ([]string, error) {
	if len(a.pos) != 1 || (a.pos[0] != "on" && a.pos[0] != "off") {
		return nil, fmt.Errorf("load on|off")
	}
	on := a.pos[0] == "on"
	if on == r.load {
		return []string{"load is already " + a.pos[0]}, nil
	}
	r.load = on
	if on {
		w := r.w
		var tick func()
		tick = func() {
			if !r.load || r.w != w {
				return
			}
			if l, ok := w.Leader(); ok {
				r.vals++
				_, _ = w.Propose(l, fmt.Appendf(nil, "v%d", r.vals))
			}
			w.After(tickEvery, tick)
		}
		w.After(0, tick)
	}
	return nil, nil
}

// cmdTick runs the simulation for n ticks (default 1).
func (r *Runner) cmdTick(a *args) ([]string, error) {
	n := 1
	switch len(a.pos) {
	case 0:
	case 1:
		var err error
		if n, err = strconv.Atoi(a.pos[0]); err != nil || n < 1 {
			return nil, fmt.Errorf("tick %s: want a number of ticks", a.pos[0])
		}
	default:
		return nil, fmt.Errorf("tick [n]")
	}
	r.w.RunTicks(n)
	return nil, nil
}

// cmdStatus prints every peer's role, phase, epochs, last logged zxid and
// commit point; a crashed one's durable epochs and last zxid.
func (r *Runner) cmdStatus(a *args) ([]string, error) {
	if len(a.pos) > 0 {
		return nil, fmt.Errorf("status takes no argument")
	}
	var out []string
	for _, id := range r.w.IDs() {
		if s, ok := r.w.Status(id); ok {
			out = append(out, fmt.Sprintf("%d: %s, last=%s committed=%s", id, statusLine(s), zx(s.LastZxid), zx(s.Committed)))
			continue
		}
		d := r.w.Disk(id)
		acc, cur := d.DurableEpochs()
		out = append(out, fmt.Sprintf("%d: down; disk acc=e%d cur=e%d, last=%s", id, acc, cur, zx(zab.Zxid(d.DurableLastZxid()))))
	}
	return out, nil
}

// cmdLog prints what a peer's disk holds durably (epochs, snapshot, log)
// and what its state machine has delivered.
func (r *Runner) cmdLog(a *args) ([]string, error) {
	ps, err := r.peersArg(a)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ps {
		d := r.w.Disk(id)
		acc, cur := d.DurableEpochs()
		snap := "none"
		if z, ok := d.DurableSnapshot(); ok {
			snap = zx(zab.Zxid(z))
		}
		var zs []zab.Zxid
		for _, e := range d.DurableLog() {
			zs = append(zs, zab.Zxid(e.Zxid))
		}
		out = append(out, fmt.Sprintf("%d: epochs acc=e%d cur=e%d, snapshot %s", id, acc, cur, snap),
			fmt.Sprintf("%d: log %s", id, zxidList(zs)))
		if !r.w.Up(id) {
			out = append(out, fmt.Sprintf("%d: down, nothing delivered", id))
			continue
		}
		if n := d.Unsynced(); n > 0 {
			out = append(out, fmt.Sprintf("%d: %d writes not synced", id, n))
		}
		out = append(out, fmt.Sprintf("%d: delivered %s", id, zxidList(txnZxids(r.w.Delivered(id)))))
	}
	return out, nil
}

// cmdCheck prints the invariant checker's verdict on the run so far:
// each broken rule with how often it broke and its first violation, in
// the order the rules first broke. "check end" first runs the
// end-of-run checks (every running peer delivered everything committed,
// the paper's total order and agreement, the durable logs' prefix
// property), which want a quiet, healed cluster.
func (r *Runner) cmdCheck(a *args) ([]string, error) {
	switch {
	case len(a.pos) == 1 && a.pos[0] == "end":
		_ = r.w.CheckEnd()
	case len(a.pos) > 0:
		return nil, fmt.Errorf("check [end]")
	}
	var rules []invariants.Rule
	first := map[invariants.Rule]invariants.Violation{}
	count := map[invariants.Rule]int{}
	for _, v := range r.w.Checker.Violations() {
		if count[v.Rule] == 0 {
			rules = append(rules, v.Rule)
			first[v.Rule] = v
		}
		count[v.Rule]++
	}
	var out []string
	for _, rule := range rules {
		v := first[rule]
		if n := count[rule]; n > 1 {
			out = append(out, fmt.Sprintf("violation %s (%d times), first: %s", rule, n, strings.TrimPrefix(v.Error(), string(rule)+": ")))
		} else {
			out = append(out, "violation "+v.Error())
		}
	}
	var v *invariants.Violation
	if err := r.w.Err(); err != nil && !errors.As(err, &v) {
		out = append(out, "failure "+err.Error())
	}
	if len(out) == 0 {
		out = []string{"ok: no violation"}
	}
	return out, nil
}

// cmdRules lists the network rules in force and every crash rule.
func (r *Runner) cmdRules(a *args) ([]string, error) {
	if len(a.pos) > 0 {
		return nil, fmt.Errorf("rules takes no argument")
	}
	var out []string
	for _, nr := range r.netRules {
		out = append(out, nr.String())
	}
	for _, cr := range r.crashRules {
		state := "armed"
		if cr.fired {
			state = "fired"
		}
		out = append(out, fmt.Sprintf("%s: %s", cr, state))
	}
	if len(r.copies) > 0 {
		out = append(out, fmt.Sprintf("%d copies kept", len(r.copies)))
	}
	if len(out) == 0 {
		out = []string{"no rules"}
	}
	return out, nil
}

// cmdShow shows or hides message types in the output (VOTE and
// heartbeats are hidden at start); "heartbeats" are PINGs and the ACKs
// that answer them.
func (r *Runner) cmdShow(a *args, hide bool) ([]string, error) {
	if len(a.pos) == 0 {
		return nil, fmt.Errorf("%s: name message types or heartbeats", a.cmd)
	}
	for _, p := range a.pos {
		for _, name := range strings.Split(p, ",") {
			if name == "heartbeats" {
				r.hideHeartbeats = hide
				continue
			}
			t, ok := msgTypes[name]
			if !ok {
				return nil, fmt.Errorf("no message type %q", name)
			}
			r.hidden[t] = hide
		}
	}
	return nil, nil
}

// cmdFocus limits the output to events of some peers (messages from or
// to them, their role changes, crashes and deliveries); "focus all"
// shows everyone again.
func (r *Runner) cmdFocus(a *args) ([]string, error) {
	if len(a.pos) == 1 && a.pos[0] == "all" {
		r.focus = nil
		return nil, nil
	}
	ps, err := r.peersArg(a)
	if err != nil {
		return nil, err
	}
	r.focus = ps
	return nil, nil
}
