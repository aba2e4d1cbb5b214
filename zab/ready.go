package zab

import "slices"

// Ready is everything the core asks its caller to do after some input:
// durable writes, messages to send, committed transactions to apply.
//
// The caller handles a Ready in exactly this order, then calls Advance:
//
//  1. If Snapshot is set, install it durably: it replaces the applied
//     state and the whole log (ZOOKEEPER-2832: no stale suffix may survive
//     under a snapshot).
//  2. If Truncate is set, drop every log entry with zxid > TruncateAfter.
//  3. Append the entries in Append.
//  4. If MustSync, make steps 1-3 durable (fsync).
//  5. If Epochs is set, write both epochs durably; if FollowAttempt is
//     non-zero, write it durably too.
//  6. Only now send Messages: every ACK, ACKEPOCH and NEWLEADER ack among
//     them vouches for state made durable in steps 1-5 (docs/safety.md).
//     Unless SendFirst is set: then the Messages vouch for none of the
//     Ready's writes, and may leave before step 1.
//     A caller that holds messages back to send them later (batching)
//     must drop, when a later Ready's step 1 or 2 cuts the log back to
//     z (the snapshot's zxid, or TruncateAfter), every ACK, ACKEPOCH and
//     ACKNEWLEADER it still holds that reports a zxid above z: it would
//     vouch for entries that are gone (node/outbox.go:dropVouchersAbove).
//  7. Apply Committed, in order, to the state machine.
//  8. Call Advance(rd).
type Ready struct {
	// SoftState is set when the role, phase, leader or epoch changed.
	SoftState *Status

	Snapshot      *Snapshot
	Truncate      bool
	TruncateAfter Zxid
	Append        []Txn
	MustSync      bool
	Epochs        *Epochs
	// FollowAttempt, when non-zero, is the number this peer just gave a
	// new attempt to follow a leader; it must be durable before the
	// FOLLOWERINFO that carries it is sent (step 5 before step 6), so
	// that no later attempt, even after a restart, reuses it.
	FollowAttempt uint64

	Messages []Message
	// SendFirst says the Messages may be sent before the writes, as soon
	// as the caller has them: they are an established leader's
	// PROPOSALs, COMMITs and PINGs, and the Ready writes no snapshot,
	// truncation, epochs or follow attempt. Nothing in them vouches for
	// the leader's own disk: a follower logs a proposal on its own, the
	// leader counts its own ack only once the Ready is Advanced
	// (leaderStable), and a commit point was reached by durable acks
	// alone. ZooKeeper's leader, too, sends a proposal before its own
	// log sync completes (Leader.propose, then its SyncRequestProcessor).
	// Sending first takes the leader's fsync off the round trip.
	SendFirst bool

	// Committed are transactions known committed and durable here, in
	// zxid order, never delivered before (within this incarnation).
	Committed []Txn
}

// IsEmpty reports whether rd asks for nothing.
func (rd *Ready) IsEmpty() bool {
	return rd.SoftState == nil && rd.Snapshot == nil && !rd.Truncate &&
		len(rd.Append) == 0 && !rd.MustSync && rd.Epochs == nil && rd.FollowAttempt == 0 &&
		len(rd.Messages) == 0 && len(rd.Committed) == 0
}

// How a Ready is built and handed over (etcd raft's rawnode.go shape).
// Every effect of Step, Tick and Propose lands in the peer's readyDraft;
// Ready hands it out; Advance tells the core the caller has made it
// durable (steps 1-8 above).
//
// Ordering inside one Ready is fixed (snapshot, truncate, append, sync,
// epochs, messages), so the core only puts a message in the same Ready as,
// or a later one than, the write it vouches for. The one write that must
// precede another kind of write (currentEpoch before entries of that
// epoch: a crash in between must not leave a last zxid of an epoch above
// currentEpoch) is held back by the follower until the Ready with the
// epoch write is Advanced (sync.go, followerEpochDurable).

// readyDraft is the Ready under construction: every effect of Step, Tick
// and Propose lands here, and Ready hands it out whole.
type readyDraft struct {
	snapshot      *Snapshot
	truncate      bool
	truncateAfter Zxid
	append        []Txn
	mustSync      bool
	epochs        *Epochs
	followAttempt uint64
	msgs          []Message
}

func (o *readyDraft) empty() bool {
	return o.snapshot == nil && !o.truncate && len(o.append) == 0 && !o.mustSync &&
		o.epochs == nil && o.followAttempt == 0 && len(o.msgs) == 0
}

// readyRecord remembers what a handed-out Ready wrote, for Advance.
type readyRecord struct {
	durableTo Zxid    // last appended zxid, or the snapshot's; 0 if none
	epochs    *Epochs // the epochs written, if any
}

// maxDeliverPerReady bounds Ready.Committed; the rest comes in the next one.
const maxDeliverPerReady = 4096

// send queues m, stamped with this peer as sender.
func (p *Peer) send(m Message) {
	m.From = p.id
	p.draft.msgs = append(p.draft.msgs, m)
}

// writeEpochs queues a durable write of the current epoch values.
func (p *Peer) writeEpochs() {
	if p.epochs.Current > p.epochs.Accepted {
		p.broken("writing currentEpoch %d above acceptedEpoch %d", p.epochs.Current, p.epochs.Accepted)
	}
	e := p.epochs
	p.draft.epochs = &e
}

// appendLog appends txns to the log and queues them for the caller.
func (p *Peer) appendLog(txns []Txn) {
	if len(txns) == 0 {
		return
	}
	// The log only ever grows at its end, in zxid order: a leader's
	// proposals follow its last, a follower appends only what extends its
	// log (followerProposal, checkContiguous).
	prev := p.log.last()
	for _, t := range txns {
		if t.Zxid <= prev {
			p.broken("appending %v after %v: out of order", t.Zxid, prev)
		}
		prev = t.Zxid
	}
	p.log.append(txns)
	p.draft.append = append(p.draft.append, txns...)
	p.draft.mustSync = true
}

// truncateLog drops every entry after t, pending ones included. It never
// cuts a committed entry, or below the snapshot (checkNewLeader refuses a
// NEWLEADER that would).
func (p *Peer) truncateLog(t Zxid) {
	if t >= p.log.last() {
		return
	}
	if t < p.committed || t < p.log.floor {
		p.broken("truncating after %v, below committed %v or the snapshot %v", t, p.committed, p.log.floor)
	}
	p.log.truncate(t)
	kept := make([]Txn, 0, len(p.draft.append))
	for _, x := range p.draft.append {
		if x.Zxid <= t {
			kept = append(kept, x)
		}
	}
	p.draft.append = kept
	// One Ready truncates before it appends: the lowest cut asked for
	// since the last Ready covers every later one, because appends kept
	// above lie at or below t.
	if !p.draft.truncate || t < p.draft.truncateAfter {
		p.draft.truncate, p.draft.truncateAfter = true, t
	}
	p.draft.mustSync = true
	for i := range p.fetched {
		if p.fetched[i].durableTo > t {
			p.fetched[i].durableTo = t
		}
	}
	p.dropVouchersAbove(t)
}

// dropVouchersAbove removes from the Ready under construction every
// acknowledgement (ACK, ACKEPOCH, ACKNEWLEADER) that vouches for a log
// reaching beyond z: the log was just cut back to z, and the Ready sends
// its messages after its writes (step 6), so such a message would vouch
// for entries that are gone. One is there when a message of an earlier
// exchange was stepped in the same batch as a NEWLEADER that truncates:
// for instance the ACKEPOCH answering a repeated LEADERINFO (the leader
// answering a duplicated FOLLOWERINFO), whose report the leader already
// has, having planned the NEWLEADER from it (found by tests/nodesim).
func (p *Peer) dropVouchersAbove(z Zxid) {
	p.draft.msgs = slices.DeleteFunc(p.draft.msgs, func(m Message) bool { return m.VouchesAbove(z) })
}

// VouchesAbove reports whether m is an acknowledgement (ACK, ACKEPOCH,
// ACKNEWLEADER) that reports a log reaching beyond z: once the log is
// cut back to z, such a message must not be sent (Ready, step 6).
func (m Message) VouchesAbove(z Zxid) bool {
	switch m.Type {
	case MsgAck, MsgAckEpoch, MsgAckNewLeader:
		return m.Zxid > z
	}
	return false
}

// installSnapshot replaces the applied state and the whole log by s. The
// commit point never moves back: s is at least what is known committed
// (checkNewLeader refuses an older one).
func (p *Peer) installSnapshot(s Snapshot) {
	if s.Zxid < p.committed {
		p.broken("installing snapshot %v below committed %v", s.Zxid, p.committed)
	}
	p.log.installSnapshot(s.Zxid)
	p.draft.snapshot = &s
	p.draft.truncate, p.draft.truncateAfter, p.draft.append = false, 0, nil
	p.draft.mustSync = true
	for i := range p.fetched {
		if p.fetched[i].durableTo > s.Zxid {
			p.fetched[i].durableTo = s.Zxid
		}
	}
	p.committed, p.delivered = s.Zxid, s.Zxid
	// Every acknowledgement queued so far vouched for the log the snapshot
	// just replaced, entries at or below s.Zxid included (the old log may
	// hold entries the snapshot's history does not).
	p.dropVouchersAbove(0)
}

// HasReady reports whether Ready would return anything. It is a pure
// query, as in etcd raft: it changes nothing, so calling it any number
// of times, or not at all, changes no later Ready. On a leader it counts
// the PROPOSAL and COMMIT messages the next Ready's flush will make
// (flushWouldSend applies flush's own rule), so it is never true for a
// Ready that turns out empty on their account.
func (p *Peer) HasReady() bool {
	return !p.draft.empty() || p.softChanged() || p.deliverBound() > p.delivered || p.flushWouldSend()
}

// Ready returns everything the caller must do now. The caller handles it
// in the order ready.go gives, then calls Advance with it.
func (p *Peer) Ready() Ready {
	p.flush()
	p.checkInvariants()
	rd := Ready{
		Snapshot:      p.draft.snapshot,
		Truncate:      p.draft.truncate,
		TruncateAfter: p.draft.truncateAfter,
		Append:        p.draft.append,
		MustSync:      p.draft.mustSync,
		Epochs:        p.draft.epochs,
		FollowAttempt: p.draft.followAttempt,
		Messages:      p.draft.msgs,
	}
	rd.SendFirst = p.sendFirst(&rd)
	rd.Committed = p.takeDeliverable()
	if p.softChanged() {
		s := p.Status()
		rd.SoftState = &s
		p.lastSoft = s
	}
	rec := readyRecord{epochs: rd.Epochs}
	if rd.Snapshot != nil {
		rec.durableTo = rd.Snapshot.Zxid
	}
	if n := len(rd.Append); n > 0 {
		rec.durableTo = rd.Append[n-1].Zxid
	}
	p.fetched = append(p.fetched, rec)
	p.draft = readyDraft{}
	return rd
}

// sendFirst reports whether rd's messages may leave before its writes
// (Ready.SendFirst): this peer leads an established epoch, rd writes
// nothing but entries, and every message is a PROPOSAL, COMMIT or PING.
// Anything else, a sync to a joining follower included, keeps the order
// of steps 1-6.
func (p *Peer) sendFirst(rd *Ready) bool {
	if p.lead == nil || !p.lead.established || len(rd.Messages) == 0 ||
		rd.Snapshot != nil || rd.Truncate || rd.Epochs != nil || rd.FollowAttempt != 0 {
		return false
	}
	for _, m := range rd.Messages {
		switch m.Type {
		case MsgProposal, MsgCommit, MsgPing:
		default:
			return false
		}
	}
	return true
}

// Advance tells the peer the caller has handled the oldest Ready it has
// not yet Advanced: its writes are durable, its messages sent. Readies
// must be Advanced in the order they were returned.
func (p *Peer) Advance(Ready) {
	if len(p.fetched) == 0 {
		return
	}
	rec := p.fetched[0]
	p.fetched = p.fetched[1:]
	if rec.durableTo > 0 {
		p.log.markStable(rec.durableTo)
	}
	if rec.epochs != nil {
		p.epochsDurable(*rec.epochs)
	}
	if p.lead != nil {
		p.leaderStable()
	}
	p.log.trim(p.delivered)
}

// epochsDurable reacts to an epoch write having become durable.
func (p *Peer) epochsDurable(e Epochs) {
	switch {
	case p.lead != nil:
		p.leaderEpochDurable(e)
	case p.fol != nil:
		p.followerEpochDurable(e)
	}
}

// softChanged reports whether role, phase, leader or epochs changed since
// the last Ready.
func (p *Peer) softChanged() bool {
	s := p.lastSoft
	return s.Role != p.role || s.Phase != p.phase || s.Leader != p.leader || s.Epochs != p.epochs
}

// deliverBound is the highest zxid that may be delivered now: committed,
// and in the log (durable before step 7 of the Ready contract, since
// every pending append is in the same Ready).
func (p *Peer) deliverBound() Zxid {
	b := p.committed
	if last := p.log.last(); last < b {
		b = last
	}
	return b
}

// takeDeliverable returns the committed entries not yet delivered, in
// zxid order, and marks them delivered.
func (p *Peer) takeDeliverable() []Txn {
	upTo := p.deliverBound()
	if upTo <= p.delivered {
		return nil
	}
	out, ok := p.log.between(p.delivered, upTo, maxDeliverPerReady)
	if n := len(out); n > 0 {
		p.delivered = out[n-1].Zxid
	}
	if !ok {
		p.logger.Error("committed entries are no longer readable", "after", p.delivered.String(), "upto", upTo.String())
	}
	return out
}
