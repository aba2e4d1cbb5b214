package invariants

import (
	"slices"

	"zabkafka/zab"
)

// Epochs records that p durably wrote ep (Ready step 5) and checks that
// neither epoch went backwards, across restarts too, and that currentEpoch
// <= acceptedEpoch (docs/rules.md#currentepoch-never-above-acceptedepoch).
func (c *Checker) Epochs(p zab.PeerID, ep zab.Epochs) error {
	prev, seen := c.durable[p]
	c.durable[p] = ep
	if ep.Current > ep.Accepted {
		return c.fail(RuleEpochMonotonic, p, 0, "currentEpoch %d > acceptedEpoch %d", ep.Current, ep.Accepted)
	}
	if seen && (ep.Accepted < prev.Accepted || ep.Current < prev.Current) {
		return c.fail(RuleEpochMonotonic, p, 0, "epochs went from %+v to %+v", prev, ep)
	}
	return nil
}

// AtRest checks a peer's durable state when nothing is in flight for it
// (after a Ready is fully handled, or at restart): its epochs are those
// last recorded by Epochs and the epoch of its last durable zxid is at
// most its currentEpoch.
func (c *Checker) AtRest(p zab.PeerID, ep zab.Epochs, last zab.Zxid) error {
	if prev, seen := c.durable[p]; seen && prev != ep {
		return c.fail(RuleEpochMonotonic, p, 0, "durable epochs are %+v, but the last write was %+v", ep, prev)
	}
	if last.Epoch() > ep.Accepted {
		return c.fail(RuleEpochLogOrder, p, last, "last durable zxid is of epoch %d, acceptedEpoch is %d", last.Epoch(), ep.Accepted)
	}
	return nil
}

// CheckLogs checks the peers' durable logs, typically at the end of a
// run: each is strictly increasing with no counter 0 or 0xffffffff, no
// zxid carries a value other than the one broadcast, and any two logs
// agree on everything up to the last zxid both hold (the log prefix
// property, docs/companion.md#safety-properties). A log may start late
// (compacted under a
// snapshot): only the range both logs hold is compared.
func (c *Checker) CheckLogs(logs map[zab.PeerID][]zab.Txn) error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	ids := make([]zab.PeerID, 0, len(logs))
	for p := range logs {
		ids = append(ids, p)
	}
	slices.Sort(ids)
	for _, p := range ids {
		for i, t := range logs[p] {
			keep(c.checkCounter(p, t.Zxid, "durable log"))
			if i > 0 && t.Zxid <= logs[p][i-1].Zxid {
				keep(c.fail(RuleLogPrefix, p, t.Zxid, "log entry after %v: not increasing", logs[p][i-1].Zxid))
			}
			if b, ok := c.broadcasts[t.Zxid]; ok && b.value != string(t.Data) {
				keep(c.fail(RuleZxidUnique, p, t.Zxid, "log holds %q, but peer %d broadcast %q", t.Data, b.leader, b.value))
			}
		}
	}
	for i, p := range ids {
		for _, q := range ids[i+1:] {
			keep(c.comparePair(p, logs[p], q, logs[q]))
		}
	}
	return first
}

// comparePair checks the log prefix property for two logs: over the range
// both hold, they list the same zxids with the same values up to the last
// zxid they share.
func (c *Checker) comparePair(p zab.PeerID, lp []zab.Txn, q zab.PeerID, lq []zab.Txn) error {
	if len(lp) == 0 || len(lq) == 0 {
		return nil
	}
	from := max(lp[0].Zxid, lq[0].Zxid)
	lp, lq = tailFrom(lp, from), tailFrom(lq, from)
	// The last shared zxid bounds the range that must be identical.
	inQ := make(map[zab.Zxid]string, len(lq))
	for _, t := range lq {
		inQ[t.Zxid] = string(t.Data)
	}
	var shared zab.Zxid
	for _, t := range lp {
		if v, ok := inQ[t.Zxid]; ok {
			shared = t.Zxid
			if v != string(t.Data) {
				return c.fail(RuleZxidUnique, p, t.Zxid, "log holds %q, peer %d's log holds %q", t.Data, q, v)
			}
		}
	}
	for i := 0; i < len(lp) && i < len(lq); i++ {
		a, b := lp[i].Zxid, lq[i].Zxid
		if a > shared && b > shared {
			break
		}
		if a != b {
			return c.fail(RuleLogPrefix, p, a,
				"logs of peers %d and %d differ at %v/%v, before their last shared zxid %v", p, q, a, b, shared)
		}
	}
	return nil
}

func tailFrom(l []zab.Txn, from zab.Zxid) []zab.Txn {
	i, _ := slices.BinarySearchFunc(l, from, func(t zab.Txn, z zab.Zxid) int { return cmpZxid(t.Zxid, z) })
	return l[i:]
}
