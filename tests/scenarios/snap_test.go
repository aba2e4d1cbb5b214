package scenarios

import (
	"testing"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// TestLeaderDiesMidSnap is ZOOKEEPER-3642 (fix efbd660e1). A follower far
// behind is sent a SNAP; the leader crashes right after the NEWLEADER
// carrying the snapshot leaves, before it can establish anything. In the
// second case the follower also crashes right after installing the snapshot,
// before its epoch write and its ack. Either way the follower may hold the
// snapshot (it is committed state) but nothing beyond what it really has;
// with the next leader it resyncs, and a later restart loses nothing
// committed.
func TestLeaderDiesMidSnap(t *testing.T) {
	for _, followerCrash := range []bool{false, true} {
		name := "leader-crash"
		if followerCrash {
			name = "leader-and-follower-crash"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, sim.Config{Peers: 3, SnapshotEvery: 3})
			last := behindRetainedLog(h, 15)
			l, _ := h.Leader()
			snapSent := h.crashWhen(l, sim.CrashAfterSend, func(rd *zab.Ready) bool {
				for _, m := range rd.Messages {
					if m.Type == zab.MsgNewLeader && m.To == 1 && m.Mode == zab.SyncSnap {
						return true
					}
				}
				return false
			})
			var installed *crashRule
			if followerCrash {
				installed = h.crashWhen(1, sim.CrashAfterSnapshot, nil)
			}
			h.restart(1)
			if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return snapSent.fired }) {
				h.fatalf("leader never sent a SNAP to the far-behind follower")
			}
			if installed != nil {
				h.RunUntilCond(deliverTicks*h.TickEvery(), func() bool { return installed.fired })
				if !installed.fired {
					h.fatalf("follower never installed the SNAP")
				}
				h.restart(1)
			}
			others := without(h.IDs(), l)
			nl := h.stable(others...)
			h.waitDelivered(last, others...)
			h.waitDelivered(h.propose(nl, 1)[0], others...)
			h.crash(1)
			h.restart(1)
			h.finish()
		})
	}
}

// TestSnapReplacesStaleSuffix is ZOOKEEPER-2832
// (docs/bugs.md#zookeeper-2832-a-stale-suffix-under-a-snapshot): peer A logs
// x alone as a cut-off leader and crashes; the others commit well past what
// they retain, and restart (so that only a snapshot can bring A back). A
// rejoins holding x under a SNAP. Installing the SNAP must discard A's old
// log (log.Store.InstallSnapshot replaces state and log in one step), so x
// is neither in A's log after the sync nor after a further restart, and
// never delivered.
func TestSnapReplacesStaleSuffix(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3, SnapshotEvery: 3})
	a := h.stable(1, 2, 3)
	h.waitDelivered(h.propose(a, 2)[1], 1, 2, 3)
	h.Isolate(a)
	x := h.propose(a, 1)[0]
	h.crash(a)
	h.Heal()
	rest := without(h.IDs(), a)
	l := h.stable(rest...)
	zs := h.propose(l, 12)
	h.waitDelivered(zs[11], rest...)
	h.crash(rest...)
	h.restart(rest...)
	h.stable(rest...)
	modes := syncModes(h, a)
	h.restart(a)
	h.stable(1, 2, 3)
	if len(*modes) == 0 || (*modes)[len(*modes)-1] != zab.SyncSnap {
		h.fatalf("NEWLEADER modes to the stale peer: %v, want SNAP", *modes)
	}
	if h.logHas(a, x) {
		h.fatalf("stale %v survived under the SNAP", x)
	}
	h.crash(a)
	h.restart(a)
	h.finish()
	if h.logHas(a, x) || h.committedAnywhere(x) {
		h.fatalf("stale %v came back after a restart", x)
	}
}
