package sim

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
// e.g. `go test ./tests/sim -run 'TestRandom$' -seed=123 -v`, or, from any
// directory and across packages, ZABKAFKA_SEED=123.
var (
	flagSeed  = flag.Int64("seed", 0, "replay this one random-run seed (TestRandom); also ZABKAFKA_SEED")
	flagSeeds = flag.Int("seeds", 0, "how many random seeds TestRandom runs (default 1000; ZABKAFKA_SOAK=n for a soak)")
)

// defaultSeeds is how many seeds a plain `go test ./tests/...` runs.
const defaultSeeds = 1000

// seedPlan returns the seeds TestRandom runs.
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
	if testing.Short() && n > 100 {
		n = 100
	}
	seeds := make([]int64, n)
	for i := range seeds {
		seeds[i] = int64(i + 1)
	}
	return seeds
}

// TestRandom runs many seeded random runs (partitions and one-way link
// failures, crashes at any crash point that keep any prefix of the
// unsynced writes, loss, duplication, reordering, messages delivered much
// later and again, snapshots), each checking every invariant as it goes
// and liveness after the heal. A failure
// prints the seed, the command that replays it, the tail of its trace and
// where the whole trace was written.
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
		stats    Result
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
				stats.Proposed += res.Proposed
				stats.Committed += res.Committed
				stats.Crashes += res.Crashes
				if res.Err != nil {
					failures = append(failures, failure{seed, res.Err})
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d seeds in %v: %d proposals accepted, %d committed, %d crashes, %d failing",
		len(seeds), time.Since(start).Round(time.Millisecond), stats.Proposed, stats.Committed, stats.Crashes, len(failures))
	if len(failures) == 0 {
		return
	}
	// Report the lowest failing seeds, each with its replay recipe.
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
	if i := strings.Index(c, ": ["); i > 0 {
		c = c[:i] // drop the per-peer state of liveness failures
	}
	if len(c) > 120 {
		c = c[:120]
	}
	return c
}

var digits = regexp.MustCompile(`0x[0-9a-f]+|[0-9]+`)

// reportFailure replays a failing seed with the whole trace kept, writes
// the trace to a file, and returns the failure report.
func reportFailure(seed int64, err error) string {
	res := Run(seed, DrawPlan(seed), RunOptions{KeepTrace: true})
	var b strings.Builder
	fmt.Fprintf(&b, "\nseed %d FAILED: %v\n", seed, err)
	fmt.Fprintf(&b, "plan: %+v\n", res.Plan)
	fmt.Fprintf(&b, "replay: go test ./tests/sim -run 'TestRandom$' -seed=%d -v   (or ZABKAFKA_SEED=%d go test ./tests/sim -run 'TestRandom$')\n", seed, seed)
	if res.World == nil {
		return b.String()
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("zabkafka-sim-seed-%d.trace", seed))
	if f, ferr := os.Create(path); ferr == nil {
		_ = res.World.Trace.WriteText(f)
		_ = f.Close()
		fmt.Fprintf(&b, "full trace (%d events): %s\n", res.World.Trace.Count(), path)
	}
	evs := res.World.Trace.Events()
	fmt.Fprintf(&b, "last %d events:\n", min(40, len(evs)))
	for _, e := range evs[max(0, len(evs)-40):] {
		fmt.Fprintln(&b, "  "+e.String())
	}
	return b.String()
}

// TestDeterminism runs seeds twice and compares the trace hashes: the same
// seed must replay the same run, event for event.
func TestDeterminism(t *testing.T) {
	for seed := int64(1); seed <= 50; seed++ {
		a := Run(seed, DrawPlan(seed), RunOptions{})
		b := Run(seed, DrawPlan(seed), RunOptions{KeepTrace: true})
		if a.Hash != b.Hash || a.Proposed != b.Proposed || a.Committed != b.Committed || a.World.Trace.Count() != b.World.Trace.Count() {
			t.Errorf("seed %d is not deterministic: hashes %x/%x, events %d/%d, committed %d/%d",
				seed, a.Hash, b.Hash, a.World.Trace.Count(), b.World.Trace.Count(), a.Committed, b.Committed)
		}
	}
}

// TestDifferentSeedsDiffer guards the determinism test against a hash that
// ignores its input.
func TestDifferentSeedsDiffer(t *testing.T) {
	if Run(1, DrawPlan(1), RunOptions{}).Hash == Run(2, DrawPlan(2), RunOptions{}).Hash {
		t.Fatal("seeds 1 and 2 produced the same trace hash")
	}
}
