package invariants

import (
	"fmt"
	"slices"

	"zabkafka/zab"
)

// CheckConverged checks the end state after heal and quiescence: each
// listed peer's live sequence is the whole canonical sequence, so no
// committed transaction is missing anywhere and every peer agrees.
func (c *Checker) CheckConverged(peers []zab.PeerID) error {
	var first error
	for _, p := range peers {
		s := c.current[p]
		n := 0
		if s != nil {
			n = len(s.entries)
		}
		if n != len(c.canon) || (s != nil && s.diverged) {
			err := c.fail(RuleConvergence, p, 0, "delivered %d transactions, the committed sequence has %d", n, len(c.canon))
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// Final runs the paper's original total-order and agreement forms over
// every delivery sequence that is not a prefix of another one. In a
// correct run that is just the canonical sequence, so this is cheap; when
// the prefix rule fired it says which form is broken.
func (c *Checker) Final() error {
	var seqs [][]zab.Txn
	var owners []string
	add := func(s *sequence) {
		if !s.diverged && len(s.entries) <= len(c.canon) {
			return // a prefix of canon, which is added below
		}
		seqs = append(seqs, toTxns(s.entries))
		owners = append(owners, fmt.Sprintf("peer %d incarnation %d", s.peer, s.incarnation))
	}
	for _, s := range c.retired {
		add(s)
	}
	ids := make([]zab.PeerID, 0, len(c.current))
	for p := range c.current {
		ids = append(ids, p)
	}
	slices.Sort(ids) // deterministic messages
	for _, p := range ids {
		add(c.current[p])
	}
	if len(seqs) == 0 {
		return nil
	}
	seqs = append(seqs, toTxns(c.canon))
	owners = append(owners, "the canonical sequence")
	if i, j, z, ok := TotalOrder(seqs); !ok {
		return c.fail(RuleTotalOrder, 0, z, "%s and %s order %v differently", owners[i], owners[j], z)
	}
	if i, j, a, b, ok := Agreement(seqs); !ok {
		return c.fail(RuleAgreement, 0, a, "%s has %v but not %v; %s has %v but not %v", owners[i], a, b, owners[j], b, a)
	}
	return nil
}

// TotalOrder checks DSN 2011, "Total order" over seqs: if a comes before b in
// one sequence and b is in another, a is in that one too, earlier. On
// failure it returns the two sequence indexes and the zxid b whose
// predecessor is missing or misplaced.
func TotalOrder(seqs [][]zab.Txn) (i, j int, b zab.Zxid, ok bool) {
	pos := make([]map[zab.Zxid]int, len(seqs))
	for k, s := range seqs {
		pos[k] = make(map[zab.Zxid]int, len(s))
		for n, t := range s {
			pos[k][t.Zxid] = n
		}
	}
	for i, s := range seqs {
		for j := range seqs {
			if i == j {
				continue
			}
			// Walking s in order, the elements also in seqs[j] must appear
			// there at increasing positions, and once one of them does,
			// every earlier element of s must be there too.
			prev, missing := -1, false
			for _, t := range s {
				p, in := pos[j][t.Zxid]
				if !in {
					missing = true
					continue
				}
				if missing || p <= prev {
					return i, j, t.Zxid, false
				}
				prev = p
			}
		}
	}
	return 0, 0, 0, true
}

// Agreement checks DSN 2011, "Agreement" over seqs: for a in one sequence and
// b in another, a is in the second or b is in the first. On failure it
// returns the two indexes and the witnesses a (only in seqs[i]) and b
// (only in seqs[j]).
func Agreement(seqs [][]zab.Txn) (i, j int, a, b zab.Zxid, ok bool) {
	sets := make([]map[zab.Zxid]bool, len(seqs))
	for k, s := range seqs {
		sets[k] = make(map[zab.Zxid]bool, len(s))
		for _, t := range s {
			sets[k][t.Zxid] = true
		}
	}
	onlyIn := func(x, y int) (zab.Zxid, bool) {
		for _, t := range seqs[x] {
			if !sets[y][t.Zxid] {
				return t.Zxid, true
			}
		}
		return 0, false
	}
	for i := range seqs {
		for j := i + 1; j < len(seqs); j++ {
			a, aok := onlyIn(i, j)
			b, bok := onlyIn(j, i)
			if aok && bok {
				return i, j, a, b, false
			}
		}
	}
	return 0, 0, 0, 0, true
}
