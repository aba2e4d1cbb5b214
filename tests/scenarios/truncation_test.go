package scenarios

import (
	"slices"
	"testing"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// TestLeaderOnlyEntryIsTruncated is ZOOKEEPER-1154 (fix 27d045af5). Commit
// 1:1..1:3; cut the leader A off and let it log 1:4 alone; crash everyone. B
// and C restart and commit 2:1 in a new epoch; then A restarts still holding
// 1:4. Expect: A ends with 1:1..1:3, 2:1 and 1:4 is delivered nowhere and
// gone from A's log (ZooKeeper once sent a DIFF of just 2:1 and A kept 1:4
// forever).
func TestLeaderOnlyEntryIsTruncated(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	a := h.stable(1, 2, 3)
	zs := h.propose(a, 3)
	h.waitDelivered(zs[2], 1, 2, 3)
	h.Isolate(a)
	x := h.propose(a, 1)[0]
	if !h.logHas(a, x) {
		h.fatalf("leader did not log %v", x)
	}
	h.crash(1, 2, 3)
	h.Heal()
	others := without(h.IDs(), a)
	h.restart(others...)
	b := h.stable(others...)
	y := h.propose(b, 1)[0]
	h.waitDelivered(y, others...)
	h.restart(a)
	h.stable(1, 2, 3)
	h.waitDelivered(y, a)
	if h.committedAnywhere(x) || h.logHas(a, x) {
		h.fatalf("leader-only %v survived: delivered=%v in A's log=%v", x, h.committedAnywhere(x), h.logHas(a, x))
	}
	want := append(slices.Clone(zs), y)
	if got := zxids(h.Delivered(a)); !slices.Equal(got, want) {
		h.fatalf("A delivered %v, want %v", got, want)
	}
	h.finish()
}

func without(ids []zab.PeerID, drop ...zab.PeerID) []zab.PeerID {
	return slices.DeleteFunc(ids, func(id zab.PeerID) bool { return slices.Contains(drop, id) })
}

func zxids(txns []zab.Txn) []zab.Zxid {
	out := make([]zab.Zxid, len(txns))
	for i, t := range txns {
		out[i] = t.Zxid
	}
	return out
}

// before reports whether a precedes b in peer's delivered sequence.
func (h *harness) before(peer zab.PeerID, a, b zab.Zxid) bool {
	zs := zxids(h.Delivered(peer))
	i, j := slices.Index(zs, a), slices.Index(zs, b)
	return i >= 0 && j >= 0 && i < j
}

// TestQuorumLoggedEntrySurvivesLeaderCrash (a quorum logged it, so it is
// never forgotten: docs/safety.md#the-chain): leader A proposes x; B logs
// and acks it, C never sees it; A crashes before it sends COMMIT. x was
// logged by a quorum, so it may have been committed: B must win the election
// against C (same peerEpoch, higher zxid;
// FastLeaderElection.totalOrderPredicate) and every peer delivers x before
// anything of the new epoch.
func TestQuorumLoggedEntrySurvivesLeaderCrash(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	a := h.stable(1, 2, 3)
	h.waitDelivered(h.propose(a, 2)[1], 1, 2, 3)
	b, c := without(h.IDs(), a)[1], without(h.IDs(), a)[0]
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		if m.Type == zab.MsgProposal && m.To == c {
			return sim.Drop
		}
		return sim.Pass
	}
	x := zab.MakeZxid(h.epoch(a), 3)
	rule := h.crashWhen(a, sim.CrashBeforePersist, func(rd *zab.Ready) bool {
		return slices.ContainsFunc(rd.Committed, func(t zab.Txn) bool { return t.Zxid == x })
	})
	if got := h.propose(a, 1)[0]; got != x {
		h.fatalf("proposal got %v, want %v", got, x)
	}
	if !h.RunUntilCond(deliverTicks*h.TickEvery(), func() bool { return rule.fired }) {
		h.fatalf("leader never committed %v", x)
	}
	h.Net.Filter = nil
	if l := h.stable(b, c); l != b {
		h.fatalf("leader %d; want %d, the peer that logged %v", l, b, x)
	}
	y := h.propose(b, 1)[0]
	h.waitDelivered(y, b, c)
	for _, p := range []zab.PeerID{b, c} {
		if !h.before(p, x, y) {
			h.fatalf("peer %d did not deliver %v before %v: %v", p, x, y, zxids(h.Delivered(p)))
		}
	}
	h.finish()
}

// TestLocallyCommittedEntryIsCommittedByNewLeader (a leader that crashes
// after committing only locally): leader A proposes x, B
// acks, A commits and delivers x, but no COMMIT (nor any commit point
// riding on a PING or PROPOSAL) reaches anyone; A crashes. x was
// delivered, so it must survive: the new leader B commits it and every
// peer delivers it before the new epoch's first transaction.
func TestLocallyCommittedEntryIsCommittedByNewLeader(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	a := h.stable(1, 2, 3)
	h.waitDelivered(h.propose(a, 2)[1], 1, 2, 3)
	b, c := without(h.IDs(), a)[1], without(h.IDs(), a)[0]
	x := zab.MakeZxid(h.epoch(a), 3)
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		switch {
		case m.From != a:
			return sim.Pass
		case m.Type == zab.MsgProposal && m.To == c:
			return sim.Drop
		case m.Commit >= x:
			return sim.Drop // no commit point past x leaves A
		}
		return sim.Pass
	}
	h.propose(a, 1)
	h.waitDelivered(x, a)
	if h.delivered(b, x) || h.delivered(c, x) {
		h.fatalf("%v reached a follower's state machine despite the filter", x)
	}
	h.crash(a)
	h.Net.Filter = nil
	l := h.stable(b, c)
	y := h.propose(l, 1)[0]
	h.waitDelivered(y, b, c)
	for _, p := range []zab.PeerID{b, c} {
		if !h.before(p, x, y) {
			h.fatalf("peer %d did not deliver %v before %v", p, x, y)
		}
	}
	h.finish()
}

// TestProposalSeenByMinorityOnlyIsSkipped (a leader that crashes after
// proposing to a minority;
// docs/companion.md#phase-2-synchronisation-dsn-2011-phase-2): of five peers
// only one logs x before the leader crashes, and that peer crashes too. The
// other three form a quorum without x: it must never be delivered, and both
// peers that logged it lose it when they rejoin.
func TestProposalSeenByMinorityOnlyIsSkipped(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 5})
	a := h.stable(1, 2, 3, 4, 5)
	h.waitDelivered(h.propose(a, 2)[1], h.IDs()...)
	witness := without(h.IDs(), a)[0]
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		if m.Type == zab.MsgProposal && m.To != witness {
			return sim.Drop
		}
		return sim.Pass
	}
	x := h.propose(a, 1)[0]
	if !h.RunUntilCond(deliverTicks*h.TickEvery(), func() bool { return h.logHas(witness, x) }) {
		h.fatalf("witness %d never logged %v", witness, x)
	}
	h.crash(a, witness)
	h.Net.Filter = nil
	rest := without(h.IDs(), a, witness)
	l := h.stable(rest...)
	y := h.propose(l, 1)[0]
	h.waitDelivered(y, rest...)
	h.finish()
	if h.committedAnywhere(x) || h.logHas(a, x) || h.logHas(witness, x) {
		h.fatalf("minority-only %v survived", x)
	}
}

// TestOldLeaderReturnsAndIsTruncated (an old leader returning with
// uncommitted proposals is cut back by TRUNC, docs/logs.md):
// the leader is cut off, keeps proposing (nothing commits), and the
// majority elects a new leader that proposes nothing yet. When the old
// leader rejoins, the new leader's log ends below the old leader's extra
// entries, so it is told to TRUNC them (LearnerHandler.syncFollower's
// "peer ahead of the leader's committed log" case).
func TestOldLeaderReturnsAndIsTruncated(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	a := h.stable(1, 2, 3)
	zs := h.propose(a, 3)
	h.waitDelivered(zs[2], 1, 2, 3)
	h.Isolate(a)
	xs := h.propose(a, 2)
	rest := without(h.IDs(), a)
	h.stable(rest...)
	modes := syncModes(h, a)
	h.Heal()
	h.stable(1, 2, 3)
	if len(*modes) == 0 || (*modes)[len(*modes)-1] != zab.SyncTrunc {
		h.fatalf("NEWLEADER modes to the returning leader: %v, want TRUNC", *modes)
	}
	for _, x := range xs {
		if h.logHas(a, x) {
			h.fatalf("returning leader kept uncommitted %v", x)
		}
	}
	h.finish()
	for _, x := range xs {
		if h.committedAnywhere(x) {
			h.fatalf("uncommitted %v was delivered", x)
		}
	}
}

// TestMinorityLeaderStepsDown (the leader's quorum check of
// docs/rules.md#broadcast-zabbroadcastgo): five
// peers split {leader, one follower} | {three}. The old leader must give
// up within syncLimit (plus the tick it notices in) of losing its quorum;
// the majority elects a leader of a higher epoch; what the old side
// proposed is never committed and is truncated after the heal.
func TestMinorityLeaderStepsDown(t *testing.T) {
	const syncLimit = 5
	h := newHarness(t, sim.Config{Peers: 5, Zab: zab.Config{SyncLimit: syncLimit}})
	a := h.stable(1, 2, 3, 4, 5)
	e := h.epoch(a)
	h.waitDelivered(h.propose(a, 2)[1], h.IDs()...)
	minority := []zab.PeerID{a, without(h.IDs(), a)[0]}
	majority := without(h.IDs(), minority...)
	h.Partition(minority, majority)
	start := h.Ticks()
	xs := h.propose(a, 3)
	stepped := h.RunUntilCond(int64(settleTicks)*h.TickEvery(), func() bool {
		s, ok := h.Status(a)
		return ok && s.Role != zab.RoleLeading
	})
	if !stepped {
		h.fatalf("minority leader never stepped down")
	}
	if took := h.Ticks() - start; took > syncLimit+2 {
		h.fatalf("minority leader stepped down after %d ticks, want at most syncLimit+2 = %d", took, syncLimit+2)
	}
	l := h.stable(majority...)
	if h.epoch(l) <= e {
		h.fatalf("majority leader has epoch %d, not above %d", h.epoch(l), e)
	}
	h.waitDelivered(h.propose(l, 1)[0], majority...)
	h.finish()
	for _, x := range xs {
		if h.committedAnywhere(x) || h.logHas(a, x) {
			h.fatalf("minority proposal %v survived", x)
		}
	}
}

// TestElectionPrefersNewerCurrentEpochOverLongerLog (the vote order of
// docs/safety.md#3-votes-are-ordered-by-currentepoch-last-zxid, as in
// FastLeaderElection.totalOrderPredicate and
// StateSummary.isMoreRecentThan): peer B led an epoch and logged four
// entries nobody else has; A then helped establish a newer epoch (so its
// currentEpoch is higher) but nothing was proposed in it. With only A and
// B up, A must win although B's log is longer and B's id is higher, and B
// must lose its four entries before it receives A's history.
func TestElectionPrefersNewerCurrentEpochOverLongerLog(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	b := h.stable(1, 2, 3) // peer 3
	zs := h.propose(b, 5)
	h.waitDelivered(zs[4], h.IDs()...)
	h.Isolate(b)
	xs := h.propose(b, 4)
	rest := without(h.IDs(), b)
	a := h.stable(rest...)
	newEpoch := h.epoch(a)
	h.crash(1, 2, 3)
	h.Heal()
	h.restart(a, b)
	if l := h.stable(a, b); l != a {
		h.fatalf("leader %d, want %d (currentEpoch %d beats a longer log of an older epoch)", l, a, newEpoch)
	}
	for _, x := range xs {
		if h.logHas(b, x) {
			h.fatalf("B kept %v, which the newer epoch never had", x)
		}
	}
	h.finish()
	for _, x := range xs {
		if h.committedAnywhere(x) {
			h.fatalf("%v was delivered", x)
		}
	}
}

// TestStepDownWithoutRestartReportsRealLog is ZOOKEEPER-2845 (fix
// 722ba9409) with ZOOKEEPER-4712: a leader cut off from its
// followers logs x alone, then drops to LOOKING without a restart. Its
// votes must carry x's zxid (the real end of its log, not its committed
// point), no write of the old role may happen after it went LOOKING
// (docs/rules.md#a-new-role-starts-from-the-real-end-of-the-log; the Ready
// contract has no background writer to drain), and the
// new leader truncates x.
func TestStepDownWithoutRestartReportsRealLog(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	a := h.stable(1, 2, 3)
	oldEpoch := h.epoch(a)
	h.waitDelivered(h.propose(a, 2)[1], h.IDs()...)
	h.Isolate(a)
	x := h.propose(a, 1)[0]
	var votes []zab.Zxid
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		if m.Type == zab.MsgVote && m.From == a && m.Vote != nil && m.Vote.Vote.Leader == a {
			votes = append(votes, zab.Zxid(m.Vote.Vote.Zxid))
		}
		return sim.Pass
	}
	lateWrite := false
	h.CrashHook = func(p zab.PeerID, at sim.CrashPoint, rd *zab.Ready) bool {
		if p == a && at == sim.CrashBeforePersist {
			if s, ok := h.Status(a); ok && s.Role == zab.RoleLooking {
				for _, t := range rd.Append {
					lateWrite = lateWrite || t.Zxid.Epoch() == oldEpoch
				}
			}
		}
		return false
	}
	h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return len(votes) > 0 })
	if len(votes) == 0 || votes[0] != x {
		h.fatalf("stepped-down leader's votes carry %v, want its last logged %v", votes, x)
	}
	// Let the majority establish a newer epoch first: were everyone still
	// looking at the heal, A's longer log would rightly win and commit x.
	h.stable(without(h.IDs(), a)...)
	h.Heal()
	h.stable(1, 2, 3)
	if lateWrite {
		h.fatalf("the old role wrote an entry after the peer went LOOKING")
	}
	h.finish()
	if h.committedAnywhere(x) || h.logHas(a, x) {
		h.fatalf("%v survived the step-down", x)
	}
}
