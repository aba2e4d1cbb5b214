package checker

import (
	"fmt"
	"sort"
	"strings"
)

// Summary renders the result as a few readable lines, ending with Jepsen's
// verdict line.
func (r Result) Summary() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	w := &r.Workload
	p("workload: valid? %s", w.Valid)
	if w.Error != "" {
		p("  analysis error: %s", w.Error)
	} else {
		if len(w.ErrorTypes) == 0 {
			p("  no anomalies")
		}
		counts := w.Anomalies.Condensed()
		for _, t := range w.ErrorTypes {
			mark := "bad"
			if IsAllowedErrorType(t) {
				mark = "allowed"
			}
			p("  %-26s %s (%s)", t+":", describeGroup(counts[t]), mark)
		}
		if l := w.WorstRealtimeLag; l != nil {
			p("  worst realtime lag: %.3f s (process %d, key %q, poll at %.3f s)",
				nanosToSecs(l.Lag), l.Process, l.Key, nanosToSecs(l.Time))
		} else {
			p("  worst realtime lag: none measured")
		}
		if len(w.InfoTxnCauses) > 0 {
			p("  indefinite results caused by: %s", strings.Join(w.InfoTxnCauses, ", "))
		}
	}

	s := &r.Stats
	p("stats: valid? %s  count %d, ok %d, fail %d, info %d", s.Valid, s.Count, s.OKCount, s.FailCount, s.InfoCount)
	fs := make([]string, 0, len(s.ByF))
	for f := range s.ByF {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	for _, f := range fs {
		c := s.ByF[f]
		p("  %-8s count %d, ok %d, fail %d, info %d", f+":", c.Count, c.OKCount, c.FailCount, c.InfoCount)
	}

	a := &r.Availability
	p("availability: valid? %s  ok-fraction %.5f%s", a.Valid, a.OKFraction, suffix(a.Error))

	if n := r.Net; n != nil {
		p("net: all %d msgs (%s per op), clients %d, servers %d (%s per op)",
			n.All.MsgCount, perOp(n.All.MsgsPerOp), n.Clients.MsgCount, n.Servers.MsgCount, perOp(n.Servers.MsgsPerOp))
	}

	pf := &r.Performance
	for _, f := range latencyFs {
		l := pf.Latency[f]
		p("latency %-5s ok %d: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms", f, l.Count, l.P50, l.P95, l.P99, l.Max)
	}
	p("throughput: %.1f ops/s (%.1f ok/s) over %.1f s", pf.Throughput.OpsPerSec, pf.Throughput.OKPerSec, pf.Throughput.Seconds)
	if bn := r.ByNode; bn != nil {
		writeByNode(p, bn)
	}

	fr := &r.FaultWindows
	for _, kind := range windowKinds {
		k, ok := fr.Kinds[kind]
		if !ok {
			continue
		}
		if fr.Skipped != "" {
			p("%s: %s, not analysed: %s", kindPlural[kind], windowsNoun(k.Windows), fr.Skipped)
			continue
		}
		p("%s: %s, %d with a majority %s, %d stalled; recovery in the window median %.3f s, max %.3f s",
			kindPlural[kind], windowsNoun(k.Windows), k.WithMajority, majorityWord[kind], k.Stalled,
			nanosToSecs(k.MedianRecovery), nanosToSecs(k.MaxRecovery))
		p("  after each %s: first ok send median %.3f s, max %.3f s%s; every affected node serving median %.3f s, max %.3f s%s",
			repairWord[kind], nanosToSecs(k.MedianAfter), nanosToSecs(k.MaxAfter), never(k.NeverAfter),
			nanosToSecs(k.MedianRejoin), nanosToSecs(k.MaxRejoin), never(k.NeverRejoin))
	}
	if fr.Skipped == "" && len(fr.Windows) > 0 {
		p("fault windows (first ok = first majority-side send acknowledged; after = from the repair):")
		for i, w := range fr.Windows {
			if i == maxWindowLines {
				p("  ... %d more in results.json", len(fr.Windows)-i)
				break
			}
			p("  %s", windowLine(i+1, w))
		}
	}

	b.WriteString("\n")
	b.WriteString(r.Verdict())
	b.WriteString("\n")
	return b.String()
}

// writeByNode renders the send latency per node: one compact line, and
// with hop bounds a table of each node and of the leader's and the
// followers' sends against them.
func writeByNode(p func(string, ...any), bn *ByNode) {
	how := "given"
	if bn.LeaderInferred {
		how = "inferred: fastest sends"
	}
	if bn.HopMS <= 0 {
		var parts []string
		for _, n := range bn.Nodes {
			parts = append(parts, fmt.Sprintf("%s %.1f", n.Node, n.Send.P50))
		}
		p("send p50 by node, ms (leader %s, %s): %s", orNone(bn.Leader), how, strings.Join(parts, ", "))
		return
	}
	p("send latency by node, against the hop bound (one-way %g ms; leader 2 hops, others 4; leader %s, %s):", bn.HopMS, orNone(bn.Leader), how)
	line := func(n NodeLatency) {
		p("  %-8s %-8s ok %6d: p50 %6.1f ms = %.2fx bound %4.0f ms; p95 %6.1f ms", n.Node, n.Role, n.Send.Count, n.Send.P50, n.Ratio, n.BoundMS, n.Send.P95)
	}
	for _, n := range bn.Nodes {
		line(n)
	}
	// The leader's row above is already its pooled figure; the other
	// nodes' sends are pooled here.
	line(bn.FollowerSends)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// describeGroup renders a condensed error entry in a few words.
func describeGroup(v any) string {
	switch g := v.(type) {
	case ErrorGroup:
		return fmt.Sprintf("%d", g.Count)
	case Unseen:
		n := 0
		for _, c := range g.Counts {
			n += c
		}
		return fmt.Sprintf("%d messages in %d keys never polled", n, len(g.Counts))
	default:
		return "?"
	}
}

func perOp(v *float32) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", *v)
}

func suffix(err string) string {
	if err == "" {
		return ""
	}
	return " (" + err + ")"
}

// Words for the fault window lines of the summary.
var (
	kindPlural   = map[string]string{WindowPartition: "partitions", WindowKill: "kills", WindowPause: "pauses"}
	majorityWord = map[string]string{WindowPartition: "side", WindowKill: "alive", WindowPause: "running"}
	repairWord   = map[string]string{WindowPartition: "heal", WindowKill: "restart", WindowPause: "resume"}
)

// maxWindowLines caps the per-window lines of the summary.
const maxWindowLines = 30

// windowLine describes one fault window on a line.
func windowLine(n int, w FaultWindow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s %.3f-%.3f s", n, w.Kind, nanosToSecs(w.Start), nanosToSecs(w.End))
	switch {
	case w.Error != "":
		fmt.Fprintf(&b, ": unreadable (%s)", w.Error)
		return b.String()
	case w.Kind == WindowPartition:
		fmt.Fprintf(&b, " %v", w.Components)
	default:
		fmt.Fprintf(&b, " %v", w.Nodes)
	}
	if w.Majority == nil {
		b.WriteString(": no majority")
		if w.Shadowed {
			b.WriteString(" (with the other faults lasting all of it)")
		}
	} else {
		fmt.Fprintf(&b, ": %d sent, %d ok", w.Sends, w.OK)
		if w.Stalled {
			b.WriteString(", STALLED")
		} else {
			fmt.Fprintf(&b, ", first ok %.3f s", nanosToSecs(w.Recovery))
		}
	}
	switch {
	case !w.Ended:
		b.WriteString("; not repaired before the end")
	case w.AfterSends == 0:
		b.WriteString("; no sends after")
	case w.After < 0:
		b.WriteString("; after: NO ok send")
	default:
		fmt.Fprintf(&b, "; after: first ok %.3f s", nanosToSecs(w.After))
		switch {
		case !w.RejoinMeasured:
		case w.Rejoin < 0:
			b.WriteString(", some affected node NEVER served again")
		default:
			fmt.Fprintf(&b, ", all affected serving %.3f s", nanosToSecs(w.Rejoin))
		}
	}
	return b.String()
}

// never says how many windows never recovered, if any.
func never(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d never)", n)
}

// windowsNoun says "1 window" or "n windows".
func windowsNoun(n int) string {
	if n == 1 {
		return "1 window"
	}
	return fmt.Sprintf("%d windows", n)
}
