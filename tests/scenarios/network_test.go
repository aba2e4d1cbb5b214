package scenarios

import (
	"testing"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

// TestDropInsideSyncStream is ZOOKEEPER-2355 (fix 697101810). Our sync is
// one self-contained NEWLEADER (docs/differences.md, "One self-contained
// NEWLEADER"), so "the connection drops after the DIFF header"
// becomes "the NEWLEADER is lost". A lagging follower loses its first two
// NEWLEADERs. It must not adopt the leader's position before it has the
// entries: every ACKEPOCH it sends reports at most what its disk holds,
// and it ends with every missing entry.
func TestDropInsideSyncStream(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	l := h.stable(1, 2, 3)
	f := without(h.IDs(), l)[0]
	h.waitDelivered(h.propose(l, 2)[1], 1, 2, 3)
	h.crash(f)
	zs := h.propose(l, 6)
	h.waitDelivered(zs[5], without(h.IDs(), f)...)
	dropped := 0
	var overclaim zab.Zxid
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		if m.Type == zab.MsgAckEpoch && m.From == f && m.Zxid > zab.Zxid(h.Disk(f).DurableLastZxid()) {
			overclaim = m.Zxid
		}
		if m.Type == zab.MsgNewLeader && m.To == f && dropped < 2 {
			dropped++
			return sim.Drop
		}
		return sim.Pass
	}
	h.restart(f)
	h.stable(1, 2, 3)
	h.waitDelivered(zs[5], f)
	if dropped != 2 {
		h.fatalf("dropped %d NEWLEADERs, want 2", dropped)
	}
	if overclaim != 0 {
		h.fatalf("follower reported %v in ACKEPOCH beyond its durable log", overclaim)
	}
	h.finish()
}

// TestStaleMessagesAfterNewEpochAreIgnored
// (docs/rules.md#every-message-names-its-epoch-and-session): everything
// the old
// leader sends is held, not dropped, while the others establish a newer
// epoch and commit; then it is all released at once. Every PROPOSAL,
// COMMIT, PING and LEADERINFO of the old epoch must be ignored: the
// others keep their leader, epochs and logs.
func TestStaleMessagesAfterNewEpochAreIgnored(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	a := h.stable(1, 2, 3)
	h.waitDelivered(h.propose(a, 2)[1], 1, 2, 3)
	rest := without(h.IDs(), a)
	for _, o := range rest {
		h.Net.HoldLink(a, o)
	}
	xs := h.propose(a, 3)
	l := h.stable(rest...)
	y := h.propose(l, 1)[0]
	h.waitDelivered(y, rest...)
	h.Isolate(a) // keep the old leader's new messages out too
	before := map[zab.PeerID]zab.Status{}
	for _, id := range rest {
		before[id], _ = h.Status(id)
	}
	if h.Net.HeldCount() == 0 {
		h.fatalf("nothing of the old leader was held")
	}
	h.Release()
	h.RunTicks(10)
	for _, id := range rest {
		now, _ := h.Status(id)
		if now.Leader != before[id].Leader || now.Epochs != before[id].Epochs || now.LastZxid != before[id].LastZxid {
			h.fatalf("peer %d changed on stale messages: %+v -> %+v", id, before[id], now)
		}
	}
	h.finish()
	for _, x := range xs {
		if h.committedAnywhere(x) {
			h.fatalf("old leader's %v was delivered", x)
		}
	}
}

// TestLossyReorderingBroadcast (docs/rules.md#the-zxids-sequence-the-stream):
// 30% loss and delays from 1 to 4 ticks. The
// client keeps proposing at whoever leads; after the network recovers,
// every proposal the final leader accepted in its epoch is delivered
// everywhere, in zxid order without gaps (the checker).
func TestLossyReorderingBroadcast(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3, Net: sim.NetConfig{MinDelay: 1, MaxDelay: 40, Loss: 0.3}})
	accepted := map[zab.Zxid]bool{}
	for round := 0; len(accepted) < 2000 && round < 5000; round++ {
		if l, ok := h.Leader(); ok {
			for i := 0; i < 5; i++ {
				h.vals++
				if z, err := h.Propose(l, []byte{'z', byte(h.vals), byte(h.vals >> 8)}); err == nil {
					accepted[z] = true
				}
			}
		}
		h.RunTicks(1)
	}
	if len(accepted) < 2000 {
		h.fatalf("only %d proposals accepted under loss", len(accepted))
	}
	h.Net.SetConfig(sim.NetConfig{MinDelay: 1, MaxDelay: 40})
	h.finish()
	l, _ := h.Leader()
	e := h.epoch(l)
	for z := range accepted {
		if z.Epoch() == e && !h.committedAnywhere(z) {
			h.fatalf("%v accepted by the final leader was never delivered", z)
		}
	}
}

// TestOutOfOrderAcks
// (docs/rules.md#acknowledgements-and-commits-are-cumulative): every ACK
// that covers only the first of two proposals is held back, so the leader
// sees the acks for the second first. Commits are cumulative and in zxid
// order (Leader.tryToCommit), so both commit, the first before the second,
// everywhere; the late acks change nothing when they arrive.
func TestOutOfOrderAcks(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 3})
	l := h.stable(1, 2, 3)
	h.waitDelivered(h.propose(l, 4)[3], 1, 2, 3)
	z5 := zab.MakeZxid(h.epoch(l), 5)
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		if m.Type == zab.MsgAck && m.Zxid == z5 {
			return sim.Hold
		}
		return sim.Pass
	}
	zs := h.propose(l, 2)
	h.waitDelivered(zs[1], 1, 2, 3)
	for _, id := range h.IDs() {
		if !h.before(id, zs[0], zs[1]) {
			h.fatalf("peer %d delivered %v, want %v before %v", id, zxids(h.Delivered(id)), zs[0], zs[1])
		}
	}
	h.Net.Filter = nil
	h.Release()
	h.RunTicks(5)
	h.finish()
}

// TestDuplicatesAreIdempotent (docs/rules.md#every-handler-is-idempotent):
// every message is delivered twice. With
// proposals reaching only one follower of four, the leader has two acks
// of five however often they repeat, so nothing commits; once proposals
// flow again everything commits exactly once (a duplicate PROPOSAL that
// were appended again would make the store refuse it, a duplicate COMMIT
// applied twice would break the checker's order).
func TestDuplicatesAreIdempotent(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 5, Net: sim.NetConfig{MinDelay: 1, MaxDelay: 10, Dup: 1}})
	l := h.stable(h.IDs()...)
	h.waitDelivered(h.propose(l, 3)[2], h.IDs()...)
	only := without(h.IDs(), l)[0]
	h.Net.Filter = func(m *zab.Message) sim.Verdict {
		if m.Type == zab.MsgProposal && m.To != only {
			return sim.Drop
		}
		return sim.Pass
	}
	x := h.propose(l, 1)[0]
	h.RunTicks(3) // less than syncLimit: the leader keeps its quorum of live followers
	if h.committedAnywhere(x) {
		h.fatalf("%v committed with acks from two of five peers", x)
	}
	h.Net.Filter = nil
	h.waitDelivered(x, h.IDs()...)
	h.waitDelivered(h.propose(l, 20)[19], h.IDs()...)
	h.finish()
}

// TestRepeatedLeaderInfoGetsUncountedAck (Learner.registerWithLeader's
// "-1" ACKEPOCH). Five peers, peer 2 down;
// leader 5 proposes epoch e, and the epoch acks of peers 3 and 4 are held
// back. Peer 1 promises e and crashes before its ACKEPOCH leaves; it
// restarts and, through the FOLLOWING/LEADING replies of 3, 4 and 5,
// meets LEADERINFO(e) again with acceptedEpoch already e: its ack must be
// uncounted. The leader cannot establish e on it: when the held acks
// arrive it establishes e with them and syncs peer 1 too; when they never
// arrive it gives up and a later epoch is established.
func TestRepeatedLeaderInfoGetsUncountedAck(t *testing.T) {
	for _, release := range []bool{true, false} {
		name := "held-acks-arrive"
		if !release {
			name = "held-acks-lost"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, sim.Config{Peers: 5, Zab: zab.Config{InitLimit: 30}})
			h.crash(2)
			var fromOne []zab.Message
			h.Net.Filter = func(m *zab.Message) sim.Verdict {
				switch {
				case m.Type == zab.MsgAckEpoch && m.From == 1:
					fromOne = append(fromOne, *m)
				case m.Type == zab.MsgAckEpoch && (m.From == 3 || m.From == 4):
					return sim.Hold
				}
				return sim.Pass
			}
			rule := h.crashWhen(1, sim.CrashAfterEpochs, sends(zab.MsgAckEpoch))
			if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { return rule.fired }) {
				h.fatalf("peer 1 never acknowledged an epoch")
			}
			promised, _ := h.Disk(1).Reopen().Epochs()
			e := zab.Epoch(promised)
			fromOne = nil
			h.restart(1)
			var again *zab.Message
			h.RunUntilCond(30*h.TickEvery(), func() bool {
				for i := range fromOne {
					if fromOne[i].Epoch == e {
						again = &fromOne[i]
						return true
					}
				}
				return false
			})
			if again == nil {
				h.fatalf("restarted peer 1 never answered LEADERINFO(%d); its ACKEPOCHs: %+v", e, fromOne)
			}
			if again.Counted {
				h.fatalf("ACKEPOCH for already-promised epoch %d was counted", e)
			}
			if _, ok := h.Checker.Leader(e); ok {
				h.fatalf("epoch %d established before any counted quorum", e)
			}
			live := []zab.PeerID{1, 3, 4, 5}
			if release {
				h.Net.Filter = nil
				h.Release()
				if l := h.stable(live...); l != 5 || h.epoch(l) != e {
					h.fatalf("leader %d epoch %d; want 5 establishing %d once the counted acks arrive", l, h.epoch(l), e)
				}
			} else {
				if !h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { s, _ := h.Status(5); return s.Role != zab.RoleLeading }) {
					h.fatalf("leader waited forever on an uncounted ack")
				}
				if _, ok := h.Checker.Leader(e); ok {
					h.fatalf("epoch %d was established on an uncounted ack", e)
				}
				h.Net.Filter = nil
				if l := h.stable(live...); h.epoch(l) <= e {
					h.fatalf("established epoch %d, not above %d", h.epoch(l), e)
				}
			}
			h.finish()
		})
	}
}

// TestFollowerAheadOfLeaderIsRefused (StateSummary.isMoreRecentThan in
// Leader.waitForEpochAck): a forged peer
// 1 reports a newer currentEpoch and a longer log than the leader's, once
// while the leader still needs its ack to establish, once to an
// established leader as a late joiner. The leader must not establish the
// epoch with it and must never sync it.
func TestFollowerAheadOfLeaderIsRefused(t *testing.T) {
	for _, established := range []bool{false, true} {
		name := "during-discovery"
		if established {
			name = "late-joiner"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, sim.Config{Peers: 3})
			if established {
				h.stable(1, 2, 3)
				h.crash(1)
			} else {
				h.crash(1)
				// Peer 2's epoch acks never arrive, so only the forged
				// peer could complete the leader's quorum.
				h.Net.Filter = func(m *zab.Message) sim.Verdict {
					if m.Type == zab.MsgAckEpoch && m.From == 2 {
						return sim.Drop
					}
					return sim.Pass
				}
				h.RunUntilCond(settleTicks*h.TickEvery(), func() bool { s, _ := h.Status(3); return s.Role == zab.RoleLeading })
			}
			leader := zab.PeerID(3)
			s, _ := h.Status(leader)
			prev := h.Net.Filter
			syncedForged, answered := false, false
			h.Net.Filter = func(m *zab.Message) sim.Verdict {
				if m.To == 1 && m.From == leader {
					switch m.Type {
					case zab.MsgLeaderInfo:
						answered = true
						ahead := zab.Message{Type: zab.MsgAckEpoch, From: 1, To: leader, Epoch: m.Epoch, Session: m.Session,
							Zxid: zab.MakeZxid(s.Epochs.Accepted+5, 9), CurrentEpoch: s.Epochs.Accepted + 5, Counted: true}
						h.Inject(ahead, 1)
					case zab.MsgNewLeader:
						syncedForged = true
					}
				}
				if prev != nil {
					return prev(m)
				}
				return sim.Pass
			}
			// A follow attempt above any peer 1 has used: the leader must
			// take it as peer 1's newest and answer it.
			h.Inject(zab.Message{Type: zab.MsgFollowerInfo, From: 1, To: leader, Epoch: s.Epochs.Accepted, Attempt: 1 << 40}, 1)
			h.RunTicks(30)
			if !answered {
				h.fatalf("the leader never answered the forged FOLLOWERINFO: the scenario tests nothing")
			}
			if syncedForged {
				h.fatalf("leader synchronised a follower that is ahead of it")
			}
			if !established {
				if _, ok := h.Checker.Leader(s.Epochs.Accepted); ok && s.Epochs.Accepted > s.Epochs.Current {
					h.fatalf("epoch %d established with the forged ack", s.Epochs.Accepted)
				}
			}
			h.Net.Filter = nil
			h.finish()
		})
	}
}

// TestRepeatedElectionsUnderPartition (FastLeaderElection, and the
// leader's quorum check of docs/rules.md#broadcast-zabbroadcastgo): twenty
// times, cut a random minority of five peers off, let the majority elect
// (or keep) a leader and commit, then heal. Each epoch has at most one
// leader (the checker), a new leader always has a higher epoch than any
// before it, and after the last heal everyone converges.
func TestRepeatedElectionsUnderPartition(t *testing.T) {
	h := newHarness(t, sim.Config{Peers: 5})
	r := h.Rand()
	prevLeader := h.stable(h.IDs()...)
	prevEpoch := h.epoch(prevLeader)
	for round := 0; round < 20; round++ {
		ids := h.IDs()
		r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		cut := 1 + r.Intn(2)
		h.Partition(ids[:cut], ids[cut:])
		l := h.stable(ids[cut:]...)
		if e := h.epoch(l); e < prevEpoch || (l != prevLeader && e == prevEpoch) {
			h.fatalf("round %d: leader %d in epoch %d after leader %d in epoch %d", round, l, e, prevLeader, prevEpoch)
		}
		prevLeader, prevEpoch = l, h.epoch(l)
		h.waitDelivered(h.propose(l, 2)[1], ids[cut:]...)
		h.Heal()
		h.RunTicks(r.Intn(20))
	}
	h.finish()
}
