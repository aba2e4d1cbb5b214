package checker

import (
	"sort"

	"zabkafka/tests/workbench/history"
)

// LagPoint is one realtime-lag measurement: when a poll by Process was
// invoked (Time, ns since the run began), how long (Lag, ns) key Key had
// already had a message the process had not yet polled
// (J:kafka.clj realtime-lag).
type LagPoint struct {
	Time    int64  `json:"time"`
	Process int    `json:"process"`
	Key     string `json:"key"`
	Lag     int64  `json:"lag"`
}

// maxOffsets returns, per key, the highest offset an ok or info op showed
// to exist: the highest polled offset (-1 for a key polled as an empty
// list) merged by max with the highest sent offset, never below 0
// (J:kafka.clj op->max-offsets, op->max-poll-offsets, op->max-send-offsets).
//
// A send step without an offset makes Jepsen's reduction return nil, which
// drops every send offset of that op; with one-step sends that only means
// an info send contributes nothing, which is what we do.
func maxOffsets(t *txn) map[string]int64 {
	if t.typ != history.OK && t.typ != history.Info {
		return nil
	}
	out := make(map[string]int64)
	if t.f == history.FPoll || t.f == fTxn {
		for _, r := range t.reads {
			m := int64(-1)
			for _, p := range r.pairs {
				m = max(m, p.Offset)
			}
			if old, ok := out[r.key]; !ok || m > old {
				out[r.key] = m
			}
		}
	}
	if t.f == history.FSend || t.f == fTxn {
		sends := make(map[string]int64)
		for _, s := range t.sends {
			if !s.hasOffset {
				sends = nil
				break
			}
			sends[s.key] = max(sends[s.key], s.offset)
		}
		for k, o := range sends {
			if old, ok := out[k]; !ok || o > old {
				out[k] = o
			}
		}
	}
	return out
}

// maxLagOffset bounds the per-key expiry table: a node that answers with
// an absurd offset must not make the checker allocate without limit
// (Jepsen would run out of memory: J:kafka.clj datafy-version-order-log
// builds a vector with a slot for every offset). Offsets past it
// get lag 0.
const maxLagOffset = 1 << 16

// realtimeLag ports J:kafka.clj realtime-lag.
//
// First, expired[k][i] is the earliest completion time at which offset i
// of k was known to exist (so offset i-1 was no longer the tail). Each op
// fills from its known offset down to the first index already set; indices
// are filled as a prefix, so a slice appended to at the end suffices.
//
// Then, for each ok poll, every key the process holds (assigned or polled)
// gets a lag: the poll's invocation time minus the time the offset after
// the process's highest polled offset came to exist, floored at 0.
func realtimeLag(txns []txn) []LagPoint {
	expired := make(map[string][]int64)
	for i := range txns {
		t := &txns[i]
		for k, o := range maxOffsets(t) {
			e := expired[k]
			o = min(o, maxLagOffset)
			for int64(len(e)) <= o {
				e = append(e, t.time)
			}
			expired[k] = e
		}
	}
	var lags []LagPoint
	offsets := make(map[int]map[string]int64) // process -> key -> highest offset polled
	for i := range txns {
		t := &txns[i]
		if t.typ != history.OK {
			continue
		}
		switch t.f {
		case history.FAssign:
			old := offsets[t.process]
			m := make(map[string]int64, len(t.assignKeys))
			for _, k := range t.assignKeys {
				if o, ok := old[k]; ok {
					m[k] = o
				} else {
					m[k] = -1
				}
			}
			offsets[t.process] = m
		case "subscribe":
			offsets[t.process] = make(map[string]int64)
		case history.FPoll, fTxn:
			m := offsets[t.process]
			if m == nil {
				m = make(map[string]int64)
				offsets[t.process] = m
			}
			for k, o := range maxOffsets(t) {
				if old, ok := m[k]; !ok || o > old {
					m[k] = o
				}
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				lag := int64(0)
				next := m[k] + 1
				if e := expired[k]; next >= 0 && next < int64(len(e)) {
					lag = max(0, t.invokeTime-e[next])
				}
				lags = append(lags, LagPoint{Time: t.invokeTime, Process: t.process, Key: k, Lag: lag})
			}
		}
	}
	return lags
}

// worstLag returns the first point with the largest lag, or a zero point
// (J:kafka.clj worst-realtime-lag, util/max-by).
func worstLag(lags []LagPoint) LagPoint {
	var worst LagPoint
	for i, l := range lags {
		if i == 0 || l.Lag > worst.Lag {
			worst = l
		}
	}
	return worst
}
