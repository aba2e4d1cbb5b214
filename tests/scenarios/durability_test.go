package scenarios

import (
	"slices"
	"testing"

	"zabkafka/tests/invariants"
	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// TestCrashBetweenEpochWriteAndItsMessage is ZOOKEEPER-1291 and
// ZOOKEEPER-1282 (fix f8f15de5f;
// docs/rules.md#acceptedepoch-before-leaderinfo-and-ackepoch). A follower
// crashes after persisting acceptedEpoch = e and before its ACKEPOCH leaves;
// in the other case the leader crashes after persisting acceptedEpoch = e
// and before any LEADERINFO(e) leaves. After the restart the promise must
// still be on disk (acceptedEpoch never decreases; the checker compares
// every write), the ensemble must establish an epoch above e, and nothing is
// lost.
func TestCrashBetweenEpochWriteAndItsMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		peer zab.PeerID
		msg  zab.MsgType
	}{{"follower-before-ACKEPOCH", 1, zab.MsgAckEpoch}, {"leader-before-LEADERINFO", 3, zab.MsgLeaderInfo}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sim.Config{Peers: 3})
			rule := h.crashWhen(tc.peer, sim.CrashAfterEpochs, sends(tc.msg))
			if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return rule.fired }) {
				h.fatalf("peer %d never sent %v", tc.peer, tc.msg)
			}
			promised, _ := h.Disk(tc.peer).Reopen().Epochs()
			if promised == 0 {
				h.fatalf("peer %d crashed after its epoch write, but its disk has acceptedEpoch 0", tc.peer)
			}
			h.restart(tc.peer)
			l := h.stable(1, 2, 3)
			if s, _ := h.Status(tc.peer); uint32(s.Epochs.Accepted) < promised {
				h.fatalf("acceptedEpoch went from %d to %d across the restart", promised, s.Epochs.Accepted)
			}
			if tc.peer == 3 && uint32(h.epoch(l)) <= promised {
				// The crashed leader's promise was durable: no one may
				// establish that epoch again, ZOOKEEPER-1291's point.
				h.fatalf("epoch %d established again after its leader crashed holding it", h.epoch(l))
			}
			h.finish()
		})
	}
}

// runB11 scripts ZOOKEEPER-4643 (ordering fixed by 315abde35 and
// 9fcb805fa) on peers A=1, B=2, C=3: all hold 1:1..1:3; A crashes; B and C
// commit 1:4. A restarts, B crashes; C leads epoch 2 and syncs A by DIFF
// with 1:4; A crashes at point `at` of the Ready that acknowledges that
// NEWLEADER. Then C crashes, A and B restart and elect, and the new
// leader proposes. It returns the committed 1:4 zxid.
func runB11(h *harness, at sim.CrashPoint) zab.Zxid {
	h.t.Helper()
	const a, b, c = 1, 2, 3
	if l := h.stable(a, b, c); l != c {
		h.fatalf("leader %d, want %d", l, c)
	}
	h.waitDelivered(h.propose(c, 3)[2], a, b, c)
	h.crash(a)
	x := h.propose(c, 1)[0]
	h.waitDelivered(x, b, c)
	rule := h.crashWhen(a, at, sends(zab.MsgAckNewLeader))
	h.restart(a)
	h.crash(b)
	if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return rule.fired }) {
		h.fatalf("A never acknowledged C's NEWLEADER")
	}
	h.crash(c)
	h.restart(a, b)
	// Not h.stable: in the faulty twin the checker reports the loss while
	// A and B elect (B's durable log loses 1:4), and the twin wants to
	// read that violation rather than stop at it.
	var l zab.PeerID
	if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { l, _ = h.StableAmong(a, b); return l != 0 }) {
		h.fatalf("A and B found no common leader within %d ticks", settleTicks)
	}
	if h.Err() != nil {
		return x
	}
	h.propose(l, 1)
	h.RunTicks(deliverTicks)
	return x
}

// TestCurrentEpochWrittenAfterSyncedHistory is ZOOKEEPER-4643: for
// every crash point inside the follower's NEWLEADER handling, the
// committed 1:4 survives, because currentEpoch = 2 is written only after
// the synced history is durable
// (docs/rules.md#history-then-currentepoch-then-the-newleader-ack): a
// crash that loses 1:4 also loses
// the epoch write, so A cannot beat B in the election. The faulty twin
// writes currentEpoch first, and the checker must catch the loss: that
// proves this scenario can see the bug.
func TestCurrentEpochWrittenAfterSyncedHistory(t *testing.T) {
	// A DIFF from the follower's own last zxid cuts nothing, so the Ready
	// offers no after-truncate point; every other boundary is covered.
	for _, at := range []sim.CrashPoint{sim.CrashBeforePersist, sim.CrashAfterAppend,
		sim.CrashAfterSync, sim.CrashAfterEpochs, sim.CrashAfterSend, sim.CrashAfterApply} {
		t.Run(at.String(), func(t *testing.T) {
			h := newHarness(t, sim.Config{Peers: 3})
			x := runB11(h, at)
			h.noViolation()
			h.finish()
			for _, id := range h.IDs() {
				if !h.delivered(id, x) {
					h.fatalf("committed %v lost on peer %d", x, id)
				}
			}
		})
	}
	t.Run("fault-epoch-before-history", func(t *testing.T) {
		h := newHarness(t, sim.Config{Peers: 3, Faults: sim.Faults{EpochsBeforeHistory: true}})
		runB11(h, sim.CrashAfterAppend)
		// The durable-log rule sees B's disk lose 1:4 during the
		// election, before the new leader's first broadcast shows it.
		wantViolation(t, h.Checker.Err(), invariants.RuleCommittedRemoved, invariants.RuleCommittedLost, invariants.RulePrefix, invariants.RulePrimaryIntegrity)
	})
}

// TestNewLeaderAckOnlyAfterDurableSync is ZOOKEEPER-3911, then
// ZOOKEEPER-4646 and ZOOKEEPER-4785 (docs/bugs.md). Leader C logs x = 1:4 on
// A only and crashes. A leads epoch 2 and DIFFs B with x; B crashes right
// after its NEWLEADER ack leaves; A establishes (x is now committed) and,
// with C back, commits y. A crashes. B and C, without the old leader, must
// still hold x and y: B's ack vouched for x being on its disk.
func TestNewLeaderAckOnlyAfterDurableSync(t *testing.T) {
	const a, b, c = 1, 2, 3
	h := newHarness(t, sim.Config{Peers: 3})
	if l := h.stable(a, b, c); l != c {
		h.fatalf("leader %d, want %d", l, c)
	}
	h.waitDelivered(h.propose(c, 3)[2], a, b, c)
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		if m.Type == zab.MsgProposal && m.To == b {
			return sim.Drop
		}
		return sim.Pass
	}
	x := h.propose(c, 1)[0]
	h.RunUntilCond(deliverTicks*h.TickEvery(), func() bool { s, _ := h.Status(a); return s.LastZxid >= x })
	h.crash(c)
	h.Net.Filter = nil
	rule := h.crashWhen(b, sim.CrashAfterSend, sends(zab.MsgAckNewLeader))
	h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return rule.fired })
	if !rule.fired {
		h.fatalf("B never acknowledged A's NEWLEADER")
	}
	h.restart(c)
	if l := h.stable(a, c); l != a {
		h.fatalf("leader %d, want %d", l, a)
	}
	y := h.propose(a, 1)[0]
	h.waitDelivered(y, a, c)
	h.crash(a)
	h.restart(b)
	l := h.stable(b, c)
	z := h.propose(l, 1)[0]
	h.waitDelivered(z, b, c)
	for _, p := range []zab.PeerID{b, c} {
		if !h.before(p, x, y) || !h.before(p, y, z) {
			h.fatalf("peer %d delivered %v; want %v, %v, %v in order", p, zxids(h.Delivered(p)), x, y, z)
		}
	}
	h.finish()
}

// TestNewLeaderAckBeforeSyncLosesCommitted is the faulty twin of
// TestNewLeaderAckOnlyAfterDurableSync (ZOOKEEPER-3911): the
// World sends each Ready's messages before its sync, so an ACK can
// vouch for a write the next crash loses. C sends x to A and crashes
// before its own sync; A leads epoch 2 and DIFFs B; B's ack leaves, B
// crashes before syncing; A establishes, delivering x; A crashes; B and
// C, neither holding x, elect a leader whose history lacks it. The
// checker must report the cause, an acknowledgement that vouches for an
// unsynced write (the first comes as early as the first ACKEPOCH, whose
// promise is not durable yet), and the committed x lost.
func TestNewLeaderAckBeforeSyncLosesCommitted(t *testing.T) {
	const a, b, c = 1, 2, 3
	h := newHarness(t, sim.Config{Peers: 3, Faults: sim.Faults{SendBeforeSync: true}})
	// Not h.stable and h.waitDelivered: they stop at the first
	// violation, which this faulty World commits from the start.
	if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { _, ok := h.StableAmong(a, b, c); return ok }) {
		h.fatalf("no stable leader")
	}
	first := h.propose(c, 3)[2]
	h.RunUntilCond(deliverTicks*h.TickEvery(), func() bool { return h.delivered(a, first) && h.delivered(b, first) })
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		if m.Type == zab.MsgProposal && m.To == b {
			return sim.Drop
		}
		return sim.Pass
	}
	x := zab.MakeZxid(h.epoch(c), 4)
	h.crashWhen(c, sim.CrashAfterSend, appends(x))
	h.propose(c, 1)
	h.Net.Filter = nil
	rule := h.crashWhen(b, sim.CrashAfterSend, sends(zab.MsgAckNewLeader))
	h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return rule.fired && h.delivered(a, x) })
	if !h.delivered(a, x) {
		h.fatalf("A never established its epoch and delivered %v", x)
	}
	h.crash(a)
	h.restart(b, c)
	h.RunUntilCond(settleTicks*h.TickEvery(), func() bool {
		if l, ok := h.StableAmong(b, c); ok {
			_, _ = h.Propose(l, []byte("after"))
			return true
		}
		return false
	})
	h.RunTicks(20)
	wantViolation(t, h.Checker.Err(), invariants.RuleAckNotDurable)
	wantSomeViolation(t, h.Checker.Violations(), invariants.RuleCommittedLost, invariants.RulePrefix, invariants.RulePrimaryIntegrity)
}

// TestSyncSpanningAnEpochSurvivesCrashBeforeEpochWrite: peer 1 is down
// (currentEpoch 1) while two more epochs pass, each with a commit. It then
// syncs from the leader of epoch 3, whose history holds an epoch-2 entry: it
// must append and sync that entry before it writes currentEpoch = 3. It
// crashes between the two (after-sync). Its disk now ends with an epoch-2
// zxid under currentEpoch 1, a state QuorumPeer.loadDataBase refuses to
// start from (ZOOKEEPER-2354; holding back the new epoch's own entries keeps
// the invariant only when the follower was one epoch behind:
// docs/rules.md#entries-of-the-new-epoch-after-currentepoch). The peer must
// still be able to restart and rejoin: a crash at a legal point may not make
// a peer unusable. Found by TestRandom (seeds 131 and 922 at the time of
// writing).
func TestSyncSpanningAnEpochSurvivesCrashBeforeEpochWrite(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	l := h.stable(1, 2, 3)
	h.waitDelivered(h.propose(l, 1)[0], 1, 2, 3)
	h.crash(1)
	for round := 0; round < 2; round++ {
		old, _ := h.StableAmong(2, 3)
		h.crash(old)
		h.restart(old)
		nl := h.stable(2, 3)
		h.waitDelivered(h.propose(nl, 1)[0], 2, 3)
	}
	rule := h.crashWhen(1, sim.CrashAfterSync, sends(zab.MsgAckNewLeader))
	h.restart(1)
	if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return rule.fired }) {
		h.fatalf("peer 1 never synced")
	}
	if err := h.Restart(1); err != nil {
		h.fatalf("peer 1 cannot restart after a crash between its sync and its epoch write: %v", err)
	}
	h.finish()
}

// TestCrashAtEveryFsyncBoundary (docs/rules.md#durability): for each
// crash point, three peers crash there in turn: a follower syncing by SNAP
// (inside its NEWLEADER handling), the leader inside a broadcast Ready,
// and a returning old leader being cut back by TRUNC. No committed entry
// may be lost and none resurrected (the checker, throughout), and
// afterwards everyone converges. Every point is hit by at least one of
// the three.
func TestCrashAtEveryFsyncBoundary(t *testing.T) {
	for _, at := range sim.AllCrashPoints {
		t.Run(at.String(), func(t *testing.T) {
			h := newHarness(t, sim.Config{Peers: 3, SnapshotEvery: 3})
			fired := 0

			// 1. A follower far behind syncs by SNAP and crashes at `at`.
			behindRetainedLog(h, 12)
			snapSync := h.crashWhen(1, at, sends(zab.MsgAckNewLeader))
			h.restart(1)
			h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return snapSync.fired })
			if !h.Up(1) {
				h.restart(1)
			}

			// 2. The leader crashes at `at` while proposing.
			l := h.stable(1, 2, 3)
			bcast := h.crashWhen(l, at, appends(h.nextZxid(l)))
			h.propose(l, 1)
			h.RunTicks(20)
			if !h.Up(l) {
				h.restart(l)
			}

			// 3. An old leader that proposed alone comes back and is told
			// to TRUNC; it crashes at `at` while doing so.
			a := h.stable(1, 2, 3)
			h.waitDelivered(h.propose(a, 1)[0], 1, 2, 3)
			h.Isolate(a)
			h.propose(a, 2)
			h.stable(without(h.IDs(), a)...)
			trunc := h.crashWhen(a, at, func(rd *zab.Ready) bool { return rd.Truncate || sends(zab.MsgAckNewLeader)(rd) })
			h.Heal()
			h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return trunc.fired })
			for _, r := range []*crashRule{snapSync, bcast, trunc} {
				if r.fired {
					fired++
				}
			}
			if fired == 0 {
				h.fatalf("crash point %v was never reached", at)
			}
			t.Logf("crashed at %v: SNAP sync %v, broadcast %v, TRUNC sync %v", at, snapSync.fired, bcast.fired, trunc.fired)
			h.finish()
		})
	}
}

// nextZxid is the zxid leader l will assign to its next proposal.
func (h *harness) nextZxid(l zab.PeerID) zab.Zxid {
	s, _ := h.Status(l)
	if s.LastZxid.Epoch() == s.Epochs.Current {
		return s.LastZxid + 1
	}
	return zab.MakeZxid(s.Epochs.Current, 1)
}

// TestNewLeaderQuorumNeverForms (ZOOKEEPER-3109's lesson that a leader
// must not wait forever): peer 2 is
// down; leader 3 gets peer 1's epoch ack, then peer 1 crashes before its
// NEWLEADER ack. The leader must give up within initLimit (plus the tick
// it notices in), nothing of its epoch may be delivered anywhere, and the
// next established epoch is higher.
func TestNewLeaderQuorumNeverForms(t *testing.T) {
	const initLimit = 10
	h := newHarness(t, sim.Config{Peers: 3, Zab: zab.Config{InitLimit: initLimit}})
	h.crash(2)
	rule := h.crashWhen(1, sim.CrashBeforePersist, sends(zab.MsgAckNewLeader))
	if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return rule.fired }) {
		h.fatalf("peer 1 never got to acknowledge a NEWLEADER")
	}
	s, _ := h.Status(3)
	e := s.Epochs.Accepted
	start := h.Ticks()
	if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { s, _ := h.Status(3); return s.Role != zab.RoleLeading }) {
		h.fatalf("leader of epoch %d never gave up", e)
	}
	if took := h.Ticks() - start; took > initLimit+2 {
		h.fatalf("leader gave up after %d ticks, want at most initLimit+2 = %d", took, initLimit+2)
	}
	if _, ok := h.Checker.Leader(e); ok {
		h.fatalf("epoch %d was established without a NEWLEADER quorum", e)
	}
	h.restart(1, 2)
	l := h.stable(1, 2, 3)
	if h.epoch(l) <= e {
		h.fatalf("next epoch %d is not above the abandoned %d", h.epoch(l), e)
	}
	h.finish()
	if slices.ContainsFunc(h.Checker.Committed(), func(t zab.Txn) bool { return t.Zxid.Epoch() == e }) {
		h.fatalf("something of abandoned epoch %d was delivered", e)
	}
}

// TestRollingTotalCrashes: fifty times,
// crash everyone, restart a random majority, let it elect and commit
// three writes. Every invariant is checked at every step of the run.
func TestRollingTotalCrashes(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 5, SnapshotEvery: 7, RetainEntries: 3})
	r := h.Rand()
	h.stable(h.IDs()...)
	for round := 0; round < 50; round++ {
		for _, id := range h.IDs() {
			if h.Up(id) {
				h.crash(id)
			}
		}
		ids := h.IDs()
		r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		up := ids[:3+r.Intn(3)]
		h.restart(up...)
		l := h.stable(up...)
		zs := h.propose(l, 3)
		h.waitDelivered(zs[2], up...)
	}
	h.finish()
}

// TestCounterRollover is ZOOKEEPER-1277 (fix 297517b5e;
// docs/bugs.md#zookeeper-1277-the-zxid-counter-runs-out): peer 3 starts
// its counter at 0xfffffff0. After
// 14 proposals the next counter would be 0xffffffff, so it must step
// down instead; with it crashed, the next leader starts its epoch at
// counter 1. No entry anywhere has counter 0 or 0xffffffff (the checker
// looks at every broadcast, delivery and log), and zxids keep increasing
// across the boundary.
func TestCounterRollover(t *testing.T) {
	const start = 0xfffffff0
	h := newHarness(t, sim.Config{Peers: 3, Tune: func(id zab.PeerID, c *zab.Config) {
		if id == 3 {
			c.InitialCounter = start
		}
	}})
	if l := h.stable(1, 2, 3); l != 3 {
		h.fatalf("leader %d, want 3", l)
	}
	e := h.epoch(3)
	accepted := 0
	var refused error
	for i := 0; i < 30 && refused == nil; i++ {
		if _, refused = h.Propose(3, []byte{'r', byte(i)}); refused == nil {
			accepted++
		}
	}
	if accepted != int(zab.MaxCounter-start) || refused != zab.ErrProposalDropped {
		h.fatalf("leader accepted %d proposals then returned %v; want %d (counters %#x..%#x) then ErrProposalDropped",
			accepted, refused, zab.MaxCounter-start, start+1, zab.MaxCounter)
	}
	if s, _ := h.Status(3); s.Role == zab.RoleLeading {
		h.fatalf("leader kept leading with its counter at %#x", zab.MaxCounter)
	}
	last := zab.MakeZxid(e, zab.MaxCounter)
	h.waitDelivered(last, 1, 2, 3)
	h.crash(3)
	l := h.stable(1, 2)
	if got := h.propose(l, 1)[0]; got != zab.MakeZxid(h.epoch(l), 1) || got.Epoch() <= e {
		h.fatalf("first proposal after the roll-over is %v, want counter 1 of an epoch above %d", got, e)
	}
	h.restart(3)
	h.finish()
}
