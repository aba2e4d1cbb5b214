package workbench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zabkafka/tests/workbench/checker"
	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/net"
)

// cleanHistory: two ok sends, an assign, a poll that
// reads both. Valid.
func cleanHistory() history.History {
	off := func(o int64) *int64 { return &o }
	h := history.History{
		{Type: history.Invoke, Process: 0, F: history.FSend, Key: "1", Msg: 1},
		{Type: history.OK, Process: 0, F: history.FSend, Key: "1", Msg: 1, Offset: off(0)},
		{Type: history.Invoke, Process: 1, F: history.FSend, Key: "1", Msg: 2},
		{Type: history.OK, Process: 1, F: history.FSend, Key: "1", Msg: 2, Offset: off(1)},
		{Type: history.Invoke, Process: 2, F: history.FAssign, Keys: []string{"1"}},
		{Type: history.OK, Process: 2, F: history.FAssign, Keys: []string{"1"}},
		{Type: history.Invoke, Process: 2, F: history.FPoll},
		{Type: history.OK, Process: 2, F: history.FPoll, Polls: map[string][]history.Pair{"1": {{Offset: 0, Msg: 1}, {Offset: 1, Msg: 2}}}},
	}
	for i := range h {
		h[i].Index, h[i].Time = i, int64(i)*int64(time.Millisecond)
	}
	return h
}

// g1aHistory: a send that failed definitely is read.
func g1aHistory() history.History {
	h := history.History{
		{Type: history.Invoke, Process: 0, F: history.FSend, Key: "1", Msg: 1},
		{Type: history.Fail, Process: 0, F: history.FSend, Key: "1", Msg: 1, Error: "temporarily-unavailable"},
		{Type: history.Invoke, Process: 1, F: history.FPoll},
		{Type: history.OK, Process: 1, F: history.FPoll, Polls: map[string][]history.Pair{"1": {{Offset: 0, Msg: 1}}}},
		{Type: history.Invoke, Process: 1, F: history.FPoll},
		{Type: history.OK, Process: 1, F: history.FPoll, Polls: map[string][]history.Pair{}},
	}
	for i := range h {
		h[i].Index, h[i].Time = i, int64(i)
	}
	return h
}

func reportFor(h history.History) *Report {
	return &Report{Options: Options{NodeCount: 1, Concurrency: 3, Seed: 77}.withDefaults(), History: h}
}

func TestJudge(t *testing.T) {
	rep := reportFor(cleanHistory())
	rep.judge(0)
	if rep.Valid != checker.Valid || rep.ExitCode() != 0 || len(rep.Notes) != 0 {
		t.Fatalf("clean history: %s, exit %d, notes %v", rep.Valid, rep.ExitCode(), rep.Notes)
	}

	rep = reportFor(cleanHistory())
	rep.Crashed = []string{"n0"}
	rep.judge(0)
	if rep.Valid != checker.Unknown || rep.ExitCode() != 2 || !strings.Contains(rep.Notes[0], "crashed") {
		t.Fatalf("crashed node: %s, exit %d, notes %v", rep.Valid, rep.ExitCode(), rep.Notes)
	}

	rep = reportFor(cleanHistory())
	rep.judge(2)
	if rep.Valid != checker.Unknown || !strings.Contains(rep.Notes[0], "non-integer") {
		t.Fatalf("unrepresentable messages: %s, notes %v", rep.Valid, rep.Notes)
	}

	// A history where nothing succeeded is invalid, as for Jepsen, with a
	// note saying why.
	failed := history.History{
		{Type: history.Invoke, Process: 0, F: history.FSend, Key: "1", Msg: 1},
		{Type: history.Fail, Process: 0, F: history.FSend, Key: "1", Msg: 1, Error: "node-down"},
	}
	rep = reportFor(failed)
	rep.judge(0)
	if rep.Valid != checker.Invalid || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "no client operation succeeded") {
		t.Fatalf("nothing succeeded: %s, notes %v", rep.Valid, rep.Notes)
	}

	// An anomaly still wins over an unknown: false beats unknown.
	rep = reportFor(g1aHistory())
	rep.Crashed = []string{"n0"}
	rep.judge(0)
	if rep.Valid != checker.Invalid || rep.ExitCode() != 1 {
		t.Fatalf("G1a with a crash: %s, exit %d", rep.Valid, rep.ExitCode())
	}
}

func TestSummaryReportsFaultsLoudly(t *testing.T) {
	rep := reportFor(cleanHistory())
	rep.Faults = []net.Fault{
		{Node: "n1", Time: 1500 * time.Millisecond, Kind: net.FaultUnknownDestination, Line: `{"src":"n1","dest":"c12"}`, Detail: "unknown destination c12"},
		{Node: "n2", Time: 2 * time.Second, Kind: net.FaultCrash, Detail: "exit status 1"},
		{Node: "n3", Time: -time.Millisecond, Kind: net.FaultMalformedLine, Line: "hello", Detail: "not JSON"},
	}
	rep.judge(0)
	s := rep.Summary()
	for _, want := range []string{"3 NODE FAULT(S)", "n1 unknown-destination at 1.500 s", "n3 malformed-line during setup", "stops reading this node's stdout", `offending line: {"src":"n1","dest":"c12"}`, "n2 CRASHED at 2.000 s: exit status 1"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if !strings.HasSuffix(s, checker.VerdictValid+"\n") || strings.Count(s, checker.VerdictValid) != 1 {
		t.Fatalf("the summary must end with exactly one verdict line:\n%s", s)
	}
	rep.Options.Lenient = true
	if !strings.Contains(rep.Summary(), "--lenient: kept reading") {
		t.Fatal("a lenient run must say the node was still read")
	}
}

func TestWriteResults(t *testing.T) {
	rep := reportFor(cleanHistory())
	rep.Crashed = []string{"n0"}
	rep.Faults = []net.Fault{{Node: "n0", Time: time.Second, Kind: net.FaultMalformedLine, Line: "oops", Detail: "not JSON"}}
	rep.judge(0)
	path := filepath.Join(t.TempDir(), "results.json")
	if err := writeResults(path, rep); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Valid     json.RawMessage `json:"valid?"`
		Workload  json.RawMessage `json:"workload"`
		Workbench struct {
			Seed   int64 `json:"seed"`
			Faults []struct {
				Node, Kind, Line string
				Time             float64
			} `json:"faults"`
			Crashed []string `json:"crashed"`
			Notes   []string `json:"notes"`
		} `json:"workbench"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("results.json: %v\n%s", err, b)
	}
	if string(got.Valid) != `"unknown"` || got.Workload == nil {
		t.Fatalf("valid? %s (want the run's own verdict, unknown), workload %s", got.Valid, got.Workload)
	}
	wb := got.Workbench
	if wb.Seed != 77 || len(wb.Faults) != 1 || wb.Faults[0].Line != "oops" || wb.Faults[0].Time != 1 || len(wb.Crashed) != 1 || len(wb.Notes) != 1 {
		t.Fatalf("workbench section %+v", wb)
	}
}

func TestShiftFaults(t *testing.T) {
	got := shiftFaults([]net.Fault{{Time: 3 * time.Second}}, time.Second)
	if got[0].Time != 2*time.Second {
		t.Fatalf("fault time %v, want 2s in run time", got[0].Time)
	}
}

func TestOptionsValidate(t *testing.T) {
	good := Options{Bin: "x", NodeCount: 1, Concurrency: 1, Rate: 1, TimeLimit: time.Second}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid options rejected: %v", err)
	}
	bad := []func(*Options){
		func(o *Options) { o.Bin = "" },
		func(o *Options) { o.NodeCount = 0 },
		func(o *Options) { o.Concurrency = 0 },
		func(o *Options) { o.Rate = -1 },
		func(o *Options) { o.TimeLimit = 0 },
		func(o *Options) { o.Latency = -time.Millisecond },
		func(o *Options) { o.LatencyDist = "normal" },
		func(o *Options) { o.LatencyDist = "exponential" },
		func(o *Options) { o.Availability = "most" },
		func(o *Options) { o.Availability = "1.5" },
	}
	for i, f := range bad {
		o := good
		f(&o)
		if o.Validate() == nil {
			t.Errorf("case %d: %+v accepted", i, o)
		}
	}
}

// killPauseHistory is cleanHistory with a kill of n0 and a pause of n1
// around it, in the form the runner records them.
func killPauseHistory() history.History {
	nem := func(f string, v any) history.Op {
		return history.Op{Type: history.Info, Process: history.NemesisProcess, F: f, Value: v}
	}
	h := history.History{nem(history.FKill, "one"), nem(history.FKill, []string{"n0"}), nem(history.FPause, "one"), nem(history.FPause, []string{"n1"})}
	h = append(h, cleanHistory()...)
	h = append(h, nem(history.FStart, "all"), nem(history.FStart, []string{"n0"}), nem(history.FResume, "all"), nem(history.FResume, []string{"n1"}))
	for i := range h {
		h[i].Index, h[i].Time = i, int64(i)*int64(time.Millisecond)
	}
	return h
}

// TestResultsListKillAndPauseWindows: results.json lists each kill and
// pause window with its nodes and the per-kind figures, and the workbench
// section the faults asked for and the stale replies; the summary has a
// line per kind and reports a failed restart loudly.
func TestResultsListKillAndPauseWindows(t *testing.T) {
	rep := reportFor(killPauseHistory())
	rep.Options.Nemesis = []string{FaultKill, FaultPause}
	rep.StaleReplies = map[string]int64{"n1": 3}
	rep.Faults = []net.Fault{{Node: "n2", Time: time.Second, Kind: net.FaultRestartFailed, Detail: "node n2 did not answer init within 10s"}}
	rep.Crashed = []string{"n2"}
	rep.judge(0)
	s := rep.Summary()
	for _, want := range []string{"kills: 1 window", "pauses: 1 window", "n2 FAILED TO RESTART at 1.000 s", "crashed or failed to restart"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	path := filepath.Join(t.TempDir(), "results.json")
	if err := writeResults(path, rep); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Windows struct {
			Windows []struct {
				Kind  string   `json:"kind"`
				Nodes []string `json:"nodes"`
				Ended bool     `json:"ended"`
			} `json:"windows"`
			Kinds map[string]checker.KindSummary `json:"kinds"`
		} `json:"fault-windows"`
		Workbench struct {
			Nemesis      []string         `json:"nemesis"`
			StaleReplies map[string]int64 `json:"stale-replies"`
		} `json:"workbench"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("results.json: %v\n%s", err, b)
	}
	w := got.Windows.Windows
	if len(w) != 2 || w[0].Kind != "kill" || w[0].Nodes[0] != "n0" || !w[0].Ended || w[1].Kind != "pause" || w[1].Nodes[0] != "n1" {
		t.Fatalf("fault windows %+v", w)
	}
	if got.Windows.Kinds["kill"].Windows != 1 || got.Windows.Kinds["pause"].Windows != 1 {
		t.Fatalf("kinds %+v", got.Windows.Kinds)
	}
	if strings.Join(got.Workbench.Nemesis, ",") != "kill,pause" || got.Workbench.StaleReplies["n1"] != 3 {
		t.Fatalf("workbench section %+v", got.Workbench)
	}
}

// TestNodeCPUReported: the nodes' CPU time is in the summary, per
// operation too, and in results.json; a run that did not measure it
// says nothing.
func TestNodeCPUReported(t *testing.T) {
	rep := reportFor(killPauseHistory())
	rep.judge(0)
	if s := rep.Summary(); strings.Contains(s, "node cpu") {
		t.Fatalf("unmeasured CPU reported:\n%s", s)
	}
	rep.NodeCPU = 1500 * time.Millisecond
	n := rep.Check.Stats.Count
	want := fmt.Sprintf("node cpu: 1.50 s user+system over all node processes, %.1f us per op", 1.5e6/float64(n))
	if s := rep.Summary(); !strings.Contains(s, want) {
		t.Fatalf("summary lacks %q:\n%s", want, s)
	}
	path := filepath.Join(t.TempDir(), "results.json")
	if err := writeResults(path, rep); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	var got struct {
		Workbench struct {
			NodeCPU float64 `json:"node-cpu-seconds"`
		} `json:"workbench"`
	}
	if err := json.Unmarshal(b, &got); err != nil || got.Workbench.NodeCPU != 1.5 {
		t.Fatalf("results.json node-cpu-seconds %v (%v)", got.Workbench.NodeCPU, err)
	}
}
