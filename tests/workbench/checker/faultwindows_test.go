package checker

import (
	"encoding/json"
	"strings"
	"testing"

	"zabkafka/tests/workbench/history"
)

var fiveNodes = []string{"n0", "n1", "n2", "n3", "n4"}

// majorityGrudge cuts {n0 n1 n2} from {n3 n4}, both directions.
func majorityGrudge() map[string][]string {
	return map[string][]string{
		"n0": {"n3", "n4"}, "n1": {"n3", "n4"}, "n2": {"n3", "n4"},
		"n3": {"n0", "n1", "n2"}, "n4": {"n0", "n1", "n2"},
	}
}

// jsonRoundTrip gives a value the shape it has after history.jsonl.
func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A window whose majority recovers, then one whose majority stalls (its
// only ok send completes after the heal). Concurrency 5 over 5 nodes:
// process p talks to node n(p mod 5).
func TestPartitionWindows(t *testing.T) {
	b := newHB()
	b.at(90).nemesis(history.FStartPartition, history.Info, "majority") // invocation, Jepsen style
	b.at(100).nemesis(history.FStartPartition, history.Info, majorityGrudge())
	b.at(110).sendInv(0, "x", 1) // n0: majority side
	b.at(120).sendInv(3, "x", 2) // n3: minority side, not counted
	b.at(150).sendOK(0, "x", 0, 1)
	b.at(190).sendEnd(3, history.Info, "x", 2, "net-timeout")
	b.at(195).nemesis(history.FStopPartition, history.Info, nil)
	b.at(200).nemesis(history.FStopPartition, history.Info, "network-healed")

	b.at(300).nemesis(history.FStartPartition, history.Info, jsonRoundTrip(t, majorityGrudge()))
	b.at(310).sendInv(6, "x", 3) // process 6 -> thread 1 -> n1
	b.at(315).sendEnd(6, history.Fail, "x", 3, "temporarily-unavailable")
	b.at(320).sendInv(6, "x", 4)
	b.at(400).nemesis(history.FStopPartition, history.Info, "network-healed")
	b.at(420).sendOK(6, "x", 1, 4)
	b.at(500).sendInv(1, "x", 5) // after the heal: in no window
	b.at(510).sendOK(1, "x", 2, 5)

	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).FaultWindows
	if len(rep.Windows) != 2 {
		t.Fatalf("windows = %+v", rep.Windows)
	}
	w0, w1 := rep.Windows[0], rep.Windows[1]
	assertEqual(t, "components", w0.Components, [][]string{{"n0", "n1", "n2"}, {"n3", "n4"}})
	assertEqual(t, "majority", w0.Majority, []string{"n0", "n1", "n2"})
	assertEqual(t, "window 0", [6]int64{w0.Start, w0.End, int64(w0.Sends), int64(w0.OK), w0.Recovery, b2i(w0.Stalled)},
		[6]int64{100, 200, 1, 1, 50, 0})
	assertEqual(t, "window 1", [6]int64{w1.Start, w1.End, int64(w1.Sends), int64(w1.OK), w1.Recovery, b2i(w1.Stalled)},
		[6]int64{300, 400, 2, 1, 100, 1})
	if !w0.Ended || !w1.Ended || w0.Kind != WindowPartition {
		t.Fatal("both windows are partitions ended by a stop-partition")
	}
	// After the first heal (200) the next send invoked is process 6's at
	// 310 (ok at 315? no: fail), then the one at 320, ok at 420: 220 ns.
	// Nothing is sent through the minority nodes n3 and n4 afterwards, so
	// their rejoining is not measured.
	assertEqual(t, "after window 0", [2]int64{w0.After, w0.Rejoin}, [2]int64{220, -1})
	if w0.RejoinMeasured || w0.AfterSends != 3 {
		t.Fatalf("window 0 %+v: 3 sends after, none through n3 or n4", w0)
	}
	// After the second heal (400): 420 (process 6's send, invoked before
	// the heal, does not count) -> the send invoked at 500, ok at 510.
	assertEqual(t, "after window 1", [2]int64{w1.After, w1.Rejoin}, [2]int64{110, -1})
	k := rep.Kinds[WindowPartition]
	assertEqual(t, "summary", [4]int64{int64(k.WithMajority), int64(k.Stalled), k.MedianRecovery, k.MaxRecovery},
		[4]int64{2, 1, 75, 100})
	assertEqual(t, "summary after", [4]int64{k.MedianAfter, k.MaxAfter, int64(k.NeverAfter), int64(k.NeverRejoin)},
		[4]int64{165, 220, 0, 0})
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// A window still open at the end of the history lasts until its last
// record; a shape that isolates one node leaves a majority of four.
func TestPartitionWindowOpenAtEnd(t *testing.T) {
	one := map[string][]string{"n2": {"n0", "n1", "n3", "n4"}, "n0": {"n2"}, "n1": {"n2"}, "n3": {"n2"}, "n4": {"n2"}}
	b := newHB()
	b.at(10).nemesis(history.FStartPartition, history.Info, one)
	b.at(20).sendInv(4, "x", 1)
	b.at(25).sendOK(4, "x", 0, 1)
	b.at(60).pollInv(0)
	b.at(70).pollOK(0, polls{"x": pairs(0, 1)})
	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 10}).FaultWindows
	w := rep.Windows[0]
	assertEqual(t, "majority", w.Majority, []string{"n0", "n1", "n3", "n4"})
	if w.End != 70 || w.Ended || w.Recovery != 15 || w.Stalled || w.Sends != 1 || w.After != -1 || w.Rejoin != -1 {
		t.Fatalf("window %+v", w)
	}
	if k := rep.Kinds[WindowPartition]; k.NeverAfter != 0 || k.NeverRejoin != 0 {
		t.Fatalf("a window cut by the end of the history is not counted as never recovered: %+v", k)
	}
}

// A shape with no majority side (two groups of two and one isolated node)
// is reported but not measured; an unreadable grudge is reported too.
func TestPartitionWindowWithoutMajority(t *testing.T) {
	split := map[string][]string{
		"n0": {"n2", "n3", "n4"}, "n1": {"n2", "n3", "n4"},
		"n2": {"n0", "n1", "n4"}, "n3": {"n0", "n1", "n4"},
		"n4": {"n0", "n1", "n2", "n3"},
	}
	b := newHB()
	b.at(10).nemesis(history.FStartPartition, history.Info, split)
	b.at(20).sendInv(0, "x", 1)
	b.at(30).sendOK(0, "x", 0, 1)
	b.at(40).nemesis(history.FStopPartition, history.Info, "network-healed")
	b.at(50).nemesis(history.FStartPartition, history.Info, 42)
	b.at(60).nemesis(history.FStopPartition, history.Info, "network-healed")
	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).FaultWindows
	if len(rep.Windows) != 2 || rep.Kinds[WindowPartition].WithMajority != 0 {
		t.Fatalf("report %+v", rep)
	}
	assertEqual(t, "components", rep.Windows[0].Components, [][]string{{"n0", "n1"}, {"n2", "n3"}, {"n4"}})
	if rep.Windows[0].Majority != nil || rep.Windows[0].Sends != 0 {
		t.Fatalf("window without majority measured: %+v", rep.Windows[0])
	}
	if rep.Windows[1].Error == "" {
		t.Fatal("unreadable grudge not reported")
	}
	// Without nodes and concurrency processes cannot be placed.
	rep = Check(b.h, Options{}).FaultWindows
	if rep.Skipped == "" || len(rep.Windows) != 2 || rep.Kinds[WindowPartition].Windows != 2 {
		t.Fatalf("report %+v", rep)
	}
}

func TestParseGrudgeShapes(t *testing.T) {
	want := map[string][]string{"n0": {"n1"}, "n1": {"n0"}}
	for name, v := range map[string]any{
		"typed":     want,
		"json":      map[string]any{"n0": []any{"n1"}, "n1": []any{"n0"}},
		"str lists": map[string]any{"n0": []string{"n1"}, "n1": []string{"n0"}},
		"other go":  map[string][]any{"n0": {"n1"}, "n1": {"n0"}},
	} {
		got, err := parseGrudge(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertEqual(t, name, got, want)
	}
	for name, v := range map[string]any{
		"entry not a list": map[string]any{"n0": 3},
		"not node names":   map[string]any{"n0": []any{3}},
		"number":           7,
	} {
		if _, err := parseGrudge(v); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if g, err := parseGrudge("majority"); g != nil || err != nil {
		t.Errorf("a shape name is an invocation, not a grudge: %v %v", g, err)
	}
}

func TestNodeOf(t *testing.T) {
	opts := Options{Nodes: fiveNodes, Concurrency: 10}
	// Thread 7 talks to n2; process 17 is thread 7 after one info.
	for p, want := range map[int]string{0: "n0", 7: "n2", 17: "n2", 9: "n4", -1: ""} {
		if got := nodeOf(p, opts); got != want {
			t.Errorf("nodeOf(%d) = %q, want %q", p, got, want)
		}
	}
}

// A kill of two nodes: the three survivors are the majority; sends through
// the killed nodes do not count in the window. After the restart the first
// ok send comes 30 ns later, and both killed nodes serve again by 70 ns.
// Then a kill of three nodes leaves no majority, and the history ends
// before the restart, so that window has no after-figures.
func TestKillWindows(t *testing.T) {
	b := newHB()
	b.at(90).nemesis(history.FKill, history.Info, "minority")
	b.at(100).nemesis(history.FKill, history.Info, []string{"n3", "n4"})
	b.at(110).sendInv(3, "x", 1) // n3: killed, not counted
	b.at(111).sendEnd(3, history.Info, "x", 1, "indeterminate: node was killed")
	b.at(120).sendInv(1, "x", 2) // n1: a survivor
	b.at(160).sendOK(1, "x", 0, 2)
	b.at(190).nemesis(history.FStart, history.Info, "all")
	b.at(200).nemesis(history.FStart, history.Info, jsonRoundTrip(t, []string{"n3", "n4"}))
	b.at(210).sendInv(4, "x", 3) // n4, after the restart
	b.at(270).sendOK(4, "x", 1, 3)
	b.at(215).sendInv(0, "x", 4) // n0
	b.at(230).sendOK(0, "x", 2, 4)
	b.at(240).sendInv(8, "x", 5) // process 8 -> thread 3 -> n3
	b.at(250).sendOK(8, "x", 3, 5)

	b.at(300).nemesis(history.FKill, history.Info, jsonRoundTrip(t, []string{"n0", "n1", "n2"}))
	b.at(310).sendInv(13, "x", 6) // n3
	b.at(320).sendOK(13, "x", 4, 6)
	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).FaultWindows
	if len(rep.Windows) != 2 {
		t.Fatalf("windows %+v", rep.Windows)
	}
	w0, w1 := rep.Windows[0], rep.Windows[1]
	assertEqual(t, "kinds", []string{w0.Kind, w1.Kind}, []string{WindowKill, WindowKill})
	assertEqual(t, "nodes", w0.Nodes, []string{"n3", "n4"})
	assertEqual(t, "majority", w0.Majority, []string{"n0", "n1", "n2"})
	assertEqual(t, "window 0", [8]int64{w0.Start, w0.End, int64(w0.Sends), int64(w0.OK), w0.Recovery, b2i(w0.Stalled), w0.After, w0.Rejoin},
		[8]int64{100, 200, 1, 1, 60, 0, 30, 70})
	if !w0.Ended || w1.Ended || w1.Majority != nil || w1.Sends != 0 || w1.After != -1 || w1.End != 320 {
		t.Fatalf("second window %+v: no majority, cut by the end", w1)
	}
	k := rep.Kinds[WindowKill]
	assertEqual(t, "summary", [6]int64{int64(k.Windows), int64(k.WithMajority), k.MedianRecovery, k.MedianAfter, k.MaxRejoin, int64(k.NeverRejoin)},
		[6]int64{2, 1, 60, 30, 70, 0})
}

// Pause windows stand beside partition windows: they overlap, and each is
// measured with the faults that last all of it. The pause of n0 falls
// inside a partition that cut off n3 and n4, so only n1 and n2 could
// serve during it: no majority, not a stall (Shadowed). The partition
// outlasts the pause, so it keeps its majority side and is measured on
// its own: its only send completes after the heal, a stall. A killed
// node that never serves again after its restart counts as never
// rejoined.
func TestOverlappingPauseAndPartitionAndNeverRejoin(t *testing.T) {
	b := newHB()
	b.at(100).nemesis(history.FStartPartition, history.Info, majorityGrudge()) // n3 n4 cut off
	b.at(110).nemesis(history.FPause, history.Info, []string{"n0"})
	b.at(120).sendInv(1, "x", 1) // n1: majority of both windows
	b.at(300).sendOK(1, "x", 0, 1)
	b.at(200).nemesis(history.FResume, history.Info, []string{"n0"})
	b.at(250).nemesis(history.FStopPartition, history.Info, "network-healed")
	b.at(260).sendInv(0, "x", 2) // n0
	b.at(280).sendOK(0, "x", 1, 2)
	b.at(400).nemesis(history.FKill, history.Info, []string{"n2"})
	b.at(500).nemesis(history.FStart, history.Info, []string{"n2"})
	b.at(510).sendInv(1, "x", 3) // n1 fine; n2 never answers again
	b.at(520).sendOK(1, "x", 2, 3)
	b.at(530).sendInv(2, "x", 4)
	b.at(600).sendEnd(2, history.Info, "x", 4, "net-timeout")
	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).FaultWindows
	if len(rep.Windows) != 3 {
		t.Fatalf("windows %+v", rep.Windows)
	}
	part, pause, kill := rep.Windows[0], rep.Windows[1], rep.Windows[2]
	assertEqual(t, "kinds", []string{part.Kind, pause.Kind, kill.Kind}, []string{WindowPartition, WindowPause, WindowKill})
	if pause.Majority != nil || !pause.Shadowed || pause.Stalled || pause.Sends != 0 {
		t.Fatalf("pause window %+v: n0 paused, n3 and n4 cut off all along: no majority", pause)
	}
	assertEqual(t, "partition majority", part.Majority, []string{"n0", "n1", "n2"})
	// After the resume (200): the first send invoked later is n0's at 260,
	// ok at 280; n0 itself is back then too.
	assertEqual(t, "pause after", [2]int64{pause.After, pause.Rejoin}, [2]int64{80, 80})
	if !part.Stalled || part.End != 250 {
		t.Fatalf("partition window %+v", part)
	}
	assertEqual(t, "kill after", [2]int64{kill.After, kill.Rejoin}, [2]int64{20, -1})
	if !kill.RejoinMeasured {
		t.Fatal("n2 was sent a send after its restart: its rejoining is measured")
	}
	if k := rep.Kinds[WindowKill]; k.NeverRejoin != 1 || k.NeverAfter != 0 {
		t.Fatalf("kill summary %+v", k)
	}
	sum := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).Summary()
	for _, want := range []string{"partitions: 1 window", "pauses: 1 window, 0 with a majority running, 0 stalled", "kills: 1 window", "after each restart", "(1 never)",
		"1 partition 0.000-0.000 s [[n0 n1 n2] [n3 n4]]: 1 sent, 1 ok, STALLED; after: first ok 0.000 s",
		"2 pause 0.000-0.000 s [n0]: no majority (with the other faults lasting all of it)", "3 kill 0.000-0.000 s [n2]: 0 sent, 0 ok, STALLED; after: first ok 0.000 s, some affected node NEVER served again"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

// A second kill before the restart ends the first window there (not
// ended); an unreadable node list is reported; invocations (spec strings)
// open nothing.
func TestKillWindowEdgeCases(t *testing.T) {
	b := newHB()
	b.at(10).nemesis(history.FKill, history.Info, "one")
	b.at(11).nemesis(history.FKill, history.Info, []string{"n1"})
	b.at(20).nemesis(history.FKill, history.Info, []any{"n2"})
	b.at(30).nemesis(history.FPause, history.Info, []any{7})
	b.at(40).nemesis(history.FStart, history.Info, "all")
	b.at(50).nemesis(history.FStart, history.Info, nil)
	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).FaultWindows
	if len(rep.Windows) != 3 {
		t.Fatalf("windows %+v", rep.Windows)
	}
	w0, w1, w2 := rep.Windows[0], rep.Windows[1], rep.Windows[2]
	if w0.End != 20 || w0.Ended || w1.Start != 20 || w1.End != 50 || !w1.Ended {
		t.Fatalf("kill windows %+v %+v", w0, w1)
	}
	assertEqual(t, "second kill", w1.Nodes, []string{"n2"})
	if w2.Kind != WindowPause || w2.Error == "" {
		t.Fatalf("unreadable pause value not reported: %+v", w2)
	}
}

// A window after which nothing is sent at all (the last one before the
// final phase, which only polls) is not counted as never recovering.
func TestWindowWithNothingAfterIsUnmeasured(t *testing.T) {
	b := newHB()
	b.at(10).nemesis(history.FKill, history.Info, []string{"n1"})
	b.at(20).sendInv(0, "x", 1)
	b.at(25).sendOK(0, "x", 0, 1)
	b.at(30).nemesis(history.FStart, history.Info, []string{"n1"})
	b.at(40).pollInv(0)
	b.at(45).pollOK(0, polls{"x": pairs(0, 1)})
	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).FaultWindows
	w := rep.Windows[0]
	if w.AfterSends != 0 || w.After != -1 || w.RejoinMeasured {
		t.Fatalf("window %+v", w)
	}
	if k := rep.Kinds[WindowKill]; k.NeverAfter != 0 || k.NeverRejoin != 0 {
		t.Fatalf("summary %+v: an unmeasured window is not a never", k)
	}
	if sum := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).Summary(); strings.Contains(sum, "never") {
		t.Fatalf("summary says never:\n%s", sum)
	}
}

// Faults of other kinds that last a whole window count in it (the
// README's partition,kill,pause run): a partition whose majority side
// {n0 n2 n4} has n0 and n2 paused all along has no majority, and is not
// a stall though no send succeeds in it. A kill of every paused node ends
// the pause there: the restarted processes run. A kill of n4 lasting all
// of a partition that cut n4 off narrows nothing that matters: the
// majority side keeps its three nodes.
func TestOverlapsNarrowTheMajority(t *testing.T) {
	split := map[string][]string{ // {n0 n2 n4} | {n1 n3}
		"n0": {"n1", "n3"}, "n2": {"n1", "n3"}, "n4": {"n1", "n3"},
		"n1": {"n0", "n2", "n4"}, "n3": {"n0", "n2", "n4"},
	}
	b := newHB()
	b.at(100).nemesis(history.FPause, history.Info, []string{"n0", "n1", "n2"})
	b.at(110).nemesis(history.FStartPartition, history.Info, split)
	b.at(120).sendInv(4, "x", 1) // n4: on the majority side, alone running
	b.at(400).sendEnd(4, history.Info, "x", 1, "net-timeout")
	b.at(200).nemesis(history.FStopPartition, history.Info, "network-healed")
	b.at(300).nemesis(history.FKill, history.Info, []string{"n0", "n1", "n2", "n3", "n4"})
	b.at(500).nemesis(history.FStart, history.Info, []string{"n0", "n1", "n2", "n3", "n4"})
	b.at(600).nemesis(history.FKill, history.Info, []string{"n4"})
	b.at(610).nemesis(history.FStartPartition, history.Info, majorityGrudge()) // n3 n4 cut off
	b.at(620).sendInv(1, "x", 2)
	b.at(630).sendOK(1, "x", 0, 2)
	b.at(700).nemesis(history.FStopPartition, history.Info, "network-healed")
	b.at(710).nemesis(history.FStart, history.Info, []string{"n4"})
	b.at(720).nemesis(history.FResume, history.Info, []string{"n0", "n1", "n2", "n3", "n4"})
	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).FaultWindows
	if len(rep.Windows) != 5 {
		t.Fatalf("windows %+v", rep.Windows)
	}
	pause, part1, kill1, kill2, part2 := rep.Windows[0], rep.Windows[1], rep.Windows[2], rep.Windows[3], rep.Windows[4]
	assertEqual(t, "kinds", []string{pause.Kind, part1.Kind, kill1.Kind, kill2.Kind, part2.Kind},
		[]string{WindowPause, WindowPartition, WindowKill, WindowKill, WindowPartition})
	if part1.Majority != nil || !part1.Shadowed || part1.Stalled {
		t.Fatalf("first partition %+v: its majority side was mostly paused all along", part1)
	}
	if pause.End != 300 || pause.Ended {
		t.Fatalf("pause %+v: the kill of every paused node ends it at 300, not as a repair", pause)
	}
	assertEqual(t, "second partition majority", part2.Majority, []string{"n0", "n1", "n2"})
	if part2.Shadowed || part2.Stalled || part2.Recovery != 20 {
		t.Fatalf("second partition %+v", part2)
	}
	sum := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).Summary()
	if want := "2 partition 0.000-0.000 s [[n0 n2 n4] [n1 n3]]: no majority (with the other faults lasting all of it)"; !strings.Contains(sum, want) {
		t.Errorf("summary lacks %q:\n%s", want, sum)
	}
	if strings.Contains(sum, "STALLED") {
		t.Errorf("no window stalled:\n%s", sum)
	}
}

// A fault lasts a window if it leaves at most 100 ms and 1% of it
// uncovered: the nemesis applies faults in turn, a millisecond apart.
func TestLastsAllowsTheNemesisSlack(t *testing.T) {
	const ms, s = int64(1e6), int64(1e9)
	win := func(start, end int64) FaultWindow { return FaultWindow{Start: start, End: end} }
	for _, tc := range []struct {
		o, w FaultWindow
		want bool
	}{
		{win(0, 10*s), win(0, 10*s), true},
		{win(ms, 20*s), win(0, 10*s), true},           // a pause 1 ms after the partition
		{win(ms, 20*s), win(0, 50*ms), false},         // 1 ms is over 1% of 50 ms
		{win(200*ms, 200*s), win(0, 100*s), false},    // 200 ms is over the slack
		{win(0, 5*s), win(0, 10*s), false},            // half of it
		{win(20*s, 30*s), win(0, 10*s), false},        // after it
		{win(-s, 10*s-50*ms), win(0, 10*s), true},     // ends 50 ms early
		{win(-s, 10*s-50*ms+ms), win(ms, 10*s), true}, // both ends, 50 ms in all
		{win(60*ms, 10*s-50*ms), win(0, 10*s), false}, // both ends, 110 ms in all
	} {
		if got := lasts(tc.o, tc.w); got != tc.want {
			t.Errorf("fault %d-%d over window %d-%d: lasts %v, want %v", tc.o.Start, tc.o.End, tc.w.Start, tc.w.End, got, tc.want)
		}
	}
}
