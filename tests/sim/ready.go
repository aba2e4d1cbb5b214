package sim

import (
	"zabkafka/log"
	"zabkafka/log/zabstore"
	"zabkafka/tests/invariants"
	"zabkafka/zab"
)

// handleReady carries out one Ready in the order zab/ready.go fixes
// (its messages first when it says SendFirst), offering the crash hook a
// chance to crash the peer between any two steps. The durable steps go through zabstore.Persist one step at a
// time, so a crash can fall between them; the node uses the same
// function for all five at once.
func (w *World) handleReady(n *node, rd zab.Ready) {
	w.observeSoftState(n, rd.SoftState)
	if w.crashAt(n, CrashBeforePersist, &rd) {
		return
	}
	sent := false
	if rd.SendFirst {
		// A leader's proposals leave before its own writes (zab
		// Ready.SendFirst); a crash right after them loses its copy,
		// never a vouched-for one.
		w.recordBroadcasts(n, rd.Append)
		if !w.sendAll(n, &rd) || w.crashAt(n, CrashAfterSend, &rd) {
			return
		}
		sent = true
	}
	if w.cfg.Faults.EpochsBeforeHistory && rd.Epochs != nil {
		if !w.writeEpochs(n, rd.Epochs) {
			return
		}
	}
	if rd.Snapshot != nil {
		if !w.persist(n, &zab.Ready{Snapshot: rd.Snapshot}) || w.crashAt(n, CrashAfterSnapshot, &rd) {
			return
		}
	}
	if rd.Truncate {
		if !w.persist(n, &zab.Ready{Truncate: true, TruncateAfter: rd.TruncateAfter}) || w.crashAt(n, CrashAfterTruncate, &rd) {
			return
		}
	}
	if len(rd.Append) > 0 {
		if !sent {
			w.recordBroadcasts(n, rd.Append)
		}
		if !w.persist(n, &zab.Ready{Append: rd.Append}) || w.crashAt(n, CrashAfterAppend, &rd) {
			return
		}
	}
	if w.cfg.Faults.SendBeforeSync && !sent {
		// The faulty order: the messages, ACKs included, leave before the
		// sync, and a crash right after them loses what they vouch for.
		if !w.sendAll(n, &rd) || w.crashAt(n, CrashAfterSend, &rd) {
			return
		}
		sent = true
	}
	if rd.MustSync {
		if !w.persist(n, &zab.Ready{MustSync: true}) || w.crashAt(n, CrashAfterSync, &rd) {
			return
		}
	}
	if rd.Epochs != nil && !w.cfg.Faults.EpochsBeforeHistory {
		if !w.writeEpochs(n, rd.Epochs) || w.crashAt(n, CrashAfterEpochs, &rd) {
			return
		}
	}
	if rd.FollowAttempt != 0 {
		// Step 5 too: the attempt number is durable before the
		// FOLLOWERINFO that carries it leaves.
		if !w.persist(n, &zab.Ready{FollowAttempt: rd.FollowAttempt}) || w.crashAt(n, CrashAfterEpochs, &rd) {
			return
		}
	}
	if !sent && (!w.sendAll(n, &rd) || w.crashAt(n, CrashAfterSend, &rd)) {
		return
	}
	w.apply(n, &rd)
	if w.crashAt(n, CrashAfterApply, &rd) {
		return
	}
	n.peer.Advance(rd)
	w.maybeSnapshot(n)
}

// persist runs one durable step; a storage error is fail-stop: the peer
// crashes and the run records a failure, since the core asked for a write
// the store cannot do. Every step but an append may change what is
// durable (a truncation can drop a newer snapshot at once), so the
// checker is shown the disk after each of them.
func (w *World) persist(n *node, step *zab.Ready) bool {
	if err := zabstore.Persist(n.disk, step); err != nil {
		w.fail("peer %d: storage refused a Ready step: %v", n.id, err)
		w.crash(n, "storage error")
		return false
	}
	if len(step.Append) == 0 {
		w.observeDisk(n)
	}
	return true
}

// observeDisk shows the checker what n's disk now holds durably (the
// synced log, the snapshot, the epochs), after every step that may have
// changed it: each durable write is checked as it happens (no committed
// entry removed; see invariants.Checker.Disk).
func (w *World) observeDisk(n *node) {
	if w.Checker == nil {
		return
	}
	a, c := n.disk.DurableEpochs()
	snap, _ := n.disk.DurableSnapshot()
	w.noteViolation(w.Checker.Disk(n.id, invariants.DiskState{
		Epochs:   zab.Epochs{Accepted: zab.Epoch(a), Current: zab.Epoch(c)},
		Snapshot: zab.Zxid(snap),
		Log:      n.disk.DurableLog(),
	}))
}

func (w *World) writeEpochs(n *node, e *zab.Epochs) bool {
	if !w.persist(n, &zab.Ready{Epochs: e}) {
		return false
	}
	if w.Checker != nil {
		w.noteViolation(w.Checker.Epochs(n.id, *e))
	}
	return true
}

// sendAll sends the Ready's messages, offering a crash between any two.
func (w *World) sendAll(n *node, rd *zab.Ready) bool {
	for i, m := range rd.Messages {
		if w.Checker != nil {
			w.noteViolation(w.Checker.Send(m))
		}
		w.send(m)
		if i < len(rd.Messages)-1 && w.crashAt(n, CrashMidSend, rd) {
			return false
		}
	}
	return true
}

// crashAt asks the hook whether to crash at this point, and crashes.
func (w *World) crashAt(n *node, at CrashPoint, rd *zab.Ready) bool {
	if w.CrashHook == nil || !w.CrashHook(n.id, at, rd) {
		return false
	}
	w.crash(n, at.String())
	return true
}

// observeSoftState tracks role changes: for the trace, and for the set E
// (a leader reaching BROADCAST establishes its epoch).
func (w *World) observeSoftState(n *node, ss *zab.Status) {
	if ss == nil {
		return
	}
	n.soft = *ss
	w.Trace.Record(Event{Time: w.now, Kind: KindRole, Peer: n.id, Role: ss.Role, Phase: ss.Phase, Leader: ss.Leader, Epoch: ss.Epochs.Current})
	if w.Checker != nil && ss.Role == zab.RoleLeading && ss.Phase == zab.PhaseBroadcast {
		w.noteViolation(w.Checker.Establish(ss.Epochs.Current, n.id))
	}
	if w.OnSoftState != nil {
		w.OnSoftState(n.id, *ss)
	}
}

// recordBroadcasts adds a leader's own-epoch appends to B. A leader's
// append of its own epoch is its proposal (see the invariants package).
func (w *World) recordBroadcasts(n *node, txns []zab.Txn) {
	if w.Checker == nil || n.soft.Role != zab.RoleLeading {
		return
	}
	for _, t := range txns {
		if t.Zxid.Epoch() == n.soft.Epochs.Accepted {
			w.noteViolation(w.Checker.Broadcast(n.id, t))
		}
	}
}

// apply is step 7: restore a SNAP's state, then apply each committed
// transaction. Every one must already be durable here ("commit only what
// is logged": a peer's delivered prefix is a prefix of its own log).
func (w *World) apply(n *node, rd *zab.Ready) {
	if rd.Snapshot != nil {
		if err := n.app.Restore(rd.Snapshot.Data); err != nil {
			w.fail("peer %d: SNAP %v does not decode: %v", n.id, rd.Snapshot.Zxid, err)
		} else if n.app.Last() != rd.Snapshot.Zxid {
			// ZOOKEEPER-3104: a snapshot's label must be what it holds.
			w.fail("peer %d: SNAP labelled %v holds state up to %v", n.id, rd.Snapshot.Zxid, n.app.Last())
		}
		if w.Checker != nil {
			w.noteViolation(w.Checker.InstallSnapshot(n.id, n.app.Txns()))
		}
	}
	if len(rd.Committed) == 0 {
		return
	}
	durable := zab.Zxid(n.disk.DurableLastZxid())
	for _, t := range rd.Committed {
		if t.Zxid > durable {
			w.fail("peer %d: delivered %v, beyond its durable log (last %v)", n.id, t.Zxid, durable)
		}
		n.app.Apply(t)
		n.sinceSnap++
		if w.Checker != nil {
			w.noteViolation(w.Checker.Deliver(n.id, t))
		}
		w.Trace.Record(Event{Time: w.now, Kind: KindCommit, Peer: n.id, Zxid: t.Zxid})
	}
}

// maybeSnapshot saves the state machine as a snapshot every
// Config.SnapshotEvery deliveries and compacts the log behind it, keeping
// Config.RetainEntries applied entries, so that SNAP syncs happen.
func (w *World) maybeSnapshot(n *node) {
	if w.cfg.SnapshotEvery <= 0 || n.sinceSnap < w.cfg.SnapshotEvery || n.peer == nil {
		return
	}
	n.sinceSnap = 0
	txns := n.app.Txns()
	if len(txns) == 0 {
		return
	}
	last := txns[len(txns)-1].Zxid
	if cur, ok := n.disk.Snapshot(); ok && cur.Zxid >= uint64(last) {
		return
	}
	if err := n.disk.SaveSnapshot(log.Snapshot{Zxid: uint64(last), Data: n.app.Snapshot()}); err != nil {
		w.fail("peer %d: snapshot at %v: %v", n.id, last, err)
		return
	}
	if keep := w.cfg.RetainEntries; len(txns) > keep {
		upTo := txns[len(txns)-1-keep].Zxid
		if err := n.disk.Compact(uint64(upTo)); err != nil {
			w.fail("peer %d: compact to %v: %v", n.id, upTo, err)
		}
	}
	w.observeDisk(n)
}
