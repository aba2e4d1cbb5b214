package checker

import (
	"sort"
)

// logEntry is one occupied offset of a key's log and every value seen
// there, ascending and distinct.
type logEntry struct {
	offset int64
	values []int64
}

// versionOrder is what the checker knows of one key's log
// (J:kafka.clj version-orders, one key of :orders).
//
// Jepsen keeps the log as a vector indexed by offset with nils in the gaps;
// we keep only the occupied offsets, in order, which is the same thing
// once the nils are removed, and never allocates per unused offset.
type versionOrder struct {
	entries []logEntry
	// byIndex holds one value per occupied offset (dense index). Where an
	// offset holds several values Jepsen takes the set's first element in
	// hash order; we take the smallest, which is deterministic.
	byIndex []int64
	// byValue maps a value to its dense index; a value appearing at several
	// offsets maps to the last, and a value that lost a conflict is absent.
	byValue map[int64]int
}

// index returns the dense index of v in the order.
func (vo *versionOrder) index(v int64) (int, bool) {
	if vo == nil {
		return 0, false
	}
	i, ok := vo.byValue[v]
	return i, ok
}

// skipped returns the by-index values strictly between dense indices i and
// j (J:kafka.clj: (map by-index (range (inc i) j))).
func (vo *versionOrder) skipped(i, j int) []int64 {
	if vo == nil || i+1 >= j {
		return []int64{}
	}
	return append([]int64{}, vo.byIndex[i+1:j]...)
}

// offsetValue is one (offset, value) observation for a key.
type offsetValue struct {
	offset, value int64
}

// buildVersionOrders ports J:kafka.clj version-orders: per key, the log of
// offsets to values seen there, from the sends of txns that must have
// committed and from every poll of any type; plus the inconsistent-offsets
// errors (offsets holding two or more values).
//
// Negative offsets are dropped, as datafy-version-order-log does by only
// copying offsets 0..max.
func buildVersionOrders(d *derived) (map[string]*versionOrder, []InconsistentOffset) {
	obs := make(map[string][]offsetValue)
	for i := range d.txns {
		t := &d.txns[i]
		if d.mustHaveCommitted(t) {
			for _, s := range t.sends {
				if s.hasOffset && s.offset >= 0 {
					obs[s.key] = append(obs[s.key], offsetValue{s.offset, s.value})
				}
			}
		}
		for _, r := range t.reads {
			for _, p := range r.pairs {
				if p.Offset >= 0 {
					obs[r.key] = append(obs[r.key], offsetValue{p.Offset, p.Msg})
				}
			}
		}
	}
	orders := make(map[string]*versionOrder, len(obs))
	var errs []InconsistentOffset
	for _, k := range sortedKeys(obs) {
		vo := newVersionOrder(obs[k])
		orders[k] = vo
		for idx, e := range vo.entries {
			if len(e.values) > 1 {
				errs = append(errs, InconsistentOffset{
					Key: k, Offset: e.offset, Index: idx,
					Values: append([]int64{}, e.values...),
				})
			}
		}
	}
	return orders, errs
}

// newVersionOrder groups observations by offset and derives the dense
// orders (J:kafka.clj index-seq over the log with nils removed).
func newVersionOrder(ovs []offsetValue) *versionOrder {
	sort.Slice(ovs, func(i, j int) bool {
		if ovs[i].offset != ovs[j].offset {
			return ovs[i].offset < ovs[j].offset
		}
		return ovs[i].value < ovs[j].value
	})
	vo := &versionOrder{byValue: make(map[int64]int)}
	for i, ov := range ovs {
		if i == 0 || ov.offset != ovs[i-1].offset {
			vo.entries = append(vo.entries, logEntry{offset: ov.offset})
		}
		e := &vo.entries[len(vo.entries)-1]
		if n := len(e.values); n == 0 || e.values[n-1] != ov.value {
			e.values = append(e.values, ov.value)
		}
	}
	vo.byIndex = make([]int64, len(vo.entries))
	for i, e := range vo.entries {
		vo.byIndex[i] = e.values[0]
		vo.byValue[e.values[0]] = i
	}
	return vo
}

// firstIndex maps each value to the first dense index holding it
// (J:kafka.clj log->value->first-index).
func (vo *versionOrder) firstIndex() map[int64]int {
	out := make(map[int64]int)
	if vo == nil {
		return out
	}
	for i, e := range vo.entries {
		for _, v := range e.values {
			if _, ok := out[v]; !ok {
				out[v] = i
			}
		}
	}
	return out
}

// lastIndexValues returns, per dense index, the values whose last
// appearance is at that index, ascending (J:kafka.clj
// log->last-index->values). Indices where no value ends hold nil.
func (vo *versionOrder) lastIndexValues() [][]int64 {
	if vo == nil {
		return nil
	}
	last := make(map[int64]int)
	for i, e := range vo.entries {
		for _, v := range e.values {
			last[v] = i
		}
	}
	n := 0
	for _, i := range last {
		if i+1 > n {
			n = i + 1
		}
	}
	out := make([][]int64, n)
	for v, i := range last {
		out[i] = append(out[i], v)
	}
	for _, vs := range out {
		sort.Slice(vs, func(a, b int) bool { return vs[a] < vs[b] })
	}
	return out
}

// sortedKeys returns the keys of a string-keyed map in ascending order, so
// that every report is deterministic where Jepsen follows hash order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sortStrings sorts error type names as Clojure sorts keywords (by name;
// plain byte order for these ASCII names).
func sortStrings(s []string) { sort.Strings(s) }
