package checker

import (
	"sort"

	"zabkafka/tests/workbench/history"
)

// UnseenPoint is the number of acknowledged-but-unpolled messages, over
// all keys, after one ok send or poll: the series Jepsen plots in
// unseen.png.
type UnseenPoint struct {
	Time   int64 `json:"time"`
	Unseen int   `json:"unseen"`
}

// unseenTracker ports J:kafka.clj unseen incrementally. Jepsen keeps sent
// (key -> values, replaced each step by the unseen map) and polled (key ->
// values); after each ok send/poll, unseen = merge(sent', polled') where a
// key in both maps to sent' minus polled', and a key in only one map keeps
// that map's set. The second rule is a quirk: a key polled but never
// acknowledged shows its polled values as unseen for exactly one step. We
// reproduce it by remembering which keys entered sent that way and
// re-deriving them at the next step.
type unseenTracker struct {
	sent   keyValueSets // the previous step's unseen map
	polled keyValueSets
	total  int
	quirk  []string // keys that entered sent from polled alone last step
	last   int64    // time of the last step
	steps  int
}

func newUnseenTracker() *unseenTracker {
	return &unseenTracker{sent: make(keyValueSets), polled: make(keyValueSets)}
}

// step folds one ok send or poll into the tracker.
func (u *unseenTracker) step(t *txn) UnseenPoint {
	touched := u.quirk
	u.quirk = nil
	// sent' and polled' for the keys this op touches.
	for _, s := range t.sends {
		if _, ok := u.sent[s.key]; !ok {
			u.sent[s.key] = make(valueSet)
		}
		if _, ok := u.sent[s.key][s.value]; !ok {
			u.sent[s.key][s.value] = struct{}{}
			u.total++
		}
		touched = append(touched, s.key)
	}
	var polledOnly []string
	for _, r := range t.reads {
		u.polled.touch(r.key)
		for _, p := range r.pairs {
			u.polled[r.key][p.Msg] = struct{}{}
		}
		if _, ok := u.sent[r.key]; !ok {
			polledOnly = append(polledOnly, r.key)
			continue
		}
		touched = append(touched, r.key)
	}
	// Keys in both maps: unseen = sent' \ polled'.
	for _, k := range touched {
		ps := u.polled[k]
		for v := range u.sent[k] {
			if _, ok := ps[v]; ok {
				delete(u.sent[k], v)
				u.total--
			}
		}
	}
	// Keys only polled: the quirk.
	for _, k := range polledOnly {
		s := make(valueSet, len(u.polled[k]))
		for v := range u.polled[k] {
			s[v] = struct{}{}
		}
		u.sent[k] = s
		u.total += len(s)
		u.quirk = append(u.quirk, k)
	}
	u.last = t.time
	u.steps++
	return UnseenPoint{Time: t.time, Unseen: u.total}
}

// result returns the unseen error of the last step, or nil when every
// acknowledged message was polled (J:kafka.clj analysis last-unseen).
func (u *unseenTracker) result() *Unseen {
	if u.steps == 0 || u.total == 0 {
		return nil
	}
	out := &Unseen{Time: u.last, Counts: map[string]int{}, Messages: map[string][]int64{}}
	for k, s := range u.sent {
		if len(s) == 0 {
			continue
		}
		vs := make([]int64, 0, len(s))
		for v := range s {
			vs = append(vs, v)
		}
		sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
		out.Counts[k] = len(vs)
		out.Messages[k] = vs
	}
	return out
}

// unseenAnalysis runs the tracker over the ok sends and polls of the
// history, returning the per-step series and the final error.
func unseenAnalysis(txns []txn) ([]UnseenPoint, *Unseen) {
	u := newUnseenTracker()
	var series []UnseenPoint
	for i := range txns {
		t := &txns[i]
		if t.typ != history.OK {
			continue
		}
		if t.f != history.FSend && t.f != history.FPoll && t.f != fTxn {
			continue
		}
		series = append(series, u.step(t))
	}
	return series, u.result()
}
