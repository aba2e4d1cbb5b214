package diagram

import (
	"fmt"
	"slices"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// Bounds, in ticks, for the protocol to make progress in a scenario:
// several times the core's timeouts, as in tests/scenarios.
const (
	settleTicks  = 400
	deliverTicks = 200
)

// run is one scenario's World with the steps scenarios share. Each step
// returns an error instead of failing a test, so that the command and the
// docs test report the same failure.
type run struct {
	w    *sim.World
	cap  *Capture
	vals int
}

// netDelay is every message's delay in the diagram runs, in time units
// (a tick is 10): constant, so that Capture pairs sends and deliveries
// exactly, and arrows of one picture share a slope.
const netDelay = 4

func newRun(cfg sim.Config) (*run, error) {
	cfg.KeepTrace = true
	cfg.Net = sim.NetConfig{MinDelay: netDelay, MaxDelay: netDelay}
	w, err := sim.New(cfg)
	if err != nil {
		return nil, err
	}
	return &run{w: w, cap: Attach(w)}, nil
}

// startCommitted is the common opening of the diagram scripts: a run of
// `peers` peers, a leader all of them follow, and k values proposed there
// and delivered everywhere.
func startCommitted(peers, k int) (r *run, leader zab.PeerID, zs []zab.Zxid, err error) {
	r, err = newRun(sim.Config{Seed: 1, Peers: peers})
	if err != nil {
		return nil, 0, nil, err
	}
	all := r.w.IDs()
	if leader, err = r.stable(all...); err != nil {
		return nil, 0, nil, err
	}
	if zs, err = r.propose(leader, k); err != nil {
		return nil, 0, nil, err
	}
	if err = r.waitDelivered(zs[k-1], all...); err != nil {
		return nil, 0, nil, err
	}
	return r, leader, zs, nil
}

// stable runs until the listed peers are in BROADCAST under one of them.
func (r *run) stable(ids ...zab.PeerID) (zab.PeerID, error) {
	var l zab.PeerID
	ok := r.w.RunUntilCond(settleTicks*r.w.TickEvery(), func() bool {
		var ok bool
		l, ok = r.w.StableAmong(ids...)
		return ok
	})
	if !ok {
		return 0, fmt.Errorf("peers %v found no common leader within %d ticks", ids, settleTicks)
	}
	return l, r.w.Err()
}

// propose proposes n fresh values at peer.
func (r *run) propose(peer zab.PeerID, n int) ([]zab.Zxid, error) {
	var zs []zab.Zxid
	for i := 0; i < n; i++ {
		r.vals++
		z, err := r.w.Propose(peer, fmt.Appendf(nil, "v%d", r.vals))
		if err != nil {
			return zs, fmt.Errorf("propose at n%d: %w", peer, err)
		}
		zs = append(zs, z)
	}
	return zs, nil
}

func (r *run) delivered(peer zab.PeerID, z zab.Zxid) bool {
	return slices.ContainsFunc(r.w.Delivered(peer), func(t zab.Txn) bool { return t.Zxid == z })
}

// waitDelivered runs until every listed peer has delivered z.
func (r *run) waitDelivered(z zab.Zxid, ids ...zab.PeerID) error {
	ok := r.w.RunUntilCond(deliverTicks*r.w.TickEvery(), func() bool {
		for _, id := range ids {
			if !r.delivered(id, z) {
				return false
			}
		}
		return true
	})
	if !ok {
		return fmt.Errorf("%v not delivered on all of %v within %d ticks", z, ids, deliverTicks)
	}
	return r.w.Err()
}

// logHas reports whether peer's durable log holds z.
func (r *run) logHas(peer zab.PeerID, z zab.Zxid) bool {
	return slices.ContainsFunc(r.w.DurableLogs()[peer], func(t zab.Txn) bool { return t.Zxid == z })
}

// committedAnywhere reports whether any peer delivered z.
func (r *run) committedAnywhere(z zab.Zxid) bool {
	return slices.ContainsFunc(r.w.Checker.Committed(), func(t zab.Txn) bool { return t.Zxid == z })
}

// syncModes lists the modes of the NEWLEADER messages sent to peer at or
// after time from.
func (r *run) syncModes(peer zab.PeerID, from int64) []zab.SyncMode {
	var modes []zab.SyncMode
	for _, s := range r.cap.Sends() {
		if s.At >= from && s.Key.typ == zab.MsgNewLeader && s.Key.to == peer {
			modes = append(modes, s.Mode)
		}
	}
	return modes
}

func without(ids []zab.PeerID, drop ...zab.PeerID) []zab.PeerID {
	return slices.DeleteFunc(slices.Clone(ids), func(id zab.PeerID) bool { return slices.Contains(drop, id) })
}

// ending runs a few more ticks, so the diagram shows the commit point
// reaching everyone, and checks the run end to end.
func (r *run) ending(ticks int) error {
	r.w.RunTicks(ticks)
	return r.w.CheckEnd()
}
