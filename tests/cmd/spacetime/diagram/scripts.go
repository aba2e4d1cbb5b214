package diagram

import (
	"fmt"
	"slices"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// The scenario scripts. Each checks every fact its caption states, so a
// change in the core that alters the story fails Generate (and the docs
// test) instead of silently redrawing a different picture.

// expect returns an error built from format when ok is false.
func expect(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// firstElection: a fresh start, as tests/scenarios
// TestFreshStartElectsHighestID.
func firstElection() (*run, View, error) {
	r, err := newRun(sim.Config{Seed: 1, Peers: 3})
	if err != nil {
		return nil, View{}, err
	}
	l, err := r.stable(1, 2, 3)
	if err != nil {
		return nil, View{}, err
	}
	if err := expect(l == 3, "leader n%d, want n3", l); err != nil {
		return nil, View{}, err
	}
	for _, id := range r.w.IDs() {
		if s, _ := r.w.Status(id); s.Epochs != (zab.Epochs{Accepted: 1, Current: 1}) {
			return nil, View{}, fmt.Errorf("n%d epochs %+v, want 1/1", id, s.Epochs)
		}
	}
	zs, err := r.propose(l, 1)
	if err != nil {
		return nil, View{}, err
	}
	if err := expect(zs[0] == zab.MakeZxid(1, 1), "first proposal %v, want e1:c1", zs[0]); err != nil {
		return nil, View{}, err
	}
	if err := r.waitDelivered(zs[0], 1, 2, 3); err != nil {
		return nil, View{}, err
	}
	return r, hideNoise(View{From: 0, To: r.w.Now()}, false), r.ending(3)
}

// minorityProposal: a leader that crashes after proposing to a minority,
// as tests/scenarios TestProposalSeenByMinorityOnlyIsSkipped.
func minorityProposal() (*run, View, error) {
	r, a, _, err := startCommitted(5, 2)
	if err == nil {
		err = expect(a == 5, "first leader n%d, want n5", a)
	}
	if err != nil {
		return nil, View{}, err
	}
	all := r.w.IDs()
	from := r.w.Now()
	witness := without(all, a)[0]
	r.cap.SetFilter(func(m *zab.Message) sim.Verdict {
		if m.Type == zab.MsgProposal && m.To != witness {
			return sim.Drop
		}
		return sim.Pass
	})
	xs, err := r.propose(a, 1)
	if err != nil {
		return nil, View{}, err
	}
	x := xs[0]
	if !r.w.RunUntilCond(deliverTicks*r.w.TickEvery(), func() bool { return r.logHas(witness, x) }) {
		return nil, View{}, fmt.Errorf("witness n%d never logged %v", witness, x)
	}
	for _, id := range []zab.PeerID{a, witness} {
		if err := r.w.Crash(id); err != nil {
			return nil, View{}, err
		}
	}
	r.cap.SetFilter(nil)
	rest := without(all, a, witness)
	l, err := r.stable(rest...)
	if err == nil {
		err = expect(l == 4, "new leader n%d, want n4", l)
	}
	var ys []zab.Zxid
	if err == nil {
		ys, err = r.propose(l, 1)
	}
	if err == nil {
		err = r.waitDelivered(ys[0], rest...)
	}
	for _, id := range []zab.PeerID{witness, a} {
		if err == nil {
			err = r.w.Restart(id)
		}
	}
	if err == nil {
		_, err = r.stable(all...)
	}
	if err == nil {
		err = r.waitDelivered(ys[0], all...)
	}
	if err == nil {
		err = r.ending(3)
	}
	if err != nil {
		return nil, View{}, err
	}
	if r.committedAnywhere(x) || r.logHas(a, x) || r.logHas(witness, x) {
		return nil, View{}, fmt.Errorf("minority-only %v survived", x)
	}
	for _, id := range []zab.PeerID{a, witness} {
		if modes := r.syncModes(id, from); len(modes) == 0 || modes[len(modes)-1] != zab.SyncTrunc {
			return nil, View{}, fmt.Errorf("NEWLEADER modes to n%d: %v, want TRUNC", id, modes)
		}
	}
	return r, hideNoise(View{From: from, To: r.w.Now()}, true), nil
}

// oldLeaderTrunc: an old leader returning with uncommitted proposals, as
// tests/scenarios
// TestOldLeaderReturnsAndIsTruncated.
func oldLeaderTrunc() (*run, View, error) {
	r, a, _, err := startCommitted(3, 3)
	if err != nil {
		return nil, View{}, err
	}
	all := r.w.IDs()
	from := r.w.Now()
	r.w.Isolate(a)
	xs, err := r.propose(a, 2)
	if err != nil {
		return nil, View{}, err
	}
	b, err := r.stable(without(all, a)...)
	if err == nil {
		err = expect(a == 3 && b == 2, "leaders n%d then n%d, want n3 then n2", a, b)
	}
	if err != nil {
		return nil, View{}, err
	}
	r.w.Heal()
	if _, err := r.stable(all...); err != nil {
		return nil, View{}, err
	}
	if err := r.ending(3); err != nil {
		return nil, View{}, err
	}
	modes := r.syncModes(a, from)
	if len(modes) == 0 || modes[len(modes)-1] != zab.SyncTrunc {
		return nil, View{}, fmt.Errorf("NEWLEADER modes to the returning leader: %v, want TRUNC", modes)
	}
	for _, x := range xs {
		if r.logHas(a, x) || r.committedAnywhere(x) {
			return nil, View{}, fmt.Errorf("uncommitted %v survived", x)
		}
	}
	return r, hideNoise(View{From: from, To: r.w.Now()}, true), nil
}

// laggingDiff: as tests/scenarios TestLaggingFollowerGetsDiff.
func laggingDiff() (*run, View, error) {
	r, l, zs, err := startCommitted(3, 2)
	if err != nil {
		return nil, View{}, err
	}
	all := r.w.IDs()
	lag := without(all, l)[0]
	if err := expect(l == 3 && lag == 1, "leader n%d, lagging n%d; want n3, n1", l, lag); err != nil {
		return nil, View{}, err
	}
	from := r.w.Now()
	if err := r.w.Crash(lag); err != nil {
		return nil, View{}, err
	}
	zs, err = r.propose(l, 5)
	if err == nil {
		err = r.waitDelivered(zs[4], without(all, lag)...)
	}
	if err == nil {
		err = r.w.Restart(lag)
	}
	var l2 zab.PeerID
	if err == nil {
		l2, err = r.stable(all...)
	}
	if err == nil {
		err = r.waitDelivered(zs[4], lag)
	}
	if err == nil {
		err = r.ending(3)
	}
	if err != nil {
		return nil, View{}, err
	}
	if l2 != l {
		return nil, View{}, fmt.Errorf("the restart forced a new leader n%d", l2)
	}
	if modes := r.syncModes(lag, from); len(modes) != 1 || modes[0] != zab.SyncDiff {
		return nil, View{}, fmt.Errorf("NEWLEADER modes to the lagging follower: %v, want one DIFF", modes)
	}
	return r, hideNoise(View{From: from, To: r.w.Now()}, false), nil
}

// pipelined: proposals made faster than they commit
// (docs/companion.md#phase-3-broadcast-dsn-2011-phase-3-rj-2008-protocol).
func pipelined() (*run, View, error) {
	const n, spacing = 6, 2
	r, l, _, err := startCommitted(3, 1)
	if err != nil {
		return nil, View{}, err
	}
	all := r.w.IDs()
	r.w.RunTicks(1)
	from := r.w.Now()
	var made []zab.Zxid
	var perr error
	for i := 0; i < n; i++ {
		r.w.At(from+int64(i*spacing), func() {
			z, err := r.propose(l, 1)
			made = append(made, z...)
			if perr == nil {
				perr = err
			}
		})
	}
	r.w.RunFor(n * spacing)
	if perr != nil {
		return nil, View{}, perr
	}
	if err := expect(l == 3 && len(made) == n && made[0] == zab.MakeZxid(1, 2) && made[n-1] == zab.MakeZxid(1, 7),
		"leader n%d proposed %v, want n3 proposing e1:c2..c7", l, made); err != nil {
		return nil, View{}, err
	}
	if err := r.waitDelivered(made[n-1], all...); err != nil {
		return nil, View{}, err
	}
	if err := r.ending(2); err != nil {
		return nil, View{}, err
	}
	// Pipelining: the leader made several proposals before its first
	// commit of the batch.
	before := 0
	for _, e := range r.w.Trace.Events() {
		if e.Time < from {
			continue
		}
		if e.Kind == sim.KindCommit && e.Peer == l && slices.Contains(made, e.Zxid) {
			break
		}
		if e.Kind == sim.KindPropose && e.Peer == l {
			before++
		}
	}
	if before < 3 {
		return nil, View{}, fmt.Errorf("only %d proposals before the first commit: not pipelined", before)
	}
	v := hideNoise(View{From: from - 1, To: r.w.Now()}, true)
	v.UnitPx = 20 // room for the proposals in flight at once
	return r, v, nil
}
