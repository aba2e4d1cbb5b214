package checker

import (
	"sort"

	"zabkafka/tests/workbench/history"
)

// g1aCases ports J:kafka.clj g1a-cases: every value an ok poll read that a
// failed send wrote (aborted read).
func g1aCases(d *derived) []G1a {
	var out []G1a
	for i := range d.txns {
		t := &d.txns[i]
		if t.typ != history.OK {
			continue
		}
		for _, r := range t.reads {
			for _, p := range r.pairs {
				if !d.failedWrites.has(r.key, p.Msg) {
					continue
				}
				w, _ := d.writer(r.key, p.Msg) // a failed write always has a writer
				out = append(out, G1a{Key: r.key, Value: p.Msg, Writer: d.txns[w].ref, Reader: t.ref})
			}
		}
	}
	return out
}

// duplicateCases ports J:kafka.clj duplicate-cases: per key, every value
// appearing at more than one offset of the log. Keys ascending, values
// ascending (Jepsen follows hash order).
func duplicateCases(orders map[string]*versionOrder) []Duplicate {
	var out []Duplicate
	for _, k := range sortedKeys(orders) {
		offsets := make(map[int64][]int64)
		for _, e := range orders[k].entries {
			for _, v := range e.values {
				offsets[v] = append(offsets[v], e.offset)
			}
		}
		var dups []Duplicate
		for v, os := range offsets {
			if len(os) > 1 {
				dups = append(dups, Duplicate{Key: k, Value: v, Count: len(os), Offsets: os})
			}
		}
		sort.Slice(dups, func(i, j int) bool { return dups[i].Value < dups[j].Value })
		out = append(out, dups...)
	}
	return out
}

// precommittedReadCases ports J:kafka.clj precommitted-read-cases: an op
// that read a value it sent itself. With Maelstrom's one-step ops a send
// never reads, so this can only fire on multi-step txns.
func precommittedReadCases(d *derived) []PrecommittedRead {
	var out []PrecommittedRead
	for i := range d.txns {
		t := &d.txns[i]
		if len(t.sends) == 0 || len(t.reads) == 0 {
			continue
		}
		// Jepsen reports the first key with an overlap and the first value
		// of that overlap (a set, so any); we take the first sent value.
		for _, kv := range t.writesByKey() {
			pairs, _ := t.readsOf(kv.key)
			if v, ok := firstCommon(kv.values, pairs); ok {
				out = append(out, PrecommittedRead{Op: t.ref, Key: kv.key, Value: v})
				break
			}
		}
	}
	return out
}

// firstCommon returns the first of vs that also appears among pairs.
func firstCommon(vs []int64, pairs []history.Pair) (int64, bool) {
	read := make(map[int64]bool, len(pairs))
	for _, p := range pairs {
		read[p.Msg] = true
	}
	for _, v := range vs {
		if read[v] {
			return v, true
		}
	}
	return 0, false
}
