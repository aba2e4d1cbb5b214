package checker

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"zabkafka/tests/workbench/history"
)

// Fault window kinds: which nemesis opened the window.
const (
	WindowPartition = "partition" // start-partition .. stop-partition
	WindowKill      = "kill"      // kill .. start (the restart)
	WindowPause     = "pause"     // pause .. resume
)

// windowKinds lists the kinds in report order.
var windowKinds = []string{WindowPartition, WindowKill, WindowPause}

// FaultWindow is one nemesis fault, from the moment it took hold (the
// completion of start-partition, kill or pause) to its repair (the
// completion of the next stop-partition, start or resume, or the end of
// the history), with how the nodes still able to serve fared during it
// and how soon the cluster served again after it.
type FaultWindow struct {
	Kind  string `json:"kind"`  // WindowPartition, WindowKill or WindowPause
	Start int64  `json:"start"` // ns since the run began
	End   int64  `json:"end"`
	Ended bool   `json:"ended"` // repaired by the nemesis, not cut by the end of the history
	// Nodes are the killed or paused nodes (kill and pause windows).
	Nodes []string `json:"nodes,omitempty"`
	// Components are the groups of nodes that can still talk both ways,
	// each sorted, largest first (partition windows).
	Components [][]string `json:"components,omitempty"`
	// Majority is the group of nodes that could still serve: the component
	// holding a strict majority of the nodes, or the nodes neither killed
	// nor paused when they are a strict majority; nil when there is none
	// (then Sends to Stalled are zero). Faults of other kinds that last
	// the whole window count too (overlaps): a partition's majority side
	// with most of its nodes paused throughout cannot serve either.
	Majority []string `json:"majority"`
	// Shadowed is true when the window had a majority on its own but
	// none once the faults of other kinds lasting all of it are counted.
	Shadowed bool `json:"shadowed,omitempty"`
	// own is the majority on this window's fault alone: the nodes a
	// partition did not cut off, whom Rejoin does not wait for.
	own []string
	// Sends and OK count majority-side sends invoked in the window and
	// how many of them completed ok.
	Sends int `json:"sends"`
	OK    int `json:"ok"`
	// Recovery is how long after the window began the first majority-side
	// send invoked in it completed ok; the whole window when none did
	// before its end, which marks the window Stalled.
	Recovery int64 `json:"recovery"`
	Stalled  bool  `json:"stalled"`
	// AfterSends counts the sends invoked at or after an ended window's
	// end (none after the last window of the main phase: the final phase
	// only polls). After is how long after the end the first of them
	// completed ok, -1 if none did or there were none.
	AfterSends int   `json:"after-sends"`
	After      int64 `json:"after"`
	// Rejoin is how long after the end every affected node (killed,
	// paused, or outside the majority) had completed ok a send invoked at
	// or after the end; -1 if one never did. RejoinMeasured is false when
	// some affected node was sent nothing after the end (then Rejoin says
	// nothing), or the window did not end.
	Rejoin         int64 `json:"rejoin"`
	RejoinMeasured bool  `json:"rejoin-measured"`
	// Error describes a nemesis value that could not be read.
	Error string `json:"error,omitempty"`
}

// KindSummary sums up the windows of one kind. Durations are ns.
type KindSummary struct {
	Windows int `json:"windows"`
	// WithMajority counts windows that had a majority side; Stalled those
	// among them whose majority never acknowledged a send.
	WithMajority   int   `json:"with-majority"`
	Stalled        int   `json:"stalled"`
	MedianRecovery int64 `json:"median-recovery"` // over windows with a majority
	MaxRecovery    int64 `json:"max-recovery"`
	// MedianAfter and MaxAfter are over ended windows after which a send
	// succeeded; NeverAfter counts ended windows after which sends were
	// invoked but none succeeded.
	MedianAfter int64 `json:"median-after"`
	MaxAfter    int64 `json:"max-after"`
	NeverAfter  int   `json:"never-after"`
	// MedianRejoin and MaxRejoin are over windows whose affected nodes all
	// served again; NeverRejoin counts measured windows where one did not.
	MedianRejoin int64 `json:"median-rejoin"`
	MaxRejoin    int64 `json:"max-rejoin"`
	NeverRejoin  int   `json:"never-rejoin"`
}

// FaultReport summarises availability per fault window: partitions,
// kills and pauses. It is ours (Maelstrom has no such section) and never
// changes the verdict. Windows of different kinds may overlap (with
// --nemesis partition,kill); each is measured with the faults of other
// kinds that last all of it (overlaps).
type FaultReport struct {
	Windows []FaultWindow `json:"windows"`
	// Kinds sums up the windows per kind present.
	Kinds map[string]KindSummary `json:"kinds"`
	// Skipped says why windows were not analysed (no nodes or concurrency
	// to map processes to nodes).
	Skipped string `json:"skipped,omitempty"`
}

// sendRecord is one client send: when it was invoked, through which node,
// and when it completed ok (or -1).
type sendRecord struct {
	invoked int64
	node    string
	okAt    int64
}

// faultAvailability finds the fault windows of h and measures the sends
// in and after each.
func faultAvailability(h history.History, txns []txn, opts Options) FaultReport {
	rep := FaultReport{Kinds: map[string]KindSummary{}}
	windows := faultWindows(h, opts.Nodes)
	rep.Windows = windows
	if len(windows) == 0 {
		rep.Windows = []FaultWindow{}
		return rep
	}
	if len(opts.Nodes) == 0 || opts.Concurrency <= 0 {
		rep.Skipped = "no nodes or concurrency given: processes cannot be mapped to nodes"
		for _, w := range windows {
			k := rep.Kinds[w.Kind]
			k.Windows++
			rep.Kinds[w.Kind] = k
		}
		return rep
	}
	var sends []sendRecord
	for i := range txns {
		t := &txns[i]
		if t.f != history.FSend || !t.isInvoke() {
			continue
		}
		r := sendRecord{invoked: t.time, node: nodeOf(t.process, opts), okAt: -1}
		if c := t.completion; c >= 0 && txns[c].typ == history.OK {
			r.okAt = txns[c].time
		}
		sends = append(sends, r)
	}
	for wi := range windows {
		measureWindow(&windows[wi], sends, opts.Nodes)
	}
	for _, kind := range windowKinds {
		if s, ok := summariseKind(windows, kind); ok {
			rep.Kinds[kind] = s
		}
	}
	return rep
}

// measureWindow fills in a window's figures from the sends.
func measureWindow(w *FaultWindow, sends []sendRecord, nodes []string) {
	w.After, w.Rejoin = -1, -1
	if w.Majority != nil {
		firstOK := int64(-1)
		for _, s := range sends {
			if s.invoked < w.Start || s.invoked >= w.End || !slices.Contains(w.Majority, s.node) {
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
		}
	}
	if !w.Ended || w.Error != "" {
		return
	}
	affected := w.Nodes
	if w.Kind == WindowPartition {
		affected = nil
		for _, n := range nodes {
			if !slices.Contains(w.own, n) {
				affected = append(affected, n)
			}
		}
	}
	tried := map[string]bool{} // affected node -> was sent something after the end
	back := map[string]int64{} // affected node -> its first ok after the end
	for _, s := range sends {
		if s.invoked < w.End {
			continue
		}
		w.AfterSends++
		if slices.Contains(affected, s.node) {
			tried[s.node] = true
		}
		if s.okAt < 0 {
			continue
		}
		if d := s.okAt - w.End; w.After < 0 || d < w.After {
			w.After = d
		}
		if slices.Contains(affected, s.node) {
			if d, seen := back[s.node]; !seen || s.okAt-w.End < d {
				back[s.node] = s.okAt - w.End
			}
		}
	}
	if len(affected) == 0 {
		// Nothing was cut off: back as soon as anything is.
		w.Rejoin, w.RejoinMeasured = w.After, w.AfterSends > 0
		return
	}
	w.RejoinMeasured = len(tried) == len(affected)
	if w.RejoinMeasured && len(back) == len(affected) {
		w.Rejoin = 0
		for _, d := range back {
			w.Rejoin = max(w.Rejoin, d)
		}
	}
}

// summariseKind sums up the windows of one kind; false if there are none.
func summariseKind(windows []FaultWindow, kind string) (KindSummary, bool) {
	var s KindSummary
	var rec, after, rejoin []int64
	for _, w := range windows {
		if w.Kind != kind {
			continue
		}
		s.Windows++
		if w.Majority != nil {
			s.WithMajority++
			rec = append(rec, w.Recovery)
			if w.Stalled {
				s.Stalled++
			}
		}
		if !w.Ended || w.Error != "" {
			continue
		}
		if w.After >= 0 {
			after = append(after, w.After)
		} else if w.AfterSends > 0 {
			s.NeverAfter++
		}
		switch {
		case !w.RejoinMeasured:
		case w.Rejoin >= 0:
			rejoin = append(rejoin, w.Rejoin)
		default:
			s.NeverRejoin++
		}
	}
	s.MedianRecovery, s.MaxRecovery = medianMax(rec)
	s.MedianAfter, s.MaxAfter = medianMax(after)
	s.MedianRejoin, s.MaxRejoin = medianMax(rejoin)
	return s, s.Windows > 0
}

// medianMax returns the median (the mean of the middle two for an even
// count) and the maximum of xs, zero for none.
func medianMax(xs []int64) (int64, int64) {
	if len(xs) == 0 {
		return 0, 0
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2], xs[n-1]
	}
	return (xs[n/2-1] + xs[n/2]) / 2, xs[n-1]
}

// nodeOf maps a client process to the node its thread talks to
// (J:interpreter.clj ClientNemesisWorker): thread = process mod
// concurrency, node = nodes[thread mod len(nodes)].
func nodeOf(process int, opts Options) string {
	if process < 0 || opts.Concurrency <= 0 || len(opts.Nodes) == 0 {
		return ""
	}
	thread := process % opts.Concurrency
	return opts.Nodes[thread%len(opts.Nodes)]
}

// faultWindows pairs each fault's completion with the next completion of
// its repair: start-partition with stop-partition, kill with start, pause
// with resume. Jepsen records nemesis invocations and completions both as
// info; a completion is recognised by its value: a grudge for
// start-partition, a list of nodes for kill, pause, start and resume, any
// value for stop-partition ("network-healed"). A second fault of a kind
// before its repair ends the earlier window there.
func faultWindows(h history.History, nodes []string) []FaultWindow {
	var out []FaultWindow
	open := map[string]int{} // kind -> index in out of its open window
	end := int64(0)
	closeAt := func(kind string, t int64, ended bool) {
		if i, ok := open[kind]; ok {
			out[i].End, out[i].Ended = t, ended
			delete(open, kind)
		}
	}
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
			closeAt(WindowPartition, op.Time, false)
			w := FaultWindow{Kind: WindowPartition, Start: op.Time}
			if err != nil {
				w.Error = err.Error()
			} else {
				w.Components = components(nodes, grudge)
				w.Majority = majority(w.Components, nodes, grudge)
			}
			out = append(out, w)
			open[WindowPartition] = len(out) - 1
		case history.FKill, history.FPause:
			affected, isCompletion, err := parseNodeList(op.Value)
			if !isCompletion {
				continue
			}
			kind := WindowKill
			if op.F == history.FPause {
				kind = WindowPause
			}
			closeAt(kind, op.Time, false)
			if i, ok := open[WindowPause]; ok && kind == WindowKill && err == nil && subset(out[i].Nodes, affected) {
				// A killed process is no longer stopped, and its restart
				// runs: the kill ends the pause (not a repair: the nodes
				// are down).
				closeAt(WindowPause, op.Time, false)
			}
			w := FaultWindow{Kind: kind, Start: op.Time, Nodes: affected}
			if err != nil {
				w.Error = err.Error()
			} else {
				w.Majority = survivors(nodes, affected)
			}
			out = append(out, w)
			open[kind] = len(out) - 1
		case history.FStopPartition, history.FStart, history.FResume:
			if op.F == history.FStopPartition && op.Value == nil {
				continue // an info-typed invocation
			}
			if op.F != history.FStopPartition {
				if _, isCompletion, _ := parseNodeList(op.Value); !isCompletion {
					continue
				}
			}
			kind := map[string]string{history.FStopPartition: WindowPartition, history.FStart: WindowKill, history.FResume: WindowPause}[op.F]
			closeAt(kind, op.Time, true)
		}
	}
	for kind := range open {
		closeAt(kind, end, false)
	}
	overlaps(out, nodes)
	return out
}

// overlaps narrows each window's majority by the faults of other kinds
// that last the whole of it (lasts): the nodes they kill or pause are
// removed, and a partition keeps only its majority side. A window left
// without a strict majority is Shadowed: its majority could not have
// served, so it is no more a stall than a window that never had one.
// Faults that cover only part of a window are left out: the majority
// could serve in the rest, and its recovery figure says how soon it did.
func overlaps(ws []FaultWindow, nodes []string) {
	for i := range ws {
		ws[i].own = ws[i].Majority
	}
	for i := range ws {
		w := &ws[i]
		m := w.own
		for j, o := range ws {
			if m == nil || j == i || o.Kind == w.Kind || o.Error != "" || !lasts(o, *w) {
				continue
			}
			if o.Kind == WindowPartition {
				m = intersect(m, o.own)
			} else {
				m = without(m, o.Nodes)
			}
		}
		switch {
		case m == nil:
		case 2*len(m) > len(nodes):
			w.Majority = m
		default:
			w.Majority, w.Shadowed = nil, true
		}
	}
}

// overlapSlack is the most of a window another fault may leave
// uncovered and still count as lasting all of it: the nemesis applies
// faults one after the other (a pause a millisecond after a partition),
// and nothing commits in 100 ms that a leader election has to precede.
const overlapSlack = 100 * time.Millisecond

// lasts reports whether fault o covers window w, but for at most
// overlapSlack and at most 1% of w at its ends.
func lasts(o, w FaultWindow) bool {
	uncovered := max(0, o.Start-w.Start) + max(0, w.End-o.End)
	return uncovered <= min((w.End-w.Start)/100, int64(overlapSlack))
}

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// intersect returns the elements of a that are in b, in a's order.
func intersect(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// without returns the elements of a that are not in b, in a's order.
func without(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// parseNodeList reads the value of a kill, pause, start or resume record:
// a node spec string on the invocation (isCompletion false), a list of
// nodes on the completion ([]string in memory, []any after JSON; null is
// an empty list).
func parseNodeList(v any) (nodes []string, isCompletion bool, err error) {
	switch l := v.(type) {
	case string:
		return nil, false, nil
	case nil:
		return []string{}, true, nil
	case []string:
		return l, true, nil
	case []any:
		out := []string{}
		for _, x := range l {
			s, ok := x.(string)
			if !ok {
				return nil, true, fmt.Errorf("node list holds %T, want node names", x)
			}
			out = append(out, s)
		}
		return out, true, nil
	}
	return nil, true, fmt.Errorf("unreadable node list %T", v)
}

// survivors returns the nodes not in affected, if they are a strict
// majority of nodes, else nil.
func survivors(nodes, affected []string) []string {
	out := without(nodes, affected)
	if 2*len(out) > len(nodes) {
		return out
	}
	return nil
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
