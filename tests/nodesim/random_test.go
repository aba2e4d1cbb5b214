package nodesim

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Replaying: a failing seed prints the command that replays it alone,
// e.g. `go test ./tests/nodesim -run 'TestRandom$' -seed=123 -v`, or,
// from any directory, ZABKAFKA_SEED=123.
var (
	flagSeed  = flag.Int64("seed", 0, "replay this one random-run seed (TestRandom); also ZABKAFKA_SEED")
	flagSeeds = flag.Int("seeds", 0, "how many random seeds TestRandom runs (default 300; ZABKAFKA_SOAK=n for a soak)")
)

// defaultSeeds is how many seeds a plain `go test ./tests/...` runs.
const defaultSeeds = 300

// seedPlan returns the seeds TestRandom runs: 1 to n, or from
// ZABKAFKA_SOAK_FROM on, to soak seeds no earlier run tried.
func seedPlan(t *testing.T) []int64 {
	single := *flagSeed
	if s := os.Getenv("ZABKAFKA_SEED"); s != "" && single == 0 {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("ZABKAFKA_SEED=%q: %v", s, err)
		}
		single = v
	}
	if single != 0 {
		return []int64{single}
	}
	n := defaultSeeds
	if *flagSeeds > 0 {
		n = *flagSeeds
	} else if s := os.Getenv("ZABKAFKA_SOAK"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			t.Fatalf("ZABKAFKA_SOAK=%q: want a positive count", s)
		}
		n = v
	}
	if testing.Short() && n > 50 {
		n = 50
	}
	first := int64(1)
	if s := os.Getenv("ZABKAFKA_SOAK_FROM"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 {
			t.Fatalf("ZABKAFKA_SOAK_FROM=%q: want a positive seed", s)
		}
		first = v
	}
	seeds := make([]int64, n)
	for i := range seeds {
		seeds[i] = first + int64(i)
	}
	return seeds
}

// TestRandom runs many seeded whole-node runs: real node Servers under
// partitions, one-way link failures, loss, duplication, reordering,
// copies delivered much later, process crashes between steps and at any
// write to the log (keeping any prefix of the unsynced writes), with
// Maelstrom's kafka workload. Each history must pass the kafka checker,
// the disks the invariant checker, the final phase and the convergence
// probe must finish. A failure prints the seed, the command that replays
// it, and where its history and trace were written.
func TestRandom(t *testing.T) {
	seeds := seedPlan(t)
	start := time.Now()
	type failure struct {
		seed int64
		err  error
	}
	var (
		mu       sync.Mutex
		failures []failure
		total    Stats
		events   int
		simTime  time.Duration
		next     int
	)
	workers := min(runtime.GOMAXPROCS(0), len(seeds))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next == len(seeds) {
					mu.Unlock()
					return
				}
				seed := seeds[next]
				next++
				mu.Unlock()
				res := Run(seed, DrawPlan(seed), RunOptions{})
				mu.Lock()
				total.add(res.Stats)
				events += res.Events
				simTime += res.End
				if res.Err != nil {
					failures = append(failures, failure{seed, res.Err})
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d seeds in %v (%v simulated): %d client operations checked (%d ok, %d info, %d fail); %d client threads did not finish the final phase; %d runs with nothing to judge (no ok send, no polled message)",
		len(seeds), time.Since(start).Round(time.Millisecond), simTime.Round(time.Second), total.Ops, total.OK, total.Info, total.Fail, total.FinalUnfinished, total.Unjudged)
	t.Logf("faults: %d partitions, %d one-way cuts, %d kills, %d crashes at a log write (unsynced writes: %d kept, %d lost, %d torn), %d restarts, %d pauses, %d late releases, %d SNAP syncs, %d stale replies; "+
		"node-to-node lines: %d sent, %d dropped, %d duplicated, %d late-only, %d late copies replayed; client lines: %d sent, %d dropped, %d late; %d trace events; %d failing",
		total.Partitions, total.OneWay, total.Crashes, total.WriteCrashes, total.UnsyncedKept, total.UnsyncedLost, total.TornRecords, total.Restarts, total.Pauses, total.LateReleases, total.SnapInstalls, total.StaleReplies,
		total.Net.Sent, total.Net.Dropped, total.Net.Duplicated, total.Net.Late, total.Net.Replayed,
		total.Net.ClientSent, total.Net.ClientDropped, total.Net.ClientLate, events, len(failures))
	if len(failures) == 0 {
		return
	}
	slices.SortFunc(failures, func(a, b failure) int { return cmp.Compare(a.seed, b.seed) })
	var seedList []string
	for _, f := range failures {
		seedList = append(seedList, strconv.FormatInt(f.seed, 10))
	}
	t.Errorf("%d of %d seeds failed: %s", len(failures), len(seeds), strings.Join(seedList[:min(len(seedList), 50)], " "))
	classes := map[string][]int64{}
	var order []string
	for _, f := range failures {
		c := failureClass(f.err)
		if classes[c] == nil {
			order = append(order, c)
		}
		classes[c] = append(classes[c], f.seed)
	}
	for _, c := range order {
		t.Errorf("  %5d seeds (first %d): %s", len(classes[c]), classes[c][0], c)
	}
	for _, f := range failures[:min(len(failures), 3)] {
		t.Error(reportFailure(f.seed, f.err))
	}
}

// failureClass groups failures whose messages differ only in numbers.
func failureClass(err error) string {
	c := digits.ReplaceAllString(err.Error(), "N")
	if len(c) > 140 {
		c = c[:140]
	}
	return c
}

var digits = regexp.MustCompile(`e[0-9]+:c[0-9]+|[0-9]+(\.[0-9]+)?`)

// reportFailure replays a failing seed with its whole trace kept, writes
// the history and the trace to files, and returns the report.
func reportFailure(seed int64, err error) string {
	res := Run(seed, DrawPlan(seed), RunOptions{KeepTrace: true})
	var b strings.Builder
	fmt.Fprintf(&b, "\nseed %d FAILED: %v\n", seed, err)
	if res.Err == nil || res.Err.Error() != err.Error() {
		fmt.Fprintf(&b, "(the replay gave %v: the run is not deterministic)\n", res.Err)
	}
	fmt.Fprintf(&b, "plan: %+v\n", res.Plan)
	fmt.Fprintf(&b, "replay: go test ./tests/nodesim -run 'TestRandom$' -seed=%d -v   (or ZABKAFKA_SEED=%d go test ./tests/nodesim -run 'TestRandom$')\n", seed, seed)
	fmt.Fprint(&b, writeArtifacts(res))
	if res.Summary != "" {
		fmt.Fprintf(&b, "checker:\n%s", res.Summary)
	}
	evs := res.Trace.Events()
	fmt.Fprintf(&b, "last %d events:\n", min(40, len(evs)))
	for _, e := range evs[max(0, len(evs)-40):] {
		fmt.Fprintln(&b, "  "+truncate(e.String(), 400))
	}
	return b.String()
}

// writeArtifacts writes a run's history (JSON lines, the workbench's
// format) and its trace (text) to the temporary directory, and says
// where.
func writeArtifacts(res Result) string {
	var b strings.Builder
	base := filepath.Join(os.TempDir(), fmt.Sprintf("zabkafka-nodesim-seed-%d", res.Seed))
	if f, err := os.Create(base + ".history.jsonl"); err == nil {
		_ = res.History.WriteJSONL(f)
		_ = f.Close()
		fmt.Fprintf(&b, "history (%d ops): %s.history.jsonl\n", len(res.History), base)
	}
	if f, err := os.Create(base + ".trace"); err == nil {
		_ = res.Trace.WriteText(f)
		_ = f.Close()
		fmt.Fprintf(&b, "trace (%d events, simulated seconds from 0 to %.3f): %s.trace\n", res.Trace.Count(), res.End.Seconds(), base)
	}
	return b.String()
}

// TestDeterminism runs seeds twice and compares the trace hashes and the
// histories: the same seed must replay the same run, event for event.
func TestDeterminism(t *testing.T) {
	n := int64(20)
	if testing.Short() {
		n = 5
	}
	for seed := int64(1); seed <= n; seed++ {
		a := Run(seed, DrawPlan(seed), RunOptions{})
		b := Run(seed, DrawPlan(seed), RunOptions{KeepTrace: true})
		if a.Hash != b.Hash || a.Events != b.Events || len(a.History) != len(b.History) || a.Stats != b.Stats {
			t.Errorf("seed %d is not deterministic: hashes %x/%x, events %d/%d, history %d/%d ops",
				seed, a.Hash, b.Hash, a.Events, b.Events, len(a.History), len(b.History))
		}
	}
}

// TestDifferentSeedsDiffer guards the determinism test against a hash
// that ignores its input.
func TestDifferentSeedsDiffer(t *testing.T) {
	if Run(1, DrawPlan(1), RunOptions{}).Hash == Run(2, DrawPlan(2), RunOptions{}).Hash {
		t.Fatal("seeds 1 and 2 produced the same trace hash")
	}
}
