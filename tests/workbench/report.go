package workbench

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"strings"

	"zabkafka/tests/workbench/net"
)

// Summary is the run's readable report: the checker's summary, then the
// faults the network recorded (loudly: a node whose stdout stopped being
// read is a serious bug in the node), the workbench's notes, and last the
// verdict line exactly as Jepsen prints it.
func (r *Report) Summary() string {
	var b strings.Builder
	s := strings.TrimRight(r.Check.Summary(), "\n")
	s = strings.TrimRight(strings.TrimSuffix(s, r.Check.Verdict()), "\n")
	b.WriteString(s)
	b.WriteString("\n")
	if len(r.Faults) > 0 {
		b.WriteString("\n")
		b.WriteString(faultBanner(r.Faults, r.Options.Lenient))
	}
	if line := r.cpuLine(); line != "" {
		b.WriteString(line)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nNOTE: %s\n", n)
	}
	if r.StoreDir != "" {
		fmt.Fprintf(&b, "\nresults in %s\n", r.StoreDir)
	}
	b.WriteString("\n")
	b.WriteString(r.Valid.Verdict())
	b.WriteString("\n")
	return b.String()
}

// cpuLine gives the nodes' CPU time, in all and per client operation
// (every completion counted), "" when it was not measured.
func (r *Report) cpuLine() string {
	if r.NodeCPU <= 0 {
		return ""
	}
	line := fmt.Sprintf("node cpu: %.2f s user+system over all node processes", r.NodeCPU.Seconds())
	if n := r.Check.Stats.Count; n > 0 {
		line += fmt.Sprintf(", %.1f us per op", float64(r.NodeCPU.Microseconds())/float64(n))
	}
	return line + "\n"
}

// faultBanner lists the faults, one block each, under a banner that cannot
// be missed.
func faultBanner(faults []net.Fault, lenient bool) string {
	var b strings.Builder
	bar := strings.Repeat("!", 72)
	b.WriteString(bar + "\n")
	fmt.Fprintf(&b, "!!! %d NODE FAULT(S)\n", len(faults))
	for _, f := range faults {
		when := fmt.Sprintf("at %.3f s", f.Time.Seconds())
		if f.Time < 0 {
			when = "during setup"
		}
		switch f.Kind {
		case net.FaultCrash:
			fmt.Fprintf(&b, "!!! %s CRASHED %s: %s\n", f.Node, when, f.Detail)
		case net.FaultRestartFailed:
			fmt.Fprintf(&b, "!!! %s FAILED TO RESTART %s (it stayed down): %s\n", f.Node, when, f.Detail)
		default:
			effect := "Maelstrom stops reading this node's stdout for the rest of the test"
			if lenient {
				effect = "--lenient: kept reading"
			}
			fmt.Fprintf(&b, "!!! %s %s %s (%s): %s\n", f.Node, f.Kind, when, effect, f.Detail)
			fmt.Fprintf(&b, "!!!     offending line: %s\n", f.Line)
		}
	}
	b.WriteString(bar + "\n")
	return b.String()
}

// faultJSON is one fault in results.json.
type faultJSON struct {
	Node   string  `json:"node"`
	Time   float64 `json:"time"` // seconds since the run began (negative: during setup)
	Kind   string  `json:"kind"`
	Line   string  `json:"line,omitempty"`
	Detail string  `json:"detail,omitempty"`
}

// workbenchJSON is the workbench's own section of results.json.
type workbenchJSON struct {
	Seed            int64       `json:"seed"`
	Bin             string      `json:"bin"`
	Args            []string    `json:"args,omitempty"`
	NodeCount       int         `json:"node-count"`
	Concurrency     int         `json:"concurrency"`
	Rate            float64     `json:"rate"`
	TimeLimit       float64     `json:"time-limit"`
	Latency         float64     `json:"latency-ms"`
	LatencyDist     string      `json:"latency-dist"`
	Nemesis         []string    `json:"nemesis"`
	NemesisInterval float64     `json:"nemesis-interval"`
	KeyCount        int         `json:"key-count"`
	Leader          string      `json:"leader,omitempty"`
	MaxWritesPerKey int         `json:"max-writes-per-key"`
	Lenient         bool        `json:"lenient"`
	Faults          []faultJSON `json:"faults"`
	Crashed         []string    `json:"crashed"`
	// StaleReplies counts, per node, replies to clients that gave up while
	// the node was killed or paused: dropped, not faults (net.Cluster).
	StaleReplies map[string]int64 `json:"stale-replies"`
	NodeCPU      float64          `json:"node-cpu-seconds"`
	Notes        []string         `json:"notes"`
}

// writeResults writes results.json: the checker's result with a
// "workbench" section (options, seed, faults, notes) and the run's own
// "valid?" (the checker's, lowered by the notes).
func writeResults(path string, r *Report) error {
	b, err := json.Marshal(&r.Check)
	if err != nil {
		return err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return err
	}
	o := r.Options
	wb := workbenchJSON{
		Seed: o.Seed, Bin: o.Bin, Args: o.Args, NodeCount: o.NodeCount, Concurrency: o.Concurrency,
		Rate: o.Rate, TimeLimit: o.TimeLimit.Seconds(), Latency: float64(o.Latency.Microseconds()) / 1000,
		LatencyDist: o.LatencyDist, Nemesis: append([]string{}, o.Nemesis...), NemesisInterval: o.NemesisInterval.Seconds(),
		KeyCount: o.KeyCount, MaxWritesPerKey: o.MaxWritesPerKey, Lenient: o.Lenient, Leader: o.Leader,
		Faults: []faultJSON{}, Crashed: append([]string{}, r.Crashed...), Notes: append([]string{}, r.Notes...),
		StaleReplies: map[string]int64{}, NodeCPU: r.NodeCPU.Seconds(),
	}
	maps.Copy(wb.StaleReplies, r.StaleReplies)
	for _, f := range r.Faults {
		wb.Faults = append(wb.Faults, faultJSON{Node: f.Node, Time: f.Time.Seconds(), Kind: f.Kind, Line: f.Line, Detail: f.Detail})
	}
	if top["workbench"], err = json.Marshal(wb); err != nil {
		return err
	}
	if top["valid?"], err = json.Marshal(r.Valid); err != nil {
		return err
	}
	out, err := json.MarshalIndent(top, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o644)
}
