package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"zabkafka/tests/invariants"
	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// Generous bounds, in ticks, for the protocol to make progress: several
// times the core's timeouts (InitLimit 10, SyncLimit 5, election back-off
// up to 40). A scenario that needs more is stuck.
const (
	settleTicks  = 400
	deliverTicks = 200
)

// harness wraps a World with the assertions scenarios share. Every
// failure message carries the tail of the trace.
type harness struct {
	*sim.World
	t     *testing.T
	rules []*crashRule
	vals  int
}

// crashRule crashes a peer at a crash point of the first Ready that
// matches; it fires once.
type crashRule struct {
	peer  zab.PeerID
	at    sim.CrashPoint
	match func(rd *zab.Ready) bool
	fired bool
}

func newHarness(t *testing.T, cfg sim.Config) *harness {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	cfg.KeepTrace = true
	w, err := sim.New(cfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	h := &harness{World: w, t: t}
	w.CrashHook = h.hook
	return h
}

func (h *harness) hook(p zab.PeerID, at sim.CrashPoint, rd *zab.Ready) bool {
	for _, r := range h.rules {
		if !r.fired && r.peer == p && r.at == at && (r.match == nil || r.match(rd)) {
			r.fired = true
			return true
		}
	}
	return false
}

// crashWhen arms a one-shot crash of peer at point in the first Ready
// that match accepts (nil: any). It returns the rule, to check it fired.
func (h *harness) crashWhen(peer zab.PeerID, at sim.CrashPoint, match func(rd *zab.Ready) bool) *crashRule {
	r := &crashRule{peer: peer, at: at, match: match}
	h.rules = append(h.rules, r)
	return r
}

// sends reports whether rd sends a message of type t.
func sends(t zab.MsgType) func(rd *zab.Ready) bool {
	return func(rd *zab.Ready) bool {
		return slices.ContainsFunc(rd.Messages, func(m zab.Message) bool { return m.Type == t })
	}
}

// appends reports whether rd appends z.
func appends(z zab.Zxid) func(rd *zab.Ready) bool {
	return func(rd *zab.Ready) bool {
		return slices.ContainsFunc(rd.Append, func(t zab.Txn) bool { return t.Zxid == z })
	}
}

// fatalf fails the test with the trace tail and the peers' states.
func (h *harness) fatalf(format string, args ...any) {
	h.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, format, args...)
	fmt.Fprintf(&b, "\nt=%d peers:", h.Now())
	for _, id := range h.IDs() {
		if s, ok := h.Status(id); ok {
			fmt.Fprintf(&b, "\n  %d %s/%s leader=%d epochs=%d/%d last=%v committed=%v",
				id, s.Role, s.Phase, s.Leader, s.Epochs.Accepted, s.Epochs.Current, s.LastZxid, s.Committed)
		} else {
			fmt.Fprintf(&b, "\n  %d down", id)
		}
	}
	evs := h.Trace.Events()
	b.WriteString("\ntrace tail:")
	for _, e := range evs[max(0, len(evs)-40):] {
		b.WriteString("\n  " + e.String())
	}
	h.t.Fatal(b.String())
}

// noViolation fails if the checker or the harness saw anything wrong.
func (h *harness) noViolation() {
	h.t.Helper()
	if err := h.Err(); err != nil {
		h.fatalf("violation: %v", err)
	}
}

// stable runs until the listed peers are in BROADCAST under one of them,
// and returns that leader.
func (h *harness) stable(ids ...zab.PeerID) zab.PeerID {
	h.t.Helper()
	var l zab.PeerID
	ok := h.RunUntilCond(settleTicks*h.TickEvery(), func() bool {
		var ok bool
		l, ok = h.StableAmong(ids...)
		return ok
	})
	if !ok {
		h.fatalf("peers %v found no common leader within %d ticks", ids, settleTicks)
	}
	h.noViolation()
	return l
}

// propose proposes n fresh values at peer and returns their zxids.
func (h *harness) propose(peer zab.PeerID, n int) []zab.Zxid {
	h.t.Helper()
	var zs []zab.Zxid
	for i := 0; i < n; i++ {
		h.vals++
		z, err := h.Propose(peer, []byte(fmt.Sprintf("x%d", h.vals)))
		if err != nil {
			h.fatalf("propose at %d: %v", peer, err)
		}
		zs = append(zs, z)
	}
	return zs
}

// delivered reports whether peer's state machine holds z.
func (h *harness) delivered(peer zab.PeerID, z zab.Zxid) bool {
	return slices.ContainsFunc(h.Delivered(peer), func(t zab.Txn) bool { return t.Zxid == z })
}

// waitDelivered runs until every listed peer has delivered z.
func (h *harness) waitDelivered(z zab.Zxid, ids ...zab.PeerID) {
	h.t.Helper()
	ok := h.RunUntilCond(deliverTicks*h.TickEvery(), func() bool {
		for _, id := range ids {
			if !h.delivered(id, z) {
				return false
			}
		}
		return true
	})
	if !ok {
		h.fatalf("%v not delivered on all of %v within %d ticks", z, ids, deliverTicks)
	}
	h.noViolation()
}

// committedAnywhere reports whether the checker saw z delivered by anyone.
func (h *harness) committedAnywhere(z zab.Zxid) bool {
	return slices.ContainsFunc(h.Checker.Committed(), func(t zab.Txn) bool { return t.Zxid == z })
}

// logHas reports whether peer's durable log holds z (a down peer's disk
// is read through a fresh handle, so only what survived counts).
func (h *harness) logHas(peer zab.PeerID, z zab.Zxid) bool {
	logs := h.DurableLogs()
	return slices.ContainsFunc(logs[peer], func(t zab.Txn) bool { return t.Zxid == z })
}

func (h *harness) crash(ids ...zab.PeerID) {
	h.t.Helper()
	for _, id := range ids {
		if err := h.Crash(id); err != nil {
			h.fatalf("crash %d: %v", id, err)
		}
	}
}

func (h *harness) restart(ids ...zab.PeerID) {
	h.t.Helper()
	for _, id := range ids {
		if err := h.Restart(id); err != nil {
			h.fatalf("restart %d: %v", id, err)
		}
	}
}

// finish heals everything, brings every peer up, requires a stable leader
// that commits a fresh proposal everywhere, and runs the end-of-run checks
// (convergence, the paper's original forms, the durable logs).
func (h *harness) finish() {
	h.t.Helper()
	h.CrashHook = nil
	h.Net.Filter = nil
	h.Heal()
	h.Release()
	for _, id := range h.IDs() {
		if !h.Up(id) {
			h.restart(id)
		}
	}
	l := h.stable(h.IDs()...)
	z := h.propose(l, 1)[0]
	h.waitDelivered(z, h.IDs()...)
	if err := h.CheckEnd(); err != nil {
		h.fatalf("end of run: %v", err)
	}
}

// epoch is the current epoch of a running peer.
func (h *harness) epoch(id zab.PeerID) zab.Epoch {
	s, ok := h.Status(id)
	if !ok {
		h.fatalf("peer %d is down", id)
	}
	return s.Epochs.Current
}

// wantViolation asserts that the run broke one of the given rules: used
// by the fault-injected twins that prove a scenario can see its bug.
func wantViolation(t *testing.T, err error, rules ...invariants.Rule) {
	t.Helper()
	v, ok := err.(*invariants.Violation)
	if !ok {
		t.Fatalf("want a violation of %v, got %v", rules, err)
	}
	if !slices.Contains(rules, v.Rule) {
		t.Fatalf("want a violation of %v, got %v", rules, v)
	}
}

// wantSomeViolation asserts that one of the recorded violations (not
// necessarily the first) broke one of the given rules: a twin whose
// fault is caught at its cause can still show the consequence.
func wantSomeViolation(t *testing.T, vs []invariants.Violation, rules ...invariants.Rule) {
	t.Helper()
	for _, v := range vs {
		if slices.Contains(rules, v.Rule) {
			return
		}
	}
	t.Fatalf("want a violation of %v among %v", rules, vs)
}
