package checker

import (
	"encoding/json"
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

	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).Partitions
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
	if !w0.Healed || !w1.Healed {
		t.Fatal("both windows end with a stop-partition")
	}
	assertEqual(t, "summary", [4]int64{int64(rep.WithMajority), int64(rep.Stalled), rep.MedianRecovery, rep.MaxRecovery},
		[4]int64{2, 1, 75, 100})
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
	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 10}).Partitions
	w := rep.Windows[0]
	assertEqual(t, "majority", w.Majority, []string{"n0", "n1", "n3", "n4"})
	if w.End != 70 || w.Healed || w.Recovery != 15 || w.Stalled || w.Sends != 1 {
		t.Fatalf("window %+v", w)
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
	rep := Check(b.h, Options{Nodes: fiveNodes, Concurrency: 5}).Partitions
	if len(rep.Windows) != 2 || rep.WithMajority != 0 {
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
	rep = Check(b.h, Options{}).Partitions
	if rep.Skipped == "" || len(rep.Windows) != 2 {
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
