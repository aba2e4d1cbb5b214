package kafka

import (
	"maps"
	"slices"
	"strconv"

	"zabkafka/tests/workbench/history"
)

// parseKey turns a history key back into the generator's integer key, as
// Maelstrom's StringKeys does with parse-long on every completion. A key that
// is not a decimal integer (only a node could invent one) has no integer
// form; it is skipped by the trackers.
func parseKey(k string) (int64, bool) {
	n, err := strconv.ParseInt(k, 10, 64)
	return n, err == nil
}

// sendOffsets is J:kafka.clj op->max-send-offsets for a one-step op: the
// offset an ok send was given, floored at 0 as the Clojure's
// (max (get offsets k 0) offset) does.
func sendOffsets(op history.Op) map[int64]int64 {
	if op.F != history.FSend || op.Offset == nil {
		return nil
	}
	k, ok := parseKey(op.Key)
	if !ok {
		return nil
	}
	return map[int64]int64{k: max(0, *op.Offset)}
}

// pollOffsets is J:kafka.clj op->max-poll-offsets: per key, the highest
// offset an ok poll returned, -1 for a key returned with an empty list.
func pollOffsets(op history.Op) map[int64]int64 {
	if op.F != history.FPoll || op.Polls == nil {
		return nil
	}
	out := make(map[int64]int64, len(op.Polls))
	for key, pairs := range op.Polls {
		k, ok := parseKey(key)
		if !ok {
			continue
		}
		hi := int64(-1)
		for _, p := range pairs {
			hi = max(hi, p.Offset)
		}
		// Two spellings of one integer ("7", "07") merge, as parse-long
		// would make them.
		if cur, seen := out[k]; !seen || hi > cur {
			out[k] = hi
		}
	}
	return out
}

// maxOffsets is J:kafka.clj op->max-offsets: send and poll offsets of one
// completion, merged with max. Only ok and info completions carry any; in
// Maelstrom only ok ones have results.
func maxOffsets(op history.Op) map[int64]int64 {
	if op.Type != history.OK && op.Type != history.Info {
		return nil
	}
	out := pollOffsets(op)
	for k, o := range sendOffsets(op) {
		if out == nil {
			out = make(map[int64]int64)
		}
		if cur, ok := out[k]; !ok || o > cur {
			out[k] = o
		}
	}
	return out
}

// mergeMax merges src into dst keeping the larger offset per key.
func mergeMax(dst, src map[int64]int64) {
	for k, o := range src {
		if cur, ok := dst[k]; !ok || o > cur {
			dst[k] = o
		}
	}
}

// OffsetTracker remembers, per key, the highest offset any ok completion
// showed (J:kafka.clj TrackKeyOffsets). Its snapshot at the start of the
// final phase is the final phase's target (J:kafka.clj final-polls).
// Completions that arrive after the time limit count too
// (J:generator/interpreter.clj run! keeps feeding the main generator).
type OffsetTracker struct {
	max map[int64]int64
}

// NewOffsetTracker returns an empty tracker.
func NewOffsetTracker() *OffsetTracker {
	return &OffsetTracker{max: make(map[int64]int64)}
}

// Observe folds one completion into the tracker; only ok ones count.
func (t *OffsetTracker) Observe(op history.Op) {
	if op.Type != history.OK {
		return
	}
	mergeMax(t.max, maxOffsets(op))
}

// Targets returns a copy of the tracked map: key -> highest offset seen
// (-1 for a key only ever polled as an empty list).
func (t *OffsetTracker) Targets() map[int64]int64 { return maps.Clone(t.max) }

// PollUnseen tracks keys whose acknowledged messages nobody has polled yet,
// and sometimes widens an assign to them (J:kafka.clj PollUnseen).
// sent and polled are per key the highest offset of an ok send and of an ok
// poll; a key leaves both maps once polled >= sent.
type PollUnseen struct {
	sent   map[int64]int64
	polled map[int64]int64
}

// NewPollUnseen returns an empty tracker.
func NewPollUnseen() *PollUnseen {
	return &PollUnseen{sent: make(map[int64]int64), polled: make(map[int64]int64)}
}

// Observe folds one completion in; only ok completions count (the Clojure
// leaves its state unchanged for any other type).
func (u *PollUnseen) Observe(op history.Op) {
	if op.Type != history.OK {
		return
	}
	mergeMax(u.sent, sendOffsets(op))
	mergeMax(u.polled, pollOffsets(op))
	for _, k := range u.keys() {
		if get(u.polled, k) >= get(u.sent, k) {
			delete(u.sent, k)
			delete(u.polled, k)
		}
	}
}

// Pending reports whether some acknowledged message is known unpolled.
func (u *PollUnseen) Pending() bool { return len(u.sent) > 0 }

// Widen returns an assign's key list with the unseen keys first, in
// ascending order (the Clojure uses its hash map's order; ascending is the
// deterministic stand-in), then the assign's own keys not among them, plus the
// debug map key -> {polled, sent}.
func (u *PollUnseen) Widen(keys []int64) ([]int64, map[int64]history.Unseen) {
	sentKeys := slices.Sorted(maps.Keys(u.sent))
	out := slices.Clone(sentKeys)
	for _, k := range keys {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	debug := make(map[int64]history.Unseen, len(sentKeys))
	for _, k := range sentKeys {
		debug[k] = history.Unseen{Polled: get(u.polled, k), Sent: u.sent[k]}
	}
	return out, debug
}

// keys returns every key of sent and polled, ascending.
func (u *PollUnseen) keys() []int64 {
	all := maps.Clone(u.sent)
	maps.Copy(all, u.polled)
	return slices.Sorted(maps.Keys(all))
}

// get reads m[k] with -1 for a missing key, the Clojure's (m k -1).
func get(m map[int64]int64, k int64) int64 {
	if v, ok := m[k]; ok {
		return v
	}
	return -1
}
