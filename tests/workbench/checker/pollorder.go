package checker

import (
	"sort"

	"zabkafka/tests/workbench/history"
)

// delta returns index(b) - index(a) in vo, or 1 ("assume we just
// advanced by one") when either index is unknown, as every ordering check
// of J:kafka.clj does.
func delta(vo *versionOrder, a int64, aKnown bool, b int64, bKnown bool) (d, ia, ib int) {
	if !aKnown || !bKnown {
		return 1, 0, 0
	}
	ia, okA := vo.index(a)
	ib, okB := vo.index(b)
	if !okA || !okB {
		return 1, 0, 0
	}
	return ib - ia, ia, ib
}

// byProcess groups txn positions by process, processes ascending, each in
// history order (J:kafka.clj analysis by-process; Jepsen's group-by has
// hash order across processes).
func byProcess(txns []txn) [][]int {
	idx := make(map[int][]int)
	for i := range txns {
		idx[txns[i].process] = append(idx[txns[i].process], i)
	}
	procs := make([]int, 0, len(idx))
	for p := range idx {
		procs = append(procs, p)
	}
	sort.Ints(procs)
	out := make([][]int, len(procs))
	for i, p := range procs {
		out[i] = idx[p]
	}
	return out
}

// keepAssigned drops every entry of last whose key is not in keys: after an
// assign a process only answers for the keys it still holds.
func keepAssigned(last map[string]int, keys []string) {
	keep := make(map[string]bool, len(keys))
	for _, k := range keys {
		keep[k] = true
	}
	for k := range last {
		if !keep[k] {
			delete(last, k)
		}
	}
}

// pollSkipCases ports J:kafka.clj poll-skip+nonmonotonic-cases: per
// process, each poll's first value of a key is compared with the last
// value of that key in the process's previous ok poll of it. A jump of more
// than one index is a poll-skip, a step of less than one a
// nonmonotonic-poll. An ok or info assign forgets keys no longer assigned.
func pollSkipCases(d *derived, orders map[string]*versionOrder, procs [][]int) ([]Skip, []Nonmonotonic) {
	var skips []Skip
	var nms []Nonmonotonic
	for _, ops := range procs {
		lastReads := make(map[string]int) // key -> position of last ok poll of it
		for _, pos := range ops {
			t := &d.txns[pos]
			switch t.f {
			case history.FAssign, "subscribe":
				if t.typ == history.OK || t.typ == history.Info {
					keepAssigned(lastReads, t.assignKeys)
				}
			case history.FPoll, fTxn:
				for _, r := range t.reads {
					lastPos, ok := lastReads[r.key]
					if !ok {
						continue
					}
					lastPairs, _ := d.txns[lastPos].readsOf(r.key)
					v, vKnown := lastValue(lastPairs)
					v2, v2Known := firstValue(r.pairs)
					vo := orders[r.key]
					dl, i, i2 := delta(vo, v, vKnown, v2, v2Known)
					ops := [2]OpRef{d.txns[lastPos].ref, t.ref}
					switch {
					case dl > 1:
						skips = append(skips, Skip{Key: r.key, Delta: dl, Skipped: vo.skipped(i, i2), Ops: ops})
					case dl < 1:
						nms = append(nms, Nonmonotonic{Key: r.key, Values: [2]int64{v, v2}, Delta: dl, Ops: ops})
					}
				}
				// Only ok polls move the process forward: a failed or
				// indefinite poll is expected to be rolled back.
				if t.typ == history.OK {
					for _, r := range t.reads {
						lastReads[r.key] = pos
					}
				}
			}
		}
	}
	return skips, nms
}

func firstValue(ps []history.Pair) (int64, bool) {
	if len(ps) == 0 {
		return 0, false
	}
	return ps[0].Msg, true
}

func lastValue(ps []history.Pair) (int64, bool) {
	if len(ps) == 0 {
		return 0, false
	}
	return ps[len(ps)-1].Msg, true
}

// intPollCases ports J:kafka.clj int-poll-skip+nonmonotonic-cases: inside
// one op, consecutive values of a key must advance by exactly one index.
// (Keys in an op's rebalance log are exempt in Jepsen; Maelstrom never
// records one.)
func intPollCases(d *derived, orders map[string]*versionOrder) ([]IntSkip, []IntNonmonotonic) {
	var skips []IntSkip
	var nms []IntNonmonotonic
	var vals []int64 // reused: final-phase polls can be long
	for i := range d.txns {
		t := &d.txns[i]
		for _, r := range t.reads {
			vo := orders[r.key]
			vals = vals[:0]
			for _, p := range r.pairs {
				vals = append(vals, p.Msg)
			}
			s, n := intOrderCases(vo, r.key, vals, t.ref)
			skips = append(skips, s...)
			nms = append(nms, n...)
		}
	}
	return skips, nms
}

// intOrderCases walks consecutive values of one key within one op, as
// J:kafka.clj int-poll-skip+nonmonotonic-cases-per-key does: the previous
// index is carried even when unknown, so an unknown value suppresses the
// comparisons on both its sides.
func intOrderCases(vo *versionOrder, key string, vals []int64, op OpRef) ([]IntSkip, []IntNonmonotonic) {
	var skips []IntSkip
	var nms []IntNonmonotonic
	for j := 1; j < len(vals); j++ {
		v1, v2 := vals[j-1], vals[j]
		dl, i1, i2 := delta(vo, v1, true, v2, true)
		switch {
		case dl > 1:
			skips = append(skips, IntSkip{Key: key, Values: [2]int64{v1, v2}, Delta: dl, Skipped: vo.skipped(i1, i2), Op: op})
		case dl < 1:
			nms = append(nms, IntNonmonotonic{Key: key, Values: [2]int64{v1, v2}, Delta: dl, Op: op})
		}
	}
	return skips, nms
}
