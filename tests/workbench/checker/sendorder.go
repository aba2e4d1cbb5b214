package checker

import "zabkafka/tests/workbench/history"

// nonmonotonicSendCases ports J:kafka.clj nonmonotonic-send-cases: per
// process, over ok and info completions, each op's first send to a key
// must land after the last send of the process's previous op to that key.
// An ok or info assign forgets keys no longer assigned. (Skips between
// sends are not errors: other processes interleave.)
func nonmonotonicSendCases(d *derived, orders map[string]*versionOrder, procs [][]int) []Nonmonotonic {
	var out []Nonmonotonic
	for _, ops := range procs {
		lastSends := make(map[string]int) // key -> position of last op sending to it
		for _, pos := range ops {
			t := &d.txns[pos]
			if t.typ != history.OK && t.typ != history.Info {
				continue
			}
			switch t.f {
			case history.FAssign, "subscribe":
				keepAssigned(lastSends, t.assignKeys)
			case history.FSend, fTxn:
				writes := t.writesByKey()
				for _, kv := range writes {
					lastPos, ok := lastSends[kv.key]
					if !ok {
						continue
					}
					v, _ := d.txns[lastPos].lastWritten(kv.key)
					v2 := kv.values[0]
					dl, _, _ := delta(orders[kv.key], v, true, v2, true)
					if dl < 1 {
						out = append(out, Nonmonotonic{
							Key: kv.key, Values: [2]int64{v, v2}, Delta: dl,
							Ops: [2]OpRef{d.txns[lastPos].ref, t.ref},
						})
					}
				}
				for _, kv := range writes {
					lastSends[kv.key] = pos
				}
			}
		}
	}
	return out
}

// intSendCases ports J:kafka.clj int-send-skip+nonmonotonic-cases:
// consecutive sends to one key inside one op. Maelstrom's sends are single
// steps, so only multi-step txns can fire this.
func intSendCases(d *derived, orders map[string]*versionOrder) ([]IntSkip, []IntNonmonotonic) {
	var skips []IntSkip
	var nms []IntNonmonotonic
	for i := range d.txns {
		t := &d.txns[i]
		if t.isInvoke() {
			continue
		}
		for _, kv := range t.writesByKey() {
			s, n := intOrderCases(orders[kv.key], kv.key, kv.values, t.ref)
			skips = append(skips, s...)
			nms = append(nms, n...)
		}
	}
	return skips, nms
}
