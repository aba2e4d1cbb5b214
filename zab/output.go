package zab

import "slices"

// The Ready under construction and the Ready/Advance hand-over (etcd
// raft's rawnode.go shape). Every effect of Step, Tick and Propose lands
// in the outbox; Ready hands it out; Advance tells the core the caller has
// made it durable (ready.go, steps 1-8).
//
// Ordering inside one Ready is fixed (snapshot, truncate, append, sync,
// epochs, messages), so the core only puts a message in the same Ready as,
// or a later one than, the write it vouches for. The one write that must
// precede another kind of write (currentEpoch before entries of that
// epoch, D4 refinement) is held back by the follower until the Ready with
// the epoch write is Advanced (sync.go).

// outbox accumulates the effects that the next Ready carries.
type outbox struct {
	snapshot      *Snapshot
	truncate      bool
	truncateAfter Zxid
	append        []Txn
	mustSync      bool
	epochs        *Epochs
	followAttempt uint64
	msgs          []Message
}

func (o *outbox) empty() bool {
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
	p.out.msgs = append(p.out.msgs, m)
}

// writeEpochs queues a durable write of the current epoch values.
func (p *Peer) writeEpochs() {
	e := p.epochs
	p.out.epochs = &e
}

// appendLog appends txns to the log and queues them for the caller.
func (p *Peer) appendLog(txns []Txn) {
	if len(txns) == 0 {
		return
	}
	p.log.append(txns)
	p.out.append = append(p.out.append, txns...)
	p.out.mustSync = true
}

// truncateLog drops every entry after t, pending ones included.
// Invariant kept by callers: t >= committed.
func (p *Peer) truncateLog(t Zxid) {
	if t >= p.log.last() {
		return
	}
	p.log.truncate(t)
	kept := make([]Txn, 0, len(p.out.append))
	for _, x := range p.out.append {
		if x.Zxid <= t {
			kept = append(kept, x)
		}
	}
	p.out.append = kept
	// One Ready truncates before it appends: the lowest cut asked for
	// since the last Ready covers every later one, because appends kept
	// above lie at or below t.
	if !p.out.truncate || t < p.out.truncateAfter {
		p.out.truncate, p.out.truncateAfter = true, t
	}
	p.out.mustSync = true
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
	p.out.msgs = slices.DeleteFunc(p.out.msgs, func(m Message) bool {
		switch m.Type {
		case MsgAck, MsgAckEpoch, MsgAckNewLeader:
			return m.Zxid > z
		}
		return false
	})
}

// installSnapshot replaces the applied state and the whole log by s.
func (p *Peer) installSnapshot(s Snapshot) {
	p.log.installSnapshot(s.Zxid)
	p.out.snapshot = &s
	p.out.truncate, p.out.truncateAfter, p.out.append = false, 0, nil
	p.out.mustSync = true
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

// HasReady reports whether Ready would return anything. On a leader it
// first turns proposals made since the last Ready into PROPOSAL messages
// (flush), which is why it is not a pure query.
func (p *Peer) HasReady() bool {
	p.flush()
	return !p.out.empty() || p.softChanged() || p.deliverBound() > p.delivered
}

// Ready returns everything the caller must do now. The caller handles it
// in the order ready.go gives, then calls Advance with it.
func (p *Peer) Ready() Ready {
	p.flush()
	rd := Ready{
		Snapshot:      p.out.snapshot,
		Truncate:      p.out.truncate,
		TruncateAfter: p.out.truncateAfter,
		Append:        p.out.append,
		MustSync:      p.out.mustSync,
		Epochs:        p.out.epochs,
		FollowAttempt: p.out.followAttempt,
		Messages:      p.out.msgs,
	}
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
	p.out = outbox{}
	return rd
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
