package workbench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"zabkafka/tests/workbench/checker"
	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/schedule"
)

// The end-to-end tests build each toy node under testdata/toys and run it
// through the real runner, network and checker with short phases.

var e2eSeed = flag.Int64("e2e-seed", 0, "seed for the end-to-end runs (0: random, printed)")

var (
	toysOnce sync.Once
	toysDir  string
	toysErr  error
)

// toy returns the path of a built toy node, building all of them once.
func toy(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end run skipped in -short mode")
	}
	toysOnce.Do(func() {
		toysDir, toysErr = os.MkdirTemp("", "workbench-toys-")
		if toysErr != nil {
			return
		}
		for _, n := range []string{"single", "lossy", "uncoordinated", "disorder", "g1a", "forward-n0", "hash-shard"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(toysDir, n), "./testdata/toys/"+n).CombinedOutput()
			if err != nil {
				toysErr = fmt.Errorf("building toy %s: %v\n%s", n, err, out)
				return
			}
		}
	})
	if toysErr != nil {
		t.Fatal(toysErr)
	}
	return filepath.Join(toysDir, name)
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if toysDir != "" {
		os.RemoveAll(toysDir)
	}
	os.Exit(code)
}

// runToy runs a toy with short phases: a few seconds of main phase, 300 ms
// of recovery, and a final phase cut after 2 s.
func runToy(t *testing.T, name string, tweak func(*Options)) *Report {
	t.Helper()
	seed := *e2eSeed
	if seed == 0 {
		seed = time.Now().UnixNano() & (1<<62 - 1)
	}
	opts := Options{
		Bin: toy(t, name), NodeCount: 1, Concurrency: 2, Rate: 200, TimeLimit: 3 * time.Second,
		Seed: seed, StoreRoot: t.TempDir(), RecoveryWait: 300 * time.Millisecond, FinalLimit: 2 * time.Second,
		Logf: t.Logf,
	}
	if tweak != nil {
		tweak(&opts)
	}
	t.Logf("toy %s, seed %d (replay with -e2e-seed %d)", name, opts.Seed, opts.Seed)
	rep, err := Test(context.Background(), opts)
	if err != nil {
		t.Fatalf("run failed: %v", err)
	}
	t.Logf("summary:\n%s", rep.Summary())
	if len(rep.Faults) != 0 {
		t.Fatalf("the toy tripped the network's rules: %+v", rep.Faults)
	}
	for _, f := range []string{"history.jsonl", "history.txt", "results.json", "latency.png", "throughput.png", "realtime-lag.png", "node-logs/n0.log"} {
		if _, err := os.Stat(filepath.Join(rep.StoreDir, f)); err != nil {
			t.Errorf("store file missing: %v", err)
		}
	}
	return rep
}

// wantInvalid asserts an invalid verdict naming at least one of the error
// types.
func wantInvalid(t *testing.T, rep *Report, anyOf ...string) {
	t.Helper()
	if rep.Valid != checker.Invalid || rep.ExitCode() != 1 {
		t.Fatalf("verdict %s (exit %d), want invalid", rep.Valid, rep.ExitCode())
	}
	types := rep.Check.Workload.ErrorTypes
	for _, e := range anyOf {
		if slices.Contains(types, e) {
			return
		}
	}
	t.Fatalf("error types %v, want one of %v", types, anyOf)
}

func TestToySingleIsValid(t *testing.T) {
	rep := runToy(t, "single", nil)
	if rep.Valid != checker.Valid || rep.ExitCode() != 0 {
		t.Fatalf("verdict %s, want valid; error types %v", rep.Valid, rep.Check.Workload.ErrorTypes)
	}
	if !strings.HasSuffix(strings.TrimSpace(rep.Summary()), checker.VerdictValid) {
		t.Fatal("the summary must end with the verdict line")
	}
	if rep.Check.Stats.Count < 100 {
		t.Fatalf("only %d ops", rep.Check.Stats.Count)
	}
	if rep.NodeCPU <= 0 {
		t.Fatalf("node CPU not measured: %v", rep.NodeCPU)
	}
}

func TestToyLossyLosesWrites(t *testing.T) {
	wantInvalid(t, runToy(t, "lossy", nil), "lost-write", "unseen")
}

func TestToyUncoordinatedDisagreesOnOffsets(t *testing.T) {
	rep := runToy(t, "uncoordinated", func(o *Options) { o.NodeCount = 2 })
	wantInvalid(t, rep, "inconsistent-offsets", "duplicate")
}

func TestToyDisorderPollsOutOfOrder(t *testing.T) {
	wantInvalid(t, runToy(t, "disorder", nil), "int-nonmonotonic-poll", "nonmonotonic-poll", "poll-skip", "int-poll-skip")
}

func TestToyG1aShowsAbortedRead(t *testing.T) {
	wantInvalid(t, runToy(t, "g1a", nil), "G1a")
}

func TestToyForwardN0IsValidWithoutPartitions(t *testing.T) {
	rep := runToy(t, "forward-n0", func(o *Options) { o.NodeCount = 3; o.Concurrency = 3 })
	if rep.Valid != checker.Valid {
		t.Fatalf("verdict %s, want valid; error types %v", rep.Valid, rep.Check.Workload.ErrorTypes)
	}
}

// The hash-sharded toy, every key on one owner, is a correct kafka
// without faults, and its messages are what the split costs: polls and
// sends through a node that does not own their keys.
func TestToyHashShardIsValid(t *testing.T) {
	rep := runToy(t, "hash-shard", func(o *Options) { o.NodeCount = 3; o.Concurrency = 6 })
	if rep.Valid != checker.Valid {
		t.Fatalf("verdict %s, want valid; error types %v", rep.Valid, rep.Check.Workload.ErrorTypes)
	}
	if l := rep.Check.Workload.WorstRealtimeLag; l != nil && l.Lag > int64(time.Second) {
		t.Fatalf("realtime lag %v: a poll missed messages its owner had", time.Duration(l.Lag))
	}
	if n := rep.Check.Net; n == nil || n.Servers.MsgCount == 0 {
		t.Fatalf("no node-to-node messages: %+v", n)
	}
}

// TestToyForwardN0StallsWithoutN0: on 5 nodes with partitions, every window
// whose majority side lacks n0 acknowledges no send, and the run stays
// valid (unavailability is not an anomaly). The seed is chosen so that the
// first partition, at the very start, cuts n0 off from a majority for at
// least 1.5 s.
func TestToyForwardN0StallsWithoutN0(t *testing.T) {
	const interval = 2 * time.Second
	nodes := fiveNodes
	seed := int64(0)
	for s := int64(1); s < 10000; s++ {
		// The runner's draw order: shape and grudge, then the gap.
		rnd := schedule.Rand(s, schedule.Nemesis)
		_, grudge := drawPartition(rnd, nodes)
		gap := schedule.NewStagger(interval, rnd)
		gap.Fire(0)
		if len(grudge["n0"]) >= 3 && gap.Due(0) >= 1500*time.Millisecond {
			seed = s
			break
		}
	}
	rep := runToy(t, "forward-n0", func(o *Options) {
		o.NodeCount, o.Concurrency, o.Rate = 5, 10, 100
		o.Nemesis, o.NemesisInterval = []string{FaultPartition}, interval
		o.TimeLimit = 4 * time.Second
		o.Seed = seed
	})
	if rep.Valid != checker.Valid {
		t.Fatalf("verdict %s, want valid; error types %v", rep.Valid, rep.Check.Workload.ErrorTypes)
	}
	windows := rep.Check.FaultWindows.Windows
	if len(windows) == 0 {
		t.Fatal("no partition windows")
	}
	first := windows[0]
	if first.Majority == nil || slices.Contains(first.Majority, "n0") || first.Sends == 0 {
		t.Fatalf("first window %+v: want a majority without n0 that tried to send", first)
	}
	for i, w := range windows {
		if w.Majority != nil && !slices.Contains(w.Majority, "n0") && (!w.Stalled || w.OK != 0) {
			t.Fatalf("window %d %+v: a majority without n0 must stall", i, w)
		}
	}
}

// plannedKill is one kill the nemesis schedule will do: when (if every op
// ran at its due time) and which nodes.
type plannedKill struct {
	at    time.Duration
	nodes []string
}

// plannedKills replays the kill nemesis's schedule for a seed: the kills
// among its first ops, with their due times.
func plannedKills(seed int64, nodes []string, interval time.Duration, ops int) []plannedKill {
	s := newNemesisSchedule([]string{FaultKill}, nodes, interval, seed)
	var out []plannedKill
	now := time.Duration(0)
	for range ops {
		now = max(now, s.due(now))
		a := s.next(now)
		if a.F == history.FKill {
			out = append(out, plannedKill{now, a.Nodes})
		}
	}
	return out
}

// killN0Seed returns the first seed whose kill nemesis leaves n0 alone at
// time 0 and kills it with its second kill between 1 s and 3 s, when n0
// has acknowledged sends.
func killN0Seed(t *testing.T, nodes []string, interval time.Duration) int64 {
	t.Helper()
	for s := int64(1); s < 10000; s++ {
		k := plannedKills(s, nodes, interval, 4)
		if !slices.Contains(k[0].nodes, "n0") && slices.Contains(k[1].nodes, "n0") && k[1].at >= time.Second && k[1].at <= 3*time.Second {
			return s
		}
	}
	t.Fatal("no seed kills n0 as wanted")
	return 0
}

// forwardN0UnderKill runs forward-n0 on five nodes under the kill nemesis
// with a seed that kills n0 (its second kill, after a second or more of
// acknowledged sends), checks that the history shows that kill, and
// returns the report.
func forwardN0UnderKill(t *testing.T, args ...string) *Report {
	const interval = time.Second
	seed := killN0Seed(t, fiveNodes, interval)
	rep := runToy(t, "forward-n0", func(o *Options) {
		o.NodeCount, o.Concurrency, o.Rate = 5, 10, 100
		o.Nemesis, o.NemesisInterval = []string{FaultKill}, interval
		o.TimeLimit = 4 * time.Second
		o.Seed = seed
		o.Args = args
	})
	killedN0 := false
	for _, op := range rep.History {
		if nodes, ok := op.Value.([]string); ok && op.F == history.FKill && slices.Contains(nodes, "n0") && op.Time >= int64(time.Second) {
			killedN0 = true
		}
	}
	if !killedN0 {
		t.Fatalf("seed %d: the history shows no kill of n0 after 1 s", seed)
	}
	if len(rep.Crashed) != 0 {
		t.Fatalf("crashed %v: a kill is not a crash", rep.Crashed)
	}
	if _, err := os.Stat(filepath.Join(rep.StoreDir, "n0")); err != nil {
		t.Fatalf("n0's working directory: %v", err)
	}
	if k := rep.Check.FaultWindows.Kinds[checker.WindowKill]; k.Windows < 2 {
		t.Fatalf("kill windows %+v, want at least two", k)
	}
	return rep
}

// TestToyForwardN0LosesWritesWhenKilled: forward-n0 keeps the only log in
// n0's memory, so killing n0 loses acknowledged messages, and the checker
// must say so.
func TestToyForwardN0LosesWritesWhenKilled(t *testing.T) {
	t.Parallel()
	wantInvalid(t, forwardN0UnderKill(t), "lost-write", "unseen")
}

// TestToyForwardN0OnDiskSurvivesKills: the same run with n0's log kept
// under --data-dir (relative: each node's working directory) is valid, the
// restarted n0 found its log in <run folder>/n0/data.
func TestToyForwardN0OnDiskSurvivesKills(t *testing.T) {
	t.Parallel()
	rep := forwardN0UnderKill(t, "--data-dir", "data")
	if rep.Valid != checker.Valid {
		t.Fatalf("verdict %s, want valid; error types %v", rep.Valid, rep.Check.Workload.ErrorTypes)
	}
	if st, err := os.Stat(filepath.Join(rep.StoreDir, "n0", "data", "n0.log")); err != nil || st.Size() == 0 {
		t.Fatalf("n0's on-disk log: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(rep.StoreDir, "node-logs", "n0.log"))
	if err != nil || !strings.Contains(string(b), "=== workbench: restarting: process 2 of n0") {
		t.Fatalf("n0's node log lacks the restart marker: %v\n%s", err, b)
	}
}
