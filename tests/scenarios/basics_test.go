package scenarios

import (
	"slices"
	"testing"

	"zabkafka/election"
	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// TestFreshStartElectsHighestID: three peers on empty disks. FLE breaks
// the all-equal tie by id
// (FastLeaderElection.totalOrderPredicate), so n3 leads epoch 1; everyone
// ends with acceptedEpoch = currentEpoch = 1 and the first write is 1:1.
func TestFreshStartElectsHighestID(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	if l := h.stable(1, 2, 3); l != 3 {
		h.fatalf("leader %d, want 3", l)
	}
	for _, id := range h.IDs() {
		if s, _ := h.Status(id); s.Epochs != (zab.Epochs{Accepted: 1, Current: 1}) {
			h.fatalf("peer %d epochs %+v, want 1/1", id, s.Epochs)
		}
	}
	z := h.propose(3, 1)[0]
	if z != zab.MakeZxid(1, 1) {
		h.fatalf("first write got %v, want e1:c1", z)
	}
	h.waitDelivered(z, 1, 2, 3)
	h.finish()
}

// syncModes records the mode of every NEWLEADER sent to peer.
func syncModes(h *harness, peer zab.PeerID) *[]zab.SyncMode {
	var modes []zab.SyncMode
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		if m.Type == zab.MsgNewLeader && m.To == peer {
			modes = append(modes, m.Mode)
		}
		return sim.Pass
	}
	return &modes
}

// TestLaggingFollowerGetsDiff: a follower misses a few commits while down
// and comes back while they are still in the leader's log
// (LearnerHandler.syncFollower, the DIFF case). Expect one DIFF and the
// follower holding exactly the leader's history.
func TestLaggingFollowerGetsDiff(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	l := h.stable(1, 2, 3)
	h.waitDelivered(h.propose(l, 2)[1], 1, 2, 3)
	h.crash(1)
	zs := h.propose(l, 5)
	h.waitDelivered(zs[4], 2, 3)
	modes := syncModes(h, 1)
	h.restart(1)
	h.stable(1, 2, 3)
	h.waitDelivered(zs[4], 1)
	if len(*modes) == 0 || (*modes)[0] != zab.SyncDiff {
		h.fatalf("NEWLEADER modes to the lagging follower: %v, want DIFF", *modes)
	}
	h.finish()
}

// behindRetainedLog leaves peer 1 far behind what the others retain:
// it is down while they commit n entries, snapshot every 3 and compact
// everything behind the snapshots; then both of them restart, so that
// their cores have no in-memory copy of the old entries either (the core
// keeps recent entries in memory, zab/history.go). It returns the last
// zxid committed; peer 1 is still down.
func behindRetainedLog(h *harness, n int) zab.Zxid {
	h.t.Helper()
	l := h.stable(1, 2, 3)
	h.waitDelivered(h.propose(l, 2)[1], 1, 2, 3)
	h.crash(1)
	zs := h.propose(l, n)
	h.waitDelivered(zs[n-1], 2, 3)
	h.crash(2, 3)
	h.restart(2, 3)
	h.stable(2, 3)
	return zs[n-1]
}

// TestLaggingFollowerBeyondRetainedLogGetsSnap: a follower is down while the
// others commit far more than they retain behind their snapshots
// (ZooKeeper's "peer is too far behind" SNAP case in
// LearnerHandler.syncFollower). Expect a SNAP, and afterwards the follower's
// state and log agree with the leader's from the snapshot point.
func TestLaggingFollowerBeyondRetainedLogGetsSnap(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3, SnapshotEvery: 3, RetainEntries: 0})
	last := behindRetainedLog(h, 20)
	modes := syncModes(h, 1)
	h.restart(1)
	l := h.stable(1, 2, 3)
	h.waitDelivered(last, 1)
	if len(*modes) == 0 || (*modes)[0] != zab.SyncSnap {
		h.fatalf("NEWLEADER modes to the far-behind follower: %v, want SNAP", *modes)
	}
	if a, b := h.Delivered(1), h.Delivered(l); !slices.EqualFunc(a, b, func(x, y zab.Txn) bool { return x.Zxid == y.Zxid }) {
		h.fatalf("follower state (%d txns) differs from the leader's (%d)", len(a), len(b))
	}
	if err := h.Checker.CheckLogs(h.DurableLogs()); err != nil {
		h.fatalf("logs after SNAP: %v", err)
	}
	h.finish()
}

// TestLateJoinerFindsTheLeader: a peer joins an established ensemble
// from an election round below the ensemble's (the old leader restarts
// after the others elected a new one in a later round) and from one above
// it (a follower cut off long enough to lose its leader starts a round of
// its own while the others stay in theirs). Either way it must join the
// running leader through the FOLLOWING/LEADING replies
// (FastLeaderElection's out-of-election votes, ZOOKEEPER-1732 and
// ZOOKEEPER-1818) without forcing a new election: same leader, same
// epoch (docs/bugs.md). The rounds are read off the votes, so the test
// fails if a case stops being the one it claims.
func TestLateJoinerFindsTheLeader(t *testing.T) {
	for _, higher := range []bool{false, true} {
		name := "round-lower"
		if higher {
			name = "round-higher"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, sim.Config{Peers: 3})
			l := h.stable(1, 2, 3)
			h.waitDelivered(h.propose(l, 3)[2], 1, 2, 3)
			joiner := zab.PeerID(1)
			if higher {
				if l == joiner {
					joiner = 2
				}
				h.Isolate(joiner)
				if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool {
					s, ok := h.Status(joiner)
					return ok && s.Role == zab.RoleLooking
				}) {
					h.fatalf("cut-off follower %d never lost its leader", joiner)
				}
				h.RunTicks(50)
			} else {
				// The leader crashes; the others elect in a new round.
				joiner = l
				h.crash(joiner)
				l = h.stable(without(h.IDs(), joiner)...)
			}
			e := h.epoch(l)
			var joinerRound, ensembleRound uint64
			h.Net.Filter = func(m *zab.Message) sim.Verdict {
				if m.Type == zab.MsgVote && m.Vote != nil {
					switch {
					case m.From == joiner && joinerRound == 0:
						joinerRound = m.Vote.Round
					case m.To == joiner && m.Vote.State != election.Looking && ensembleRound == 0:
						ensembleRound = m.Vote.Round
					}
				}
				return sim.Pass
			}
			if higher {
				h.Heal()
			} else {
				h.restart(joiner)
			}
			if got := h.stable(1, 2, 3); got != l || h.epoch(got) != e {
				h.fatalf("joiner forced a new election: leader %d epoch %d, was %d epoch %d", got, h.epoch(got), l, e)
			}
			if joinerRound == 0 || ensembleRound == 0 || (joinerRound > ensembleRound) != higher || joinerRound == ensembleRound {
				h.fatalf("joiner's round %d, the ensemble's %d: not the %s case", joinerRound, ensembleRound, name)
			}
			h.finish()
		})
	}
}

// TestJoinEstablishedLeaderUnderLoad: the leader commits a proposal every
// tick while a follower that is 50 entries behind restarts and syncs
// (docs/bugs.md#zookeeper-4394-a-commit-after-the-newleader-ack). Expect:
// it reaches BROADCAST without a
// gap (the checker's local primary order), commits for entries inside its
// sync are handled (ZOOKEEPER-4394), and it sends no proposal ACK before
// its NEWLEADER ack (ZOOKEEPER-4685).
func TestJoinEstablishedLeaderUnderLoad(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	l := h.stable(1, 2, 3)
	load := true
	var tick func()
	tick = func() {
		if !load {
			return
		}
		if cur, ok := h.Leader(); ok {
			h.vals++
			_, _ = h.Propose(cur, []byte{'l', byte(h.vals), byte(h.vals >> 8)})
		}
		h.After(h.TickEvery(), tick)
	}
	h.After(0, tick)
	joiner := zab.PeerID(1)
	if l == joiner {
		joiner = 2
	}
	h.crash(joiner)
	h.RunTicks(50)
	var fromJoiner []zab.MsgType
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		if m.From == joiner && m.To == l {
			fromJoiner = append(fromJoiner, m.Type)
		}
		return sim.Pass
	}
	h.restart(joiner)
	h.stable(1, 2, 3)
	h.RunTicks(20)
	load = false
	h.RunTicks(5)
	s, _ := h.Status(l)
	h.waitDelivered(s.LastZxid, 1, 2, 3)
	ackLD := slices.Index(fromJoiner, zab.MsgAckNewLeader)
	ack := slices.Index(fromJoiner, zab.MsgAck)
	if ackLD < 0 || (ack >= 0 && ack < ackLD) {
		h.fatalf("joiner's messages to the leader %v: want its NEWLEADER ack before any proposal ACK", fromJoiner)
	}
	h.finish()
}
