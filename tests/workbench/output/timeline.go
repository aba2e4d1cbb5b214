package output

import (
	"time"

	"zabkafka/tests/workbench/history"
)

// Interval is a span of run time, e.g. one partition.
type Interval struct {
	Start, End time.Duration
}

// Partitions returns the partition windows of a history: from each
// start-partition invocation to the completion of the stop-partition that
// follows it (the end of the history if none does).
func Partitions(h history.History) []Interval {
	var out []Interval
	open := false
	var start time.Duration
	for i := range h {
		op := &h[i]
		if op.IsClient() {
			continue
		}
		switch {
		case op.F == history.FStartPartition && op.Type == history.Info && !open && op.Value != nil && isShape(op.Value):
			open, start = true, time.Duration(op.Time)
		case op.F == history.FStopPartition && op.Value == "network-healed" && open:
			out = append(out, Interval{start, time.Duration(op.Time)})
			open = false
		}
	}
	if open && len(h) > 0 {
		out = append(out, Interval{start, time.Duration(h[len(h)-1].Time)})
	}
	return out
}

// isShape tells a start-partition invocation (value: the shape name) from
// its completion (value: the grudge).
func isShape(v any) bool { _, ok := v.(string); return ok }

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
