package workbench

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"zabkafka/tests/workbench/history"
)

var fiveNodes = []string{"n0", "n1", "n2", "n3", "n4"}

// TestPickNodes: each node spec picks the number of nodes Jepsen's db-nodes
// does, distinct and in node order.
func TestPickNodes(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(uint64(seed), 1))
	want := map[int]map[string]int{
		5: {"one": 1, "minority-third": 1, "minority": 2, "majority": 3, "all": 5},
		3: {"one": 1, "minority-third": 0, "minority": 1, "majority": 2, "all": 3},
		1: {"one": 1, "minority-third": 0, "minority": 0, "majority": 1, "all": 1},
		7: {"one": 1, "minority-third": 2, "minority": 3, "majority": 4, "all": 7},
	}
	for n, sizes := range want {
		nodes := fiveNodes
		if n != 5 {
			nodes = nil
			for i := range n {
				nodes = append(nodes, "n"+string(rune('0'+i)))
			}
		}
		for _, spec := range NodeSpecs {
			sizesSeen := map[int]bool{}
			for range 200 {
				got := pickNodes(spec, nodes, rnd)
				if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
					t.Fatalf("%s of %d: %v not distinct and in order", spec, n, got)
				}
				for _, g := range got {
					if !slices.Contains(nodes, g) {
						t.Fatalf("%s picked unknown node %s", spec, g)
					}
				}
				sizesSeen[len(got)] = true
				if w, fixed := sizes[spec]; fixed && len(got) != w {
					t.Fatalf("%s of %d nodes picked %d, want %d", spec, n, len(got), w)
				}
				if spec == "some" && (len(got) < 1 || len(got) > n) {
					t.Fatalf("some of %d picked %d", n, len(got))
				}
			}
			if spec == "some" && n == 5 && len(sizesSeen) != 5 {
				t.Fatalf("some: sizes seen %v, want every size 1..5", sizesSeen)
			}
		}
	}
}

// drive runs a schedule for k ops, firing each as soon as it is due, and
// returns them.
func drive(s *nemesisSchedule, k int) []nemesisAction {
	var out []nemesisAction
	now := time.Duration(0)
	for len(out) < k {
		if a := s.next(now); a != nil {
			out = append(out, *a)
			continue
		}
		now = s.due(now)
	}
	return out
}

// TestNemesisScheduleKill: kill alone alternates kill (a drawn spec and
// its nodes) and start of every node, and the first kill is due at once;
// the same seed replays the same ops.
func TestNemesisScheduleKill(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	s := newNemesisSchedule([]string{FaultKill}, fiveNodes, time.Second, seed)
	if s.due(0) != 0 {
		t.Fatal("the first nemesis op is due at once (J:generator.clj stagger)")
	}
	ops := drive(s, 40)
	for i, a := range ops {
		if i%2 == 0 {
			if a.F != history.FKill || !slices.Contains(NodeSpecs, a.Spec) || len(a.Nodes) > 5 {
				t.Fatalf("op %d: %+v, want a kill", i, a)
			}
			continue
		}
		if a.F != history.FStart || a.Spec != "all" || !slices.Equal(a.Nodes, fiveNodes) {
			t.Fatalf("op %d: %+v, want a start of every node", i, a)
		}
	}
	again := drive(newNemesisSchedule([]string{FaultKill}, fiveNodes, time.Second, seed), 40)
	for i := range ops {
		if ops[i].F != again[i].F || ops[i].Spec != again[i].Spec || !slices.Equal(ops[i].Nodes, again[i].Nodes) {
			t.Fatalf("op %d does not replay: %+v vs %+v", i, ops[i], again[i])
		}
	}
	if final := s.final(); len(final) != 1 || final[0].F != history.FStart {
		t.Fatalf("final ops %+v, want one start", final)
	}
}

// TestNemesisScheduleCombined: partition,kill,pause runs two streams, the
// partition package's and the process package's, each alternating its own
// fault and repair; the process stream mixes kills and pauses; adding kill
// and pause leaves the partition stream's draws unchanged; the final ops
// heal, resume and restart, in that order.
func TestNemesisScheduleCombined(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	all := newNemesisSchedule([]string{FaultPartition, FaultKill, FaultPause}, fiveNodes, time.Second, seed)
	ops := drive(all, 400)
	var parts []nemesisAction
	next := map[string]string{} // fault or repair f -> what must come next in its flip-flop
	count := map[string]int{}
	for i, a := range ops {
		count[a.F]++
		flip := map[string]string{
			history.FStartPartition: history.FStopPartition, history.FStopPartition: history.FStartPartition,
			history.FKill: history.FStart, history.FStart: history.FKill,
			history.FPause: history.FResume, history.FResume: history.FPause,
		}
		family := map[string]string{
			history.FStartPartition: "p", history.FStopPartition: "p",
			history.FKill: "k", history.FStart: "k", history.FPause: "z", history.FResume: "z",
		}[a.F]
		if want, ok := next[family]; ok && want != a.F {
			t.Fatalf("op %d is %s; its flip-flop wanted %s", i, a.F, want)
		}
		next[family] = flip[a.F]
		if a.F == history.FStartPartition || a.F == history.FStopPartition {
			parts = append(parts, a)
		}
	}
	for _, f := range []string{history.FStartPartition, history.FKill, history.FPause, history.FStart, history.FResume} {
		if count[f] < 20 {
			t.Fatalf("counts %v: every op kind must come up", count)
		}
	}
	only := drive(newNemesisSchedule([]string{FaultPartition}, fiveNodes, time.Second, seed), len(parts))
	for i := range parts {
		if parts[i].F != only[i].F || parts[i].Spec != only[i].Spec {
			t.Fatalf("partition op %d differs when kill and pause are added: %+v vs %+v", i, parts[i], only[i])
		}
	}
	var fs []string
	for _, a := range all.final() {
		fs = append(fs, a.F)
	}
	if !slices.Equal(fs, []string{history.FStopPartition, history.FResume, history.FStart}) {
		t.Fatalf("final ops %v", fs)
	}
}

// TestRunnerKillAndPause runs the runner against the fake network with
// every fault: nemesis ops are info pairs with the documented values, ops
// sent to a killed node fail definitely, and the final ops leave every
// node running.
func TestRunnerKillAndPause(t *testing.T) {
	opts := quickOptions(time.Now().UnixNano())
	opts.Nemesis = []string{FaultPartition, FaultKill, FaultPause}
	opts.NodeCount = 3
	opts.TimeLimit = 500 * time.Millisecond
	f := newFakeNet()
	h := runFake(t, opts, f, 0)
	checkWellFormed(t, h, opts.Concurrency)
	var nem []history.Op
	for _, op := range h {
		if !op.IsClient() {
			nem = append(nem, op)
		}
	}
	kinds := map[string]int{}
	for i := 0; i < len(nem); i += 2 {
		inv, done := nem[i], nem[i+1]
		if inv.F != done.F || inv.Type != history.Info || done.Type != history.Info {
			t.Fatalf("nemesis pair %d: %+v / %+v", i/2, inv, done)
		}
		kinds[inv.F]++
		switch inv.F {
		case history.FKill, history.FPause:
			if spec, _ := inv.Value.(string); !slices.Contains(NodeSpecs, spec) {
				t.Fatalf("%s invocation value %v, want a node spec", inv.F, inv.Value)
			}
			if _, ok := done.Value.([]string); !ok {
				t.Fatalf("%s completion value %T, want the nodes", done.F, done.Value)
			}
		case history.FStart, history.FResume:
			if inv.Value != "all" {
				t.Fatalf("%s invocation value %v", inv.F, inv.Value)
			}
		}
	}
	if kinds[history.FKill] == 0 || kinds[history.FPause] == 0 || kinds[history.FStartPartition] == 0 {
		t.Fatalf("nemesis op counts %v: every fault must come up in half a second at 40 ms intervals", kinds)
	}
	last := nem[len(nem)-6:]
	for i, f := range []string{history.FStopPartition, history.FResume, history.FStart} {
		if last[2*i].F != f {
			t.Fatalf("final nemesis ops %v, want stop-partition, resume, start", last)
		}
	}
	if down, paused := mapKeysTrue(f.down), mapKeysTrue(f.paused); len(down)+len(paused) != 0 {
		t.Fatalf("nodes left down %v or paused %v", down, paused)
	}
	for _, op := range h {
		if op.Error == "node-down" && op.Type != history.Fail {
			t.Fatalf("%+v: a request never sent is a definite failure", op)
		}
	}
}

func mapKeysTrue(m map[string]bool) []string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	return out
}

// TestRunnerNemesisWaitsForRestart: while the nemesis worker is busy with a
// slow restart, client ops go on, and no other nemesis op starts.
func TestRunnerNemesisWaitsForRestart(t *testing.T) {
	opts := quickOptions(21)
	opts.Nemesis = []string{FaultKill}
	opts.TimeLimit = 400 * time.Millisecond
	f := newFakeNet()
	f.restartDelay = 150 * time.Millisecond
	h := runFake(t, opts, f, 0)
	checkWellFormed(t, h, opts.Concurrency)
	var startInv, startDone int64 = -1, -1
	for _, op := range h {
		if op.F == history.FStart && startInv < 0 {
			startInv = op.Time
			continue
		}
		if op.F == history.FStart && startDone < 0 {
			startDone = op.Time
			break
		}
	}
	if startInv < 0 || startDone < startInv+int64(100*time.Millisecond) {
		t.Fatalf("start from %d to %d: the fake restart takes 150 ms", startInv, startDone)
	}
	clientOps, nemesisOps := 0, 0
	for _, op := range h {
		if op.Time <= startInv || op.Time >= startDone {
			continue
		}
		if op.IsClient() {
			clientOps++
		} else {
			nemesisOps++
		}
	}
	if clientOps == 0 || nemesisOps != 0 {
		t.Fatalf("during the restart: %d client records (want some), %d nemesis records (want none)", clientOps, nemesisOps)
	}
}

// TestParseNemesisRejects is the options-level check behind the CLI's.
func TestParseNemesisRejects(t *testing.T) {
	for _, bad := range []string{"crash", "partition,,kill", ",", "kill pause"} {
		if _, err := ParseNemesis(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := (Options{Bin: "x", NodeCount: 1, Concurrency: 1, TimeLimit: time.Second, Nemesis: []string{"crash"}}).Validate(); err == nil {
		t.Error("Validate accepted an unknown fault")
	}
	ctx := context.Background()
	if _, err := Test(ctx, Options{Bin: "x", NodeCount: 1, Concurrency: 1, TimeLimit: time.Second, Nemesis: []string{"crash"}}); err == nil {
		t.Error("Test ran with an unknown fault")
	}
}
