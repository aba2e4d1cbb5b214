package invariants

import (
	"testing"

	"zabkafka/log"
	"zabkafka/zab"
)

// disk builds a DiskState with epochs a/c, snapshot snap and a log of
// the given zxids.
func disk(a, c zab.Epoch, snap zab.Zxid, zs ...zab.Zxid) DiskState {
	d := DiskState{Epochs: zab.Epochs{Accepted: a, Current: c}, Snapshot: snap}
	for _, z := range zs {
		d.Log = append(d.Log, log.Entry{Zxid: uint64(z), Data: []byte(z.String())})
	}
	return d
}

func z(e zab.Epoch, c uint32) zab.Zxid { return zab.MakeZxid(e, c) }

// tracked returns a checker tracking peers 1-3, where peer 3 leads epoch
// 1 and has broadcast 1:1..1:3.
func tracked(t *testing.T) *Checker {
	t.Helper()
	c := New()
	c.TrackDisks([]zab.PeerID{1, 2, 3})
	mustOK(t, c.Establish(1, 3))
	for i := uint32(1); i <= 3; i++ {
		mustOK(t, c.Broadcast(3, zab.Txn{Zxid: z(1, i), Data: []byte(z(1, i).String())}))
	}
	return c
}

// TestCommittedRemovedFiresOnQuorumDurableEntry: peers 3 and 2 hold
// 1:1..1:3 durably with acceptedEpoch 1, so the entries are committed
// though nobody delivered them; peer 2 then cuts back to 1:1 (a stale
// NEWLEADER's DIFF, docs/safety.md#late-messages-cannot-replay-a-sync).
func TestCommittedRemovedFiresOnQuorumDurableEntry(t *testing.T) {
	c := tracked(t)
	mustOK(t, c.Disk(3, disk(1, 1, 0, z(1, 1), z(1, 2), z(1, 3))))
	mustOK(t, c.Disk(2, disk(1, 1, 0, z(1, 1), z(1, 2), z(1, 3))))
	wantRule(t, c.Disk(2, disk(1, 1, 0, z(1, 1))), RuleCommittedRemoved)
}

// TestCommittedRemovedFiresOnDeliveredEntry: an entry any peer delivered
// is committed, whatever the disks say.
func TestCommittedRemovedFiresOnDeliveredEntry(t *testing.T) {
	c := tracked(t)
	mustOK(t, c.Disk(3, disk(1, 1, 0, z(1, 1))))
	mustOK(t, c.Disk(1, disk(1, 1, 0, z(1, 1))))
	mustOK(t, c.Deliver(3, tx(1, 1, z(1, 1).String())))
	mustOK(t, c.Disk(2, disk(1, 1, 0, z(1, 1))))
	// Peer 2 alone would not make 1:1 committed; the delivery does.
	wantRule(t, c.Disk(2, disk(1, 1, 0)), RuleCommittedRemoved)
}

// TestCommittedRemovedAllowsUncommittedCuts: the removals Zab does make
// must pass: an entry only the leader holds, an entry a quorum held only
// after some of them had promised a later epoch, an entry whose copies
// were never on a quorum at once, and compaction under a snapshot.
func TestCommittedRemovedAllowsUncommittedCuts(t *testing.T) {
	c := tracked(t)
	// Only the leader has 1:3; peer 1 has 1:1..1:2 too.
	mustOK(t, c.Disk(3, disk(1, 1, 0, z(1, 1), z(1, 2), z(1, 3))))
	mustOK(t, c.Disk(1, disk(1, 1, 0, z(1, 1), z(1, 2))))
	// 1:1..1:2 are now committed; 1:3 is not, and may go.
	mustOK(t, c.Disk(3, disk(2, 1, 0, z(1, 1), z(1, 2))))
	// Peer 2 syncs 1:1..1:3 from someone while promised to epoch 2: its
	// copy does not count for epoch 1, and peer 3 has cut 1:3, so 1:3 is
	// still not committed and peer 2 may drop it.
	mustOK(t, c.Disk(2, disk(2, 1, 0, z(1, 1), z(1, 2), z(1, 3))))
	mustOK(t, c.Disk(2, disk(2, 2, 0, z(1, 1), z(1, 2))))
	// Compaction under a snapshot is not a removal.
	mustOK(t, c.Disk(1, disk(1, 1, z(1, 2))))
	// But cutting a committed entry is, even behind an older snapshot.
	wantRule(t, c.Disk(3, disk(2, 2, z(1, 1))), RuleCommittedRemoved)
}

// TestCommittedRemovedNeedsSimultaneousQuorum: two peers held 1:3 with
// acceptedEpoch 1, but never at the same time.
func TestCommittedRemovedNeedsSimultaneousQuorum(t *testing.T) {
	c := tracked(t)
	mustOK(t, c.Disk(3, disk(1, 1, 0, z(1, 1), z(1, 2), z(1, 3))))
	mustOK(t, c.Disk(3, disk(1, 1, 0, z(1, 1), z(1, 2))))
	mustOK(t, c.Disk(2, disk(1, 1, 0, z(1, 1), z(1, 2), z(1, 3))))
	mustOK(t, c.Disk(2, disk(1, 1, 0, z(1, 1), z(1, 2))))
	// 1:1..1:2 were on both at once: now committed.
	wantRule(t, c.Disk(3, disk(1, 1, 0, z(1, 1))), RuleCommittedRemoved)
}

func TestAckNotDurableFiresOnUnsyncedAck(t *testing.T) {
	c := tracked(t)
	mustOK(t, c.Disk(1, disk(1, 1, 0, z(1, 1))))
	mustOK(t, c.Send(zab.Message{Type: zab.MsgAck, From: 1, To: 3, Epoch: 1, Zxid: z(1, 1)}))
	wantRule(t, c.Send(zab.Message{Type: zab.MsgAck, From: 1, To: 3, Epoch: 1, Zxid: z(1, 2)}), RuleAckNotDurable)
}

func TestAckNotDurableFiresOnAckNewLeaderBeforeEpochWrite(t *testing.T) {
	c := tracked(t)
	mustOK(t, c.Disk(1, disk(2, 1, 0, z(1, 1))))
	m := zab.Message{Type: zab.MsgAckNewLeader, From: 1, To: 2, Epoch: 2, Zxid: z(1, 1)}
	wantRule(t, c.Send(m), RuleAckNotDurable)
	mustOK(t, c.Disk(1, disk(2, 2, 0, z(1, 1))))
	mustOK(t, c.Send(m))
	// Other messages vouch for nothing durable.
	mustOK(t, c.Send(zab.Message{Type: zab.MsgFollowerInfo, From: 1, To: 2, Epoch: 7}))
}

func TestAckNotDurableFiresOnAckEpochBeforePromise(t *testing.T) {
	c := tracked(t)
	mustOK(t, c.Disk(1, disk(1, 1, 0, z(1, 1))))
	m := zab.Message{Type: zab.MsgAckEpoch, From: 1, To: 2, Epoch: 2, CurrentEpoch: 1, Zxid: z(1, 1)}
	wantRule(t, c.Send(m), RuleAckNotDurable)
	mustOK(t, c.Disk(1, disk(2, 1, 0, z(1, 1))))
	mustOK(t, c.Send(m))
	// A last zxid the log does not hold is an overclaim.
	m.Zxid = z(1, 2)
	wantRule(t, c.Send(m), RuleAckNotDurable)
}

func TestDeliverNoQuorumFiresOnLeaderOnlyEntry(t *testing.T) {
	c := tracked(t)
	mustOK(t, c.Disk(3, disk(1, 1, 0, z(1, 1), z(1, 2))))
	mustOK(t, c.Disk(1, disk(1, 1, 0, z(1, 1))))
	mustOK(t, c.Deliver(3, tx(1, 1, z(1, 1).String())))
	wantRule(t, c.Deliver(3, tx(1, 2, z(1, 2).String())), RuleDeliverNoQuorum)
}

// TestDiskRulesNeedTracking: a Checker without TrackDisks ignores disks
// and messages, so observations from harnesses that do not report disks
// keep working.
func TestDiskRulesNeedTracking(t *testing.T) {
	c := epochOne(t)
	mustOK(t, c.Disk(1, disk(1, 1, 0)))
	mustOK(t, c.Send(zab.Message{Type: zab.MsgAck, From: 1, To: 3, Epoch: 9, Zxid: z(9, 9)}))
	mustOK(t, c.Deliver(3, tx(1, 3, "c")))
}
