package checker

import (
	"encoding/json"
	"sort"
)

// ErrorGroup is one condensed error type in the results: how many errors
// were found and the most telling of them (J:kafka.clj condense-error).
type ErrorGroup struct {
	Count int `json:"count"`
	Errs  any `json:"errs"`
}

// How many errors condensing keeps per type (J:kafka.clj condense-error).
const (
	keepMany = 32 // duplicate, inconsistent-offsets, unseen messages per key
	keepFew  = 8  // ordering errors and cycles
)

// firstN returns the first n elements of s.
func firstN[T any](s []T, n int) []T { return s[:min(n, len(s))] }

// lastN returns the last n elements of s.
func lastN[T any](s []T, n int) []T { return s[max(0, len(s)-n):] }

// sortedBy returns a stably sorted copy of s, ascending by key.
func sortedBy[T any](s []T, key func(T) int) []T {
	out := append([]T(nil), s...)
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

// Condensed returns the error map as Jepsen prints it: every type present
// maps to {count, errs} with errs trimmed (most severe kept), except
// unseen, which keeps its own shape with at most 32 values per key.
func (a *Anomalies) Condensed() map[string]any {
	out := map[string]any{}
	group := func(name string, n int, errs any) {
		if n > 0 {
			out[name] = ErrorGroup{Count: n, Errs: errs}
		}
	}
	group(TypeDuplicate, len(a.Duplicate),
		firstN(sortedBy(a.Duplicate, func(e Duplicate) int { return e.Count }), keepMany))
	group(TypeInconsistentOffsets, len(a.InconsistentOffsets),
		firstN(sortedBy(a.InconsistentOffsets, func(e InconsistentOffset) int { return len(e.Values) }), keepMany))
	group(TypeG1a, len(a.G1a), a.G1a)
	group(TypeLostWrite, len(a.LostWrite), a.LostWrite)
	group(TypePrecommittedRead, len(a.PrecommittedRead), a.PrecommittedRead)
	// Backward steps: most negative delta first.
	group(TypeNonmonotonicPoll, len(a.NonmonotonicPoll),
		firstN(sortedBy(a.NonmonotonicPoll, func(e Nonmonotonic) int { return e.Delta }), keepFew))
	group(TypeNonmonotonicSend, len(a.NonmonotonicSend),
		firstN(sortedBy(a.NonmonotonicSend, func(e Nonmonotonic) int { return e.Delta }), keepFew))
	group(TypeIntNonmonotonicPoll, len(a.IntNonmonotonicPoll),
		firstN(sortedBy(a.IntNonmonotonicPoll, func(e IntNonmonotonic) int { return e.Delta }), keepFew))
	group(TypeIntNonmonotonicSend, len(a.IntNonmonotonicSend),
		firstN(sortedBy(a.IntNonmonotonicSend, func(e IntNonmonotonic) int { return e.Delta }), keepFew))
	// Skips: largest delta kept (take-last of an ascending sort).
	group(TypePollSkip, len(a.PollSkip),
		lastN(sortedBy(a.PollSkip, func(e Skip) int { return e.Delta }), keepFew))
	group(TypeIntPollSkip, len(a.IntPollSkip),
		lastN(sortedBy(a.IntPollSkip, func(e IntSkip) int { return e.Delta }), keepFew))
	group(TypeIntSendSkip, len(a.IntSendSkip),
		lastN(sortedBy(a.IntSendSkip, func(e IntSkip) int { return e.Delta }), keepFew))
	group(TypeG1cRealtime, len(a.G1cRealtime),
		firstN(sortedBy(a.G1cRealtime, func(e Cycle) int { return len(e.Steps) }), keepFew))
	byType := map[string][]CycleExists{}
	for _, c := range a.CycleExists {
		byType[c.Type] = append(byType[c.Type], c)
	}
	for t, cs := range byType {
		group(t, len(cs), cs)
	}
	if a.EmptyTransactionGraph {
		// Not a collection, so Jepsen counts it as 1.
		out[TypeEmptyTransactionGraph] = ErrorGroup{Count: 1, Errs: true}
	}
	if u := a.Unseen; u != nil {
		msgs := make(map[string][]int64, len(u.Messages))
		for k, vs := range u.Messages {
			msgs[k] = firstN(vs, keepMany)
		}
		out[TypeUnseen] = Unseen{Time: u.Time, Counts: u.Counts, Messages: msgs}
	}
	return out
}

// nanosToSecs converts nanoseconds to seconds (J:util.clj nanos->secs).
func nanosToSecs(ns int64) float64 { return float64(ns) / 1e9 }

// MarshalJSON writes the section with Maelstrom's keys: valid?,
// worst-realtime-lag (seconds), bad-error-types, error-types,
// info-txn-causes and one key per error type; or, when the analysis could
// not complete, only valid? ("unknown") and error, as check-safe does.
func (w WorkloadResult) MarshalJSON() ([]byte, error) {
	if w.Error != "" {
		return json.Marshal(map[string]any{"valid?": Unknown, "error": w.Error})
	}
	out := w.Anomalies.Condensed()
	lag := map[string]any{"time": 0.0, "lag": 0.0}
	if l := w.WorstRealtimeLag; l != nil {
		lag = map[string]any{"time": nanosToSecs(l.Time), "process": l.Process, "key": l.Key, "lag": nanosToSecs(l.Lag)}
	}
	out["valid?"] = w.Valid
	out["worst-realtime-lag"] = lag
	out["bad-error-types"] = nonNil(w.BadErrorTypes)
	out["error-types"] = nonNil(w.ErrorTypes)
	out["info-txn-causes"] = nonNil(w.InfoTxnCauses)
	return json.Marshal(out)
}

// nonNil makes an empty list print as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
