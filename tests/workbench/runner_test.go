package workbench

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/net"
)

// quickOptions are short-run options for runner tests.
func quickOptions(seed int64) Options {
	return Options{
		Bin: "fake", NodeCount: 2, Concurrency: 4, Rate: 2000,
		TimeLimit: 300 * time.Millisecond, Nemesis: []string{FaultPartition}, NemesisInterval: 40 * time.Millisecond,
		Seed: seed, RecoveryWait: 10 * time.Millisecond, FinalLimit: 500 * time.Millisecond,
	}.withDefaults()
}

// runFake runs the runner against a fake network.
func runFake(t *testing.T, opts Options, f *fakeNet, rpcTimeout time.Duration) history.History {
	t.Helper()
	t.Logf("seed %d", opts.Seed)
	r := newRunner(context.Background(), opts, f)
	if rpcTimeout > 0 {
		r.rpcTimeout = rpcTimeout
	}
	h, err := r.run()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return h
}

// checkWellFormed asserts the invariants of any history the runner writes:
// dense indices, monotonic times, at most one op in flight per process,
// completions matching their invocation, process p on thread p mod C, and
// a new process (p + C) after each info completion only.
func checkWellFormed(t *testing.T, h history.History, concurrency int) {
	t.Helper()
	inflight := map[int]*history.Op{}
	threadProc := map[int]int{}
	for i := range h {
		op := &h[i]
		if op.Index != i {
			t.Fatalf("op %d has index %d", i, op.Index)
		}
		if i > 0 && op.Time < h[i-1].Time {
			t.Fatalf("time goes back at op %d", i)
		}
		if !op.IsClient() {
			continue
		}
		thread := op.Process % concurrency
		if op.Type == history.Invoke {
			if inflight[op.Process] != nil {
				t.Fatalf("op %d: process %d invoked twice", i, op.Process)
			}
			if p, ok := threadProc[thread]; ok && p != op.Process {
				t.Fatalf("op %d: thread %d moved from process %d to %d without an info completion", i, thread, p, op.Process)
			}
			threadProc[thread] = op.Process
			inflight[op.Process] = op
			continue
		}
		inv := inflight[op.Process]
		if inv == nil || inv.F != op.F || inv.FinalPhase != op.FinalPhase {
			t.Fatalf("op %d: completion %+v does not match invocation %+v", i, op, inv)
		}
		delete(inflight, op.Process)
		if op.Type == history.Info {
			threadProc[thread] = op.Process + concurrency
		}
	}
	if len(inflight) != 0 {
		t.Fatalf("ops never completed: %v", inflight)
	}
}

func TestRunnerHistoryShape(t *testing.T) {
	opts := quickOptions(time.Now().UnixNano())
	f := newFakeNet()
	h := runFake(t, opts, f, 0)
	checkWellFormed(t, h, opts.Concurrency)

	// The main phase: no invocation at or after first-record + time-limit.
	start := time.Duration(h[0].Time)
	var mainInvokes int
	for _, op := range h {
		if op.IsClient() && op.Type == history.Invoke && !op.FinalPhase {
			mainInvokes++
			if time.Duration(op.Time) >= start+opts.TimeLimit {
				t.Fatalf("main-phase op invoked at %v, after the cut-off %v", time.Duration(op.Time), start+opts.TimeLimit)
			}
		}
	}
	if mainInvokes < 10 {
		t.Fatalf("only %d main-phase ops", mainInvokes)
	}

	// Nemesis: start/stop alternate, starting with a start; each op is an
	// info invocation then an info completion with the documented values;
	// the last one (before the final phase) heals.
	var nem []history.Op
	for _, op := range h {
		if !op.IsClient() {
			nem = append(nem, op)
		}
	}
	if len(nem) < 4 || len(nem)%2 != 0 {
		t.Fatalf("%d nemesis records", len(nem))
	}
	for i := 0; i < len(nem); i += 2 {
		inv, done := nem[i], nem[i+1]
		// The main phase alternates, starting with a start; the final
		// generator's stop comes last whatever preceded it.
		wantStart := (i/2)%2 == 0 && i+2 < len(nem)
		if inv.Type != history.Info || done.Type != history.Info || inv.F != done.F {
			t.Fatalf("nemesis pair %d: %+v / %+v", i/2, inv, done)
		}
		if wantStart {
			shape, _ := inv.Value.(string)
			if inv.F != history.FStartPartition || !slices.Contains(net.PartitionShapes, shape) {
				t.Fatalf("nemesis pair %d: want a start with a shape, got %+v", i/2, inv)
			}
			if _, ok := done.Value.(map[string][]string); !ok {
				t.Fatalf("start-partition completion value %T, want the grudge", done.Value)
			}
		} else if inv.F != history.FStopPartition || inv.Value != nil || done.Value != "network-healed" {
			t.Fatalf("nemesis pair %d: want a stop, got %+v / %+v", i/2, inv, done)
		}
	}
	last := nem[len(nem)-1]
	if last.F != history.FStopPartition {
		t.Fatal("the nemesis must heal before the final phase")
	}
	starts, stops := 0, 0
	for i := 0; i < len(nem); i += 2 {
		if nem[i].F == history.FStartPartition {
			starts++
		} else {
			stops++
		}
	}
	if len(f.drops) != starts || f.heals != stops {
		t.Fatalf("network saw %d partitions and %d heals for %d starts and %d stops", len(f.drops), f.heals, starts, stops)
	}
	for _, op := range h {
		if op.FinalPhase && op.Index < last.Index {
			t.Fatal("final-phase op before the final stop-partition")
		}
	}

	// The final phase: per thread crash, then a seek assign of every key
	// seen (sorted numerically), then polls.
	wantKeys := seenKeys(h)
	steps := map[int][]string{}
	for _, op := range h {
		if !op.FinalPhase || op.Type != history.Invoke {
			continue
		}
		th := op.Process % opts.Concurrency
		steps[th] = append(steps[th], op.F)
		if op.F == history.FAssign && !slices.Equal(op.Keys, wantKeys) {
			t.Fatalf("final assign keys %v, want %v", op.Keys, wantKeys)
		}
	}
	if len(steps) != opts.Concurrency {
		t.Fatalf("final ops on %d threads, want %d", len(steps), opts.Concurrency)
	}
	for th, fs := range steps {
		if len(fs) < 3 || fs[0] != history.FCrash || fs[1] != history.FAssign {
			t.Fatalf("thread %d final ops %v, want crash, assign, poll...", th, fs)
		}
		for _, f := range fs[2:] {
			if f != history.FPoll {
				t.Fatalf("thread %d final ops %v: only polls after the assign", th, fs)
			}
		}
	}
	// One client per process, opened on the process's first op.
	procs := map[int]bool{}
	for _, op := range h {
		if op.IsClient() {
			procs[op.Process] = true
		}
	}
	if f.opened != len(procs) || f.closed != f.opened {
		t.Fatalf("opened %d clients, closed %d, for %d processes", f.opened, f.closed, len(procs))
	}
}

// seenKeys returns, numerically sorted, every key an ok completion outside
// the final phase showed: the final phase's target keys.
func seenKeys(h history.History) []string {
	set := map[int64]bool{}
	for _, op := range h {
		if op.Type != history.OK || op.FinalPhase {
			continue
		}
		if op.F == history.FSend {
			k, _ := strconv.ParseInt(op.Key, 10, 64)
			set[k] = true
		}
		for key := range op.Polls {
			k, _ := strconv.ParseInt(key, 10, 64)
			set[k] = true
		}
	}
	out := []string{}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		out = append(out, strconv.FormatInt(k, 10))
	}
	return out
}

// TestRunnerLateCompletionsFeedTargets: sends that complete after the time
// limit (during the drain) still count for the final phase's targets
// (J:generator/interpreter.clj run! keeps feeding the main generator).
func TestRunnerLateCompletionsFeedTargets(t *testing.T) {
	opts := quickOptions(7)
	opts.Nemesis = nil
	opts.TimeLimit = 30 * time.Millisecond
	opts.Rate = 500
	f := newFakeNet()
	f.delay = func(body map[string]any) time.Duration {
		if body["type"] == "send" {
			return 150 * time.Millisecond
		}
		return 0
	}
	h := runFake(t, opts, f, 0)
	checkWellFormed(t, h, opts.Concurrency)
	late := 0
	for _, op := range h {
		if op.F == history.FSend && op.Type == history.OK && !op.FinalPhase && op.Time >= int64(opts.TimeLimit)+h[0].Time {
			late++
		}
	}
	if late == 0 {
		t.Fatal("no send completed after the time limit; the test proves nothing")
	}
	var assign *history.Op
	for i := range h {
		if h[i].FinalPhase && h[i].F == history.FAssign {
			assign = &h[i]
			break
		}
	}
	if assign == nil {
		t.Fatal("no final assign")
	}
	if want := seenKeys(h); !slices.Equal(assign.Keys, want) {
		t.Fatalf("final assign %v, want every key acknowledged, late ones included: %v", assign.Keys, want)
	}
}

// TestRunnerTimeoutsRenewProcess: polls that time out are info
// net-timeout, and the thread continues as a new process with a new client.
func TestRunnerTimeoutsRenewProcess(t *testing.T) {
	opts := quickOptions(11)
	opts.Nemesis = nil
	opts.TimeLimit = 200 * time.Millisecond
	f := newFakeNet()
	f.delay = func(body map[string]any) time.Duration {
		if body["type"] == "poll" {
			return -1 // never answered
		}
		return 0
	}
	h := runFake(t, opts, f, 20*time.Millisecond)
	checkWellFormed(t, h, opts.Concurrency)
	timeouts := 0
	for _, op := range h {
		if op.F == history.FPoll && op.Type != history.Invoke {
			if op.Type != history.Info || op.Error != "net-timeout" {
				t.Fatalf("poll completion %+v, want info net-timeout", op)
			}
			timeouts++
		}
	}
	if timeouts == 0 {
		t.Fatal("no poll timed out")
	}
	if f.opened <= opts.Concurrency {
		t.Fatalf("opened %d clients: each info must lead to a fresh one", f.opened)
	}
}

// TestRunnerRateZero: no client ops in the main phase; the nemesis still
// runs, and with nothing tracked the final phase issues nothing.
func TestRunnerRateZero(t *testing.T) {
	opts := quickOptions(3)
	opts.Rate = 0
	opts.TimeLimit = 100 * time.Millisecond
	h := runFake(t, opts, newFakeNet(), 0)
	for _, op := range h {
		if op.IsClient() {
			t.Fatalf("client op %+v with rate 0", op)
		}
	}
	if len(h) == 0 || h[0].F != history.FStartPartition {
		t.Fatalf("the first nemesis op is a start-partition at once: %v", h)
	}
}

// TestRunnerCancel: cancelling the run stops it promptly, tears the network
// down, and returns the partial history with an error.
func TestRunnerCancel(t *testing.T) {
	opts := quickOptions(5)
	opts.TimeLimit = time.Hour
	f := newFakeNet()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The first request hangs and interrupts the run, as Ctrl-C would.
	f.delay = func(map[string]any) time.Duration { cancel(); return -1 }
	r := newRunner(ctx, opts, f)
	h, err := r.run()
	if err == nil {
		t.Fatal("a cancelled run must return an error")
	}
	select {
	case <-f.stopped:
	default:
		t.Fatal("the network was not stopped")
	}
	if len(h) == 0 {
		t.Fatal("the partial history is lost")
	}
}

func TestDescribeGrudge(t *testing.T) {
	if got := describeGrudge("one", map[string][]string{"n0": {"n1"}, "n1": {"n0"}, "n2": {}}); got != "one: n0 x[n1] n1 x[n0]" {
		t.Fatalf("got %q", got)
	}
	if got := describeGrudge("minority-third", map[string][]string{}); got != "minority-third (no-op)" {
		t.Fatalf("got %q", got)
	}
}
