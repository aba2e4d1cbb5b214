package invariants

import (
	"slices"

	"zabkafka/log"
	"zabkafka/zab"
)

// DiskState is one peer's durable state at one moment: what its disk
// holds that no crash can take away.
type DiskState struct {
	// Epochs are the durable acceptedEpoch and currentEpoch.
	Epochs zab.Epochs
	// Snapshot is the durable snapshot's zxid, 0 if there is none. The
	// log may have been trimmed up to it; the snapshot stands for what was
	// trimmed.
	Snapshot zab.Zxid
	// Log is the synced log, ascending by zxid. The checker keeps the
	// slice to compare it with the next state, so the caller must never
	// modify an element it has handed over (log.MemStore.DurableLog
	// promises exactly that).
	Log []log.Entry
}

// holds reports whether d vouches for z: z is in the log, or the
// snapshot covers it. Coverage is judged by zxid alone, which can only
// make the checker count a copy too many, never report a false loss.
func (d *DiskState) holds(z zab.Zxid) bool {
	if z == 0 || (d.Snapshot != 0 && z <= d.Snapshot) {
		return true
	}
	_, ok := slices.BinarySearchFunc(d.Log, uint64(z), func(e log.Entry, z uint64) int {
		switch {
		case e.Zxid < z:
			return -1
		case e.Zxid > z:
			return 1
		}
		return 0
	})
	return ok
}

// last is the highest zxid d vouches for.
func (d *DiskState) last() zab.Zxid {
	if n := len(d.Log); n > 0 && zab.Zxid(d.Log[n-1].Zxid) > d.Snapshot {
		return zab.Zxid(d.Log[n-1].Zxid)
	}
	return d.Snapshot
}

// diskTracker is the checker's record of every peer's durable state,
// and of what that state makes committed.
type diskTracker struct {
	peers  []zab.PeerID
	quorum int
	state  map[zab.PeerID]*DiskState
	// chosen holds the zxids found committed by the durable-quorum rule
	// (see committed); high[e] is the highest of them in epoch e, where
	// the search for more resumes.
	chosen map[zab.Zxid]bool
	high   map[zab.Epoch]zab.Zxid
}

// TrackDisks turns on the rules that need every peer's durable state
// (RuleCommittedRemoved, RuleAckNotDurable, RuleDeliverNoQuorum): from now
// on the harness reports each peer's disk with Disk after every durable
// write and each message with Send before it leaves. peers are all the
// voters; a quorum is a strict majority of them.
func (c *Checker) TrackDisks(peers []zab.PeerID) {
	c.disks = &diskTracker{
		peers:  slices.Clone(peers),
		quorum: len(peers)/2 + 1,
		state:  make(map[zab.PeerID]*DiskState, len(peers)),
		chosen: make(map[zab.Zxid]bool),
		high:   make(map[zab.Epoch]zab.Zxid),
	}
}

// committed reports whether z is committed in the checker's own terms,
// which are sound for Zab: once true, no correct run ever removes z from
// a durable log. z is committed if
//
//  1. some peer delivered it (it is in the canonical sequence), or
//  2. at one moment a quorum of peers held z durably while each of them
//     still had acceptedEpoch == epoch(z) (the durable-quorum rule).
//
// Why 2 is sound. Let e = epoch(z) and Q that quorum. A later leader of an
// epoch e' > e collects ACKEPOCH from a quorum Q' before it syncs anyone
// (DSN 2011, "Phase 1"); Q and Q' share a peer q. At the moment of rule 2, q
// still had acceptedEpoch e < e', so its promise of e' came later, when
// its durable log still held z (the first removal of a committed entry
// is what this checker reports, so up to it, logs keep z). q's ACKEPOCH
// therefore reports currentEpoch >= e and a last zxid >= z (q logged an
// entry of epoch e only after currentEpoch = e was durable, zab/sync.go's
// held entries). The new leader is at least as up to date as every
// member of Q' (FLE's vote order; zab/discovery.go steps down for a
// follower ahead of it), and, by induction on epochs, a history that ends
// at or after z under currentEpoch >= e contains z: so z is in e”s
// initial history, and the sync it sends never cuts z. This is the
// quorum-intersection argument of the Zab paper (Junqueira, Reed,
// Serafini, DSN 2011, Lemma on the initial history of a new epoch).
// Requiring acceptedEpoch == e matters: a copy written after the peer
// promised a later epoch (say, while it synchronises with that later
// leader) was not reported in that promise, so it proves nothing; and the
// copies must be simultaneous, because a copy removed before the quorum
// formed no longer stands in anyone's ACKEPOCH.
//
// Rule 2 says nothing of whether the leader learned the quorum (no ACK
// need have arrived): Zab's history is chosen by durability on a
// quorum, as a Paxos value is chosen by acceptance, and an acknowledgement
// only lets the leader find out.
func (c *Checker) committed(z zab.Zxid) bool {
	if c.disks != nil && c.disks.chosen[z] {
		return true
	}
	_, ok := slices.BinarySearchFunc(c.canon, z, func(en entry, z zab.Zxid) int { return cmpZxid(en.zxid, z) })
	return ok
}

// Disk records p's durable state after a write that may have changed it
// (append and sync, truncation, snapshot, compaction, epochs, a crash
// that kept part of the unsynced writes) and checks RuleCommittedRemoved:
// no entry committed (see committed) leaves p's log other than into a
// snapshot that covers it. Then it looks for entries the new state makes
// committed by the durable-quorum rule. Without TrackDisks it does
// nothing.
func (c *Checker) Disk(p zab.PeerID, d DiskState) error {
	t := c.disks
	if t == nil {
		return nil
	}
	var err error
	if old := t.state[p]; old != nil {
		// Logs change only at their end (truncate, append) or under a
		// snapshot (compact, install): walk the old log back from its
		// end to the first entry the new state still holds.
		for i := len(old.Log) - 1; i >= 0; i-- {
			z := zab.Zxid(old.Log[i].Zxid)
			if d.holds(z) {
				break
			}
			if c.committed(z) {
				err = c.fail(RuleCommittedRemoved, p, z,
					"durable log lost committed %v (%s): it now ends at %v, snapshot %v, epochs %d/%d",
					z, c.whyCommitted(z), d.last(), d.Snapshot, d.Epochs.Accepted, d.Epochs.Current)
				break
			}
		}
	}
	nd := d
	t.state[p] = &nd
	c.findChosen(&nd)
	return err
}

// whyCommitted names the rule that made z committed, for messages.
func (c *Checker) whyCommitted(z zab.Zxid) string {
	if c.disks != nil && c.disks.chosen[z] {
		return "durable on a quorum in its epoch"
	}
	return "delivered"
}

// findChosen extends the durable-quorum rule with the log of d, a peer
// whose acceptedEpoch is e: its entries of epoch e after the highest
// already chosen are tried in order, until one is not held by a quorum
// of peers whose acceptedEpoch is e. (An entry of epoch e stands after
// every earlier one of e in every log, so when one falls short the rest
// do too; stopping there can only miss a commitment, never invent one.)
func (c *Checker) findChosen(d *DiskState) {
	t := c.disks
	e := d.Epochs.Accepted
	if e == 0 {
		return
	}
	from := max(t.high[e], zab.MakeZxid(e, 0))
	i, _ := slices.BinarySearchFunc(d.Log, uint64(from)+1, func(en log.Entry, z uint64) int { return cmpZxid(zab.Zxid(en.Zxid), zab.Zxid(z)) })
	for ; i < len(d.Log); i++ {
		z := zab.Zxid(d.Log[i].Zxid)
		if z.Epoch() != e {
			return
		}
		n := 0
		for _, q := range t.peers {
			if s := t.state[q]; s != nil && s.Epochs.Accepted == e && s.holds(z) {
				n++
			}
		}
		if n < t.quorum {
			return
		}
		t.chosen[z] = true
		t.high[e] = z
	}
}

// Send checks a message as its sender puts it on the network, against
// the sender's durable state (RuleAckNotDurable): an acknowledgement
// vouches for state the receiver will count on, so that state must
// already survive any crash. ACK(z) and ACKNEWLEADER(z) vouch for the log
// up to z and for currentEpoch = the session's epoch (zab/sync.go: the
// history is synced, then currentEpoch written, then the ack sent);
// ACKEPOCH(e, last, currentEpoch) vouches for the promise acceptedEpoch
// >= e, for its currentEpoch and for its log up to last (the leader picks
// the sync and decides who is ahead from it). Other messages vouch for
// nothing durable. Without TrackDisks it does nothing.
func (c *Checker) Send(m zab.Message) error {
	t := c.disks
	if t == nil {
		return nil
	}
	var d DiskState
	if s := t.state[m.From]; s != nil {
		d = *s
	}
	switch m.Type {
	case zab.MsgAck, zab.MsgAckNewLeader:
		if d.Epochs.Current < m.Epoch {
			return c.fail(RuleAckNotDurable, m.From, m.Zxid, "%v of epoch %d sent with durable currentEpoch %d", m.Type, m.Epoch, d.Epochs.Current)
		}
		if !d.holds(m.Zxid) {
			return c.fail(RuleAckNotDurable, m.From, m.Zxid, "%v vouches for %v, the durable log ends at %v", m.Type, m.Zxid, d.last())
		}
	case zab.MsgAckEpoch:
		if d.Epochs.Accepted < m.Epoch || d.Epochs.Current < m.CurrentEpoch {
			return c.fail(RuleAckNotDurable, m.From, m.Zxid, "ACKEPOCH(%d, currentEpoch %d) sent with durable epochs %d/%d",
				m.Epoch, m.CurrentEpoch, d.Epochs.Accepted, d.Epochs.Current)
		}
		if !d.holds(m.Zxid) {
			return c.fail(RuleAckNotDurable, m.From, m.Zxid, "ACKEPOCH reports last %v, the durable log ends at %v", m.Zxid, d.last())
		}
	}
	return nil
}

// checkDeliverQuorum enforces RuleDeliverNoQuorum for a delivery of z at
// position i of p's sequence: a quorum of peers holds z durably (in the
// log or under a snapshot) right now. Committing means exactly that a
// quorum has it; a delivery without that is one crash away from being
// forgotten by every later leader. Only the first delivery of z is
// checked: from then on z is committed, and any disk that loses it
// breaks RuleCommittedRemoved, so a later delivery cannot find fewer
// copies unnoticed.
func (c *Checker) checkDeliverQuorum(p zab.PeerID, z zab.Zxid, i int) error {
	t := c.disks
	if t == nil || (i < len(c.canon) && c.canon[i].zxid == z) {
		return nil
	}
	n := 0
	for _, q := range t.peers {
		if s := t.state[q]; s != nil && s.holds(z) {
			if n++; n == t.quorum {
				return nil
			}
		}
	}
	if n < t.quorum {
		return c.fail(RuleDeliverNoQuorum, p, z, "delivered while only %d of %d peers hold it durably (quorum %d)", n, len(t.peers), t.quorum)
	}
	return nil
}
