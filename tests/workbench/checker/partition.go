package checker

import (
	"encoding/json"
	"fmt"
	"sort"

	"zabkafka/tests/workbench/history"
)

// PartitionWindow is one partition, from the cut (the start-partition
// completion) to the heal (the next stop-partition completion, or the end
// of the history), and how the majority side fared in it.
type PartitionWindow struct {
	Start  int64 `json:"start"` // ns since the run began
	End    int64 `json:"end"`
	Healed bool  `json:"healed"` // ended by a stop-partition
	// Components are the groups of nodes that can still talk both ways,
	// each sorted, largest first.
	Components [][]string `json:"components"`
	// Majority is the component holding a strict majority of the nodes,
	// nil when there is none (then the fields below are zero).
	Majority []string `json:"majority"`
	// Sends and OK count majority-side sends invoked in the window and
	// how many of them completed ok.
	Sends int `json:"sends"`
	OK    int `json:"ok"`
	// Recovery is how long after the cut the first majority-side send
	// invoked in the window completed ok; the whole window when none did
	// before the heal, which marks the window Stalled.
	Recovery int64 `json:"recovery"`
	Stalled  bool  `json:"stalled"`
	// Error describes a grudge that could not be read.
	Error string `json:"error,omitempty"`
}

// PartitionReport summarises availability per partition window. It is
// ours (Maelstrom has no such section) and never changes the verdict.
type PartitionReport struct {
	Windows []PartitionWindow `json:"windows"`
	// WithMajority counts windows that had a majority component; Stalled
	// those among them whose majority never acknowledged a send.
	WithMajority int `json:"with-majority"`
	Stalled      int `json:"stalled"`
	// MedianRecovery and MaxRecovery are over windows with a majority, in
	// ns (a stalled window contributes its length).
	MedianRecovery int64 `json:"median-recovery"`
	MaxRecovery    int64 `json:"max-recovery"`
	// Skipped says why windows were not analysed (no nodes or concurrency
	// to map processes to nodes).
	Skipped string `json:"skipped,omitempty"`
}

// sendRecord is one client send: when it was invoked, by which process,
// and when it completed ok (or -1).
type sendRecord struct {
	invoked int64
	process int
	okAt    int64
}

// partitionAvailability finds the partition windows of h and measures the
// majority side's sends in each.
func partitionAvailability(h history.History, txns []txn, opts Options) PartitionReport {
	var rep PartitionReport
	windows := partitionWindows(h, opts.Nodes)
	if len(windows) == 0 {
		rep.Windows = []PartitionWindow{}
		return rep
	}
	if len(opts.Nodes) == 0 || opts.Concurrency <= 0 {
		rep.Windows = windows
		rep.Skipped = "no nodes or concurrency given: processes cannot be mapped to nodes"
		return rep
	}
	var sends []sendRecord
	for i := range txns {
		t := &txns[i]
		if t.f != history.FSend || !t.isInvoke() {
			continue
		}
		r := sendRecord{invoked: t.time, process: t.process, okAt: -1}
		if c := t.completion; c >= 0 && txns[c].typ == history.OK {
			r.okAt = txns[c].time
		}
		sends = append(sends, r)
	}
	var recoveries []int64
	for wi := range windows {
		w := &windows[wi]
		if w.Majority == nil {
			continue
		}
		onMajority := map[string]bool{}
		for _, n := range w.Majority {
			onMajority[n] = true
		}
		firstOK := int64(-1)
		for _, s := range sends {
			if s.invoked < w.Start || s.invoked >= w.End || !onMajority[nodeOf(s.process, opts)] {
				continue
			}
			w.Sends++
			if s.okAt >= 0 {
				w.OK++
				if firstOK < 0 || s.okAt < firstOK {
					firstOK = s.okAt
				}
			}
		}
		if firstOK >= 0 && firstOK <= w.End {
			w.Recovery = firstOK - w.Start
		} else {
			w.Recovery, w.Stalled = w.End-w.Start, true
			rep.Stalled++
		}
		rep.WithMajority++
		recoveries = append(recoveries, w.Recovery)
	}
	rep.Windows = windows
	if len(recoveries) > 0 {
		sort.Slice(recoveries, func(i, j int) bool { return recoveries[i] < recoveries[j] })
		n := len(recoveries)
		rep.MaxRecovery = recoveries[n-1]
		if n%2 == 1 {
			rep.MedianRecovery = recoveries[n/2]
		} else {
			rep.MedianRecovery = (recoveries[n/2-1] + recoveries[n/2]) / 2
		}
	}
	return rep
}

// nodeOf maps a client process to the node its thread talks to (spec 5.5,
// J:interpreter.clj ClientNemesisWorker): thread = process mod
// concurrency, node = nodes[thread mod len(nodes)].
func nodeOf(process int, opts Options) string {
	if process < 0 || opts.Concurrency <= 0 || len(opts.Nodes) == 0 {
		return ""
	}
	thread := process % opts.Concurrency
	return opts.Nodes[thread%len(opts.Nodes)]
}

// partitionWindows pairs each start-partition completion with the next
// stop-partition completion. Jepsen records nemesis invocations and
// completions both as info, so a start is recognised as a completion by
// its value being a grudge, and a stop by having a value
// ("network-healed").
func partitionWindows(h history.History, nodes []string) []PartitionWindow {
	var out []PartitionWindow
	open := -1
	end := int64(0)
	for i := range h {
		op := &h[i]
		end = max(end, op.Time)
		if op.IsClient() || op.Type == history.Invoke {
			continue
		}
		switch op.F {
		case history.FStartPartition:
			grudge, err := parseGrudge(op.Value)
			if grudge == nil && err == nil {
				continue // an info-typed invocation carrying the shape name
			}
			if open >= 0 {
				// A start without a stop in between: the earlier window ends here.
				out[open].End = op.Time
			}
			w := PartitionWindow{Start: op.Time}
			if err != nil {
				w.Error = err.Error()
			} else {
				w.Components = components(nodes, grudge)
				w.Majority = majority(w.Components, nodes, grudge)
			}
			out = append(out, w)
			open = len(out) - 1
		case history.FStopPartition:
			if op.Value == nil && op.Type == history.Info {
				continue // an info-typed invocation
			}
			if open >= 0 {
				out[open].End, out[open].Healed = op.Time, true
				open = -1
			}
		}
	}
	if open >= 0 {
		out[open].End = end
	}
	return out
}

// parseGrudge reads a start-partition completion's value: node -> nodes
// it drops. It accepts the in-memory form (map[string][]string) and the
// JSON round-tripped one (map[string]any of []any). A string value (the
// shape name of an invocation) yields nil, nil; anything else an error.
func parseGrudge(v any) (map[string][]string, error) {
	switch g := v.(type) {
	case nil, string:
		return nil, nil
	case map[string][]string:
		return g, nil
	case map[string]any:
		out := make(map[string][]string, len(g))
		for node, drops := range g {
			list, ok := drops.([]any)
			if !ok && drops != nil {
				if ss, ok2 := drops.([]string); ok2 {
					out[node] = ss
					continue
				}
				return nil, fmt.Errorf("grudge entry for %q is %T, want a list of nodes", node, drops)
			}
			for _, x := range list {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("grudge entry for %q holds %T, want node names", node, x)
				}
				out[node] = append(out[node], s)
			}
		}
		return out, nil
	default:
		// Last resort: a value of another Go type that marshals to the
		// same JSON shape.
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("unreadable grudge %T", v)
		}
		var out map[string][]string
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("unreadable grudge %s", b)
		}
		return out, nil
	}
}

// components splits the nodes into groups that can talk both ways: a and
// b are linked when neither drops the other; groups are the connected
// components of those links (for the complete grudges of one, majority
// and minority-third they are exactly the sides of the cut).
func components(nodes []string, grudge map[string][]string) [][]string {
	all := append([]string(nil), nodes...)
	known := map[string]bool{}
	for _, n := range all {
		known[n] = true
	}
	for _, n := range sortedKeys(grudge) {
		for _, m := range append([]string{n}, grudge[n]...) {
			if !known[m] {
				known[m] = true
				all = append(all, m)
			}
		}
	}
	drops := func(a, b string) bool {
		for _, x := range grudge[a] {
			if x == b {
				return true
			}
		}
		return false
	}
	parent := make([]int, len(all))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if !drops(all[i], all[j]) && !drops(all[j], all[i]) {
				parent[find(i)] = find(j)
			}
		}
	}
	groups := map[int][]string{}
	for i, n := range all {
		r := find(i)
		groups[r] = append(groups[r], n)
	}
	out := make([][]string, 0, len(groups))
	for _, g := range groups {
		sort.Strings(g)
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i][0] < out[j][0]
	})
	return out
}

// majority returns the component holding a strict majority of the test's
// nodes, or nil.
func majority(comps [][]string, nodes []string, grudge map[string][]string) []string {
	total := len(nodes)
	if total == 0 {
		total = len(grudge)
	}
	for _, c := range comps {
		if 2*len(c) > total {
			return c
		}
	}
	return nil
}
