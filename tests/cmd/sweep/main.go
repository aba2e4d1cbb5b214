// Command sweep runs the kafka workload on the workbench for each setting
// that matters to zabkafka's trade-off between messages and latency, and
// for the two toy nodes it is measured against, and writes a table of the
// medians and a plot of server messages per operation against send p50:
//
//	go run ./tests/cmd/sweep                      # 16 nodes, rate 10000, 20 s, 3 runs each
//	go run ./tests/cmd/sweep -only default,hash   # some settings only
//	go run ./tests/cmd/sweep -nodes 5 -rate 500   # another workload
//
// It builds the binaries itself, runs the settings interleaved (one run
// of each, then the next round), so that the machine's load falls on all
// of them alike, and writes the table, the plot and the figures into
// -out; docs/tuning.md shows the run in docs/figures/.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"zabkafka/tests/workbench"
)

func main() {
	var (
		out     = flag.String("out", "store/sweep", "directory for sweep.md, sweep.png and sweep.json")
		repeat  = flag.Int("repeat", 3, "runs of each setting; the table gives their medians")
		nodes   = flag.Int("nodes", 16, "node count")
		rate    = flag.Float64("rate", 10000, "client operations per second")
		limit   = flag.Duration("time-limit", 20*time.Second, "main phase of each run")
		latency = flag.Duration("latency", 0, "node-to-node latency (constant)")
		seed    = flag.Int64("seed", 1, "workbench seed, the same for every run")
		only    = flag.String("only", "", "comma-separated substrings: run only the settings whose name contains one")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *out, *repeat, *nodes, *rate, *limit, *latency, *seed, *only); err != nil {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string, repeat, nodes int, rate float64, limit, latency time.Duration, seed int64, only string) error {
	chosen := pick(settings, only)
	if len(chosen) == 0 {
		return fmt.Errorf("no setting matches %q", only)
	}
	bins, err := os.MkdirTemp("", "zabkafka-sweep-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bins)
	if err := build(bins, chosen); err != nil {
		return err
	}
	workload := fmt.Sprintf("%d nodes, concurrency 2n, rate %g, %v, latency %v, seed %d", nodes, rate, limit, latency, seed)
	runs := make([][]runResult, len(chosen))
	for round := 1; round <= repeat; round++ {
		for i, st := range chosen {
			opts := workbench.Options{
				Bin: filepath.Join(bins, st.Bin), Args: st.Args,
				NodeCount: nodes, Concurrency: 2 * nodes, Rate: rate, TimeLimit: limit,
				Latency: latency, LatencyDist: "constant", Seed: seed,
			}
			start := time.Now()
			rep, err := workbench.Test(ctx, opts)
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", st.Name, round, err)
			}
			r := measure(rep)
			runs[i] = append(runs[i], r)
			fmt.Fprintf(os.Stderr, "round %d/%d %-16s valid=%s ops=%d msgs/op=%.3f send p50=%.1f ms (%v)\n",
				round, repeat, st.Name, r.Valid, r.Ops, r.MsgsPerOp, r.SendP50, time.Since(start).Round(time.Second))
		}
	}
	sums := make([]summary, len(chosen))
	for i, st := range chosen {
		sums[i] = summarise(st, runs[i])
	}
	if err := writeTable(os.Stdout, sums, repeat, workload); err != nil {
		return err
	}
	if err := writeOutputs(out, sums, repeat, workload); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s/sweep.md, sweep.png, sweep.json\n", out)
	return nil
}

// measure takes a run's figures from its report.
func measure(rep *workbench.Report) runResult {
	r := runResult{Valid: rep.Valid.String(), Ops: rep.Check.Stats.Count}
	if n := rep.Check.Net; n != nil && n.Servers.MsgsPerOp != nil {
		r.MsgsPerOp = float64(*n.Servers.MsgsPerOp)
	}
	l := rep.Check.Performance.Latency["send"]
	r.SendP50, r.SendP99 = l.P50, l.P99
	if r.Ops > 0 {
		r.CPUPerOpUS = float64(rep.NodeCPU.Microseconds()) / float64(r.Ops)
	}
	return r
}

// pick returns the settings whose names contain one of the
// comma-separated substrings of only (all of them for "").
func pick(all []setting, only string) []setting {
	if only == "" {
		return all
	}
	var out []setting
	for _, s := range all {
		for _, w := range strings.Split(only, ",") {
			if w = strings.TrimSpace(w); w != "" && strings.Contains(s.Name, w) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// build compiles zabkafka and the toys the settings run into dir.
func build(dir string, chosen []setting) error {
	pkgs := map[string]string{"zabkafka": "./node/cmd/zabkafka"}
	for _, s := range chosen {
		if s.toy() {
			pkgs[s.Bin] = "./tests/workbench/testdata/toys/" + s.Bin
		}
	}
	for name, pkg := range pkgs {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s (run from the repository root): %v\n%s", pkg, err, out)
		}
	}
	return nil
}
