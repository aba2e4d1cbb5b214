package output

import (
	"time"

	"zabkafka/tests/workbench/history"
)

// Interval is a span of run time, e.g. one partition.
type Interval struct {
	Start, End time.Duration
}

// Fault window kinds, as the plots name them.
const (
	KindPartition = "partition"
	KindKill      = "kill"
	KindPause     = "pause"
)

// Window is one nemesis fault as the plots shade it.
type Window struct {
	Kind string // KindPartition, KindKill or KindPause
	Interval
}

// windowOps maps each fault's f to its kind and its repair's f.
var windowOps = map[string]struct{ kind, repair string }{
	history.FStartPartition: {KindPartition, history.FStopPartition},
	history.FKill:           {KindKill, history.FStart},
	history.FPause:          {KindPause, history.FResume},
}

// FaultWindows returns the fault windows of a history, as Jepsen's perf
// plots draw nemesis activity (J:jepsen/src/jepsen/checker/perf.clj
// nemesis-regions): from each start-partition, kill or pause invocation to
// the completion of the stop-partition, start or resume that follows it
// (the end of the history if none does). Windows of different kinds may
// overlap.
func FaultWindows(h history.History) []Window {
	var out []Window
	open := map[string]time.Duration{} // kind -> start of its open window
	for i := range h {
		op := &h[i]
		if op.IsClient() {
			continue
		}
		if w, ok := windowOps[op.F]; ok {
			// The invocation carries a shape or node spec, the completion a
			// grudge or node list.
			if _, isInvocation := op.Value.(string); isInvocation {
				if _, already := open[w.kind]; !already {
					open[w.kind] = time.Duration(op.Time)
				}
			}
			continue
		}
		for _, w := range windowOps {
			if w.repair != op.F || !isCompletion(op) {
				continue
			}
			if start, ok := open[w.kind]; ok {
				out = append(out, Window{w.kind, Interval{start, time.Duration(op.Time)}})
				delete(open, w.kind)
			}
		}
	}
	if len(h) > 0 {
		for _, kind := range []string{KindPartition, KindKill, KindPause} {
			if start, ok := open[kind]; ok {
				out = append(out, Window{kind, Interval{start, time.Duration(h[len(h)-1].Time)}})
			}
		}
	}
	return out
}

// isCompletion tells a repair's completion from its invocation: the
// stop-partition completion says "network-healed", start and resume
// completions list nodes where their invocations say "all".
func isCompletion(op *history.Op) bool {
	if op.F == history.FStopPartition {
		return op.Value == "network-healed"
	}
	_, isInvocation := op.Value.(string)
	return !isInvocation
}

// Latency is one client op's invocation time and latency.
type Latency struct {
	F       string
	Type    history.Type // of the completion
	Invoked time.Duration
	Latency time.Duration
}

// Latencies pairs every client completion with its invocation (one op in
// flight per process) and returns them in completion order.
func Latencies(h history.History) []Latency {
	inflight := map[int]*history.Op{}
	var out []Latency
	for i := range h {
		op := &h[i]
		if !op.IsClient() {
			continue
		}
		if op.Type == history.Invoke {
			inflight[op.Process] = op
			continue
		}
		inv, ok := inflight[op.Process]
		if !ok {
			continue
		}
		delete(inflight, op.Process)
		out = append(out, Latency{F: op.F, Type: op.Type, Invoked: time.Duration(inv.Time), Latency: time.Duration(op.Time - inv.Time)})
	}
	return out
}
