package invariants

import "zabkafka/zab"

// Deliver records that p's state machine applied t, the next transaction
// of its live sequence, and checks integrity, both primary orders, the
// prefix rule and primary integrity, and, with TrackDisks, that a quorum
// holds t durably. It returns the first violation.
func (c *Checker) Deliver(p zab.PeerID, t zab.Txn) error {
	en := entry{zxid: t.Zxid, value: string(t.Data)}
	s := c.seq(p)
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	keep(c.checkCounter(p, en.zxid, "delivery"))
	b, broadcastSeen := c.broadcasts[en.zxid]
	switch {
	case !broadcastSeen:
		keep(c.fail(RuleIntegrity, p, en.zxid, "delivered %q, which was never broadcast", en.value))
	case b.value != en.value:
		keep(c.fail(RuleIntegrity, p, en.zxid, "delivered %q, but peer %d broadcast %q", en.value, b.leader, b.value))
	}
	keep(c.checkDeliverQuorum(p, en.zxid, len(s.entries)))
	keep(c.checkOrder(s, en, b, broadcastSeen))
	keep(c.checkPrefix(s, en))
	s.entries = append(s.entries, en)
	return first
}

// checkOrder enforces global primary order (epochs never go backwards)
// and local primary order (within an epoch, the leader's k-th broadcast
// follows its (k-1)-th, and an epoch's first delivery is its k=1
// broadcast) against the end of s: DSN 2011's local and global primary
// order.
func (c *Checker) checkOrder(s *sequence, en entry, b broadcast, broadcastSeen bool) error {
	if len(s.entries) == 0 {
		if broadcastSeen && b.k != 1 {
			return c.fail(RuleLocalPrimaryOrder, s.peer, en.zxid,
				"first delivery of the sequence is broadcast %d of epoch %d", b.k, en.zxid.Epoch())
		}
		return nil
	}
	last := s.entries[len(s.entries)-1]
	switch {
	case en.zxid.Epoch() < last.zxid.Epoch():
		return c.fail(RuleGlobalPrimaryOrder, s.peer, en.zxid, "delivered after %v, of a later epoch", last.zxid)
	case en.zxid <= last.zxid:
		return c.fail(RuleLocalPrimaryOrder, s.peer, en.zxid, "delivered after %v: zxids not increasing", last.zxid)
	case !broadcastSeen:
		return nil
	case en.zxid.Epoch() > last.zxid.Epoch():
		if b.k != 1 {
			return c.fail(RuleLocalPrimaryOrder, s.peer, en.zxid,
				"first delivery of epoch %d is its broadcast %d: earlier ones skipped", en.zxid.Epoch(), b.k)
		}
	default:
		if prev, ok := c.broadcasts[last.zxid]; ok && b.k != prev.k+1 {
			return c.fail(RuleLocalPrimaryOrder, s.peer, en.zxid,
				"delivered after %v (broadcast %d) but is broadcast %d of the epoch", last.zxid, prev.k, b.k)
		}
	}
	return nil
}

// checkPrefix enforces the prefix rule: s with en appended must still be a
// prefix of the canonical sequence, which it extends when it is the
// longest. Then it checks primary integrity for en's position.
func (c *Checker) checkPrefix(s *sequence, en entry) error {
	if s.diverged {
		return nil
	}
	i := len(s.entries)
	if i == len(c.canon) {
		c.canon = append(c.canon, en)
		c.canonFirst = append(c.canonFirst, s.peer)
	} else if want := c.canon[i]; want != en {
		s.diverged = true
		if want.zxid == en.zxid {
			return c.fail(RuleZxidUnique, s.peer, en.zxid,
				"delivered %q at position %d, where peer %d delivered %q for the same zxid", en.value, i, c.canonFirst[i], want.value)
		}
		return c.fail(RulePrefix, s.peer, en.zxid,
			"delivered at position %d (incarnation %d), where peer %d delivered %v: committed %v lost or moved",
			i, s.incarnation, c.canonFirst[i], want.zxid, want.zxid)
	}
	// Primary integrity (DSN 2011, "Primary integrity"): a transaction of
	// an epoch
	// older than e, delivered anywhere, is in Init[e] once e's leader has
	// broadcast. Both are prefixes of canon, so membership is a length
	// comparison.
	for _, e := range c.initEpochs {
		if e <= en.zxid.Epoch() {
			continue
		}
		if r := c.epochs[e]; i >= len(r.init) {
			return c.fail(RulePrimaryIntegrity, s.peer, en.zxid,
				"delivered at position %d, but epoch %d's leader (peer %d) began broadcasting with only %d delivered",
				i, e, r.leader, len(r.init))
		}
	}
	return nil
}
