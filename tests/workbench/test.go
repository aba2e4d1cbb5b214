package workbench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"zabkafka/tests/workbench/checker"
	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/net"
	"zabkafka/tests/workbench/output"
	"zabkafka/tests/workbench/schedule"
)

// Report is everything a finished run produced.
type Report struct {
	Options Options
	History history.History
	// Faults are what the network recorded: stdout lines that stopped the
	// reading of a node (the harsh rule, M:process.clj stdout-thread) and
	// node crashes. Their
	// Time is converted to run time (since the main phase began).
	Faults  []net.Fault
	Crashed []string
	// StaleReplies counts, per node, the replies it sent to clients that
	// had given up while it was killed or paused (net.Cluster.StaleReplies).
	StaleReplies map[string]int64
	// NodeCPU is the user and system CPU time of all node processes.
	NodeCPU time.Duration
	Counts  net.NetCounts
	Check   checker.Result
	// Valid is the run's verdict: the checker's, made at best Unknown by
	// the notes below.
	Valid checker.Validity
	// Notes say why the workbench lowered the checker's verdict (a node
	// crashed; a poll returned a message the history cannot hold), or
	// explain it (no client operation succeeded).
	Notes []string
	// StoreDir is the run's folder ("" when no store was written).
	StoreDir string
}

// ExitCode is the CLI's exit status for this report: 0 valid, 1 invalid,
// 2 unknown (J:jepsen/src/jepsen/cli.clj).
func (r *Report) ExitCode() int {
	switch r.Valid {
	case checker.Valid:
		return 0
	case checker.Invalid:
		return 1
	}
	return 2
}

// Test runs the kafka workload end to end: store folder, network and nodes,
// phases, teardown, analysis, output files. An error means the harness could
// not produce a verdict (bad options, a node that would not start,
// interruption); a partial history is still saved when there is one.
func Test(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	var store *output.Store
	if opts.StoreRoot != "" {
		s, err := output.NewStore(opts.StoreRoot, "kafka", time.Now())
		if err != nil {
			return nil, err
		}
		store = s
	}
	rep := &Report{Options: opts}
	if store != nil {
		rep.StoreDir = store.Dir
	}
	logDir, workDir := "", ""
	if store != nil {
		logDir = store.NodeLogDir()
		workDir = store.Dir // node n0 runs in <run folder>/n0
	}

	clusterStart := time.Now()
	cluster, err := net.Start(ctx, net.Config{
		NodeIDs:   opts.nodeIDs(),
		Bin:       opts.Bin,
		Args:      opts.Args,
		Latency:   opts.Latency,
		Dist:      opts.LatencyDist,
		Seed:      schedule.Seed(opts.Seed, schedule.Network),
		LogDir:    logDir,
		WorkDir:   workDir,
		LogStderr: opts.LogStderr,
		Lenient:   opts.Lenient,
		Logf:      opts.Logf,
	})
	if err != nil {
		return rep, fmt.Errorf("starting the nodes: %w", err)
	}
	defer cluster.Stop()

	r := newRunner(ctx, opts, clusterNetwork{cluster})
	h, runErr := r.run()
	// Teardown comes after the history is complete and before analysis
	// (J:jepsen/src/jepsen/core.clj run!).
	stopErr := cluster.Stop()
	rep.History = h
	rep.Counts = cluster.Counts()
	rep.Crashed = cluster.Crashed()
	rep.StaleReplies = cluster.StaleReplies()
	rep.NodeCPU = cluster.NodeCPU()
	rep.Faults = shiftFaults(cluster.Faults(), r.origin.Sub(clusterStart))
	if runErr != nil {
		if store != nil {
			_ = store.WriteHistory(h)
		}
		return rep, runErr
	}
	if stopErr != nil {
		opts.Logf("teardown: %v", stopErr)
	}

	rep.judge(r.unrepresentable)
	if store != nil {
		if err := writeStore(store, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// judge runs the checker over the report's history and sets the verdict:
// the checker's, lowered to at best Unknown when a node crashed (Maelstrom
// would abort without a verdict) or when polls returned messages the
// history cannot hold (Jepsen's analysis would throw).
func (rep *Report) judge(unrepresentable int) {
	opts := rep.Options
	counts := checker.NetCounts{
		All:     checker.NetCount(rep.Counts.All),
		Clients: checker.NetCount(rep.Counts.Clients),
		Servers: checker.NetCount(rep.Counts.Servers),
	}
	rep.Check = checker.Check(rep.History, checker.Options{
		Nodes:        opts.nodeIDs(),
		Concurrency:  opts.Concurrency,
		Availability: opts.Availability,
		Net:          &counts,
		HopLatency:   checker.HopLatencyOf(opts.Latency, opts.LatencyDist),
		Leader:       opts.Leader,
	})
	rep.Valid = rep.Check.Valid
	if len(rep.Crashed) > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("node(s) %v crashed or failed to restart during the run: Maelstrom would abort without a verdict", rep.Crashed))
	}
	if rep.Check.Stats.Count > 0 && rep.Check.Stats.OKCount == 0 {
		// The verdict is already invalid (stats), as Jepsen's would be;
		// the note keeps the reader from hunting for an anomaly.
		rep.Notes = append(rep.Notes, "no client operation succeeded (every node down, paused or cut off for the whole run?): the invalid stats and any empty-transaction-graph come from that, not from an anomaly; see the fault windows")
	}
	if unrepresentable > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d poll(s) returned non-integer messages, which no send wrote: Jepsen's analysis would fail (no writer of a read value)", unrepresentable))
	}
	if len(rep.Notes) > 0 {
		rep.Valid = checker.Merge(rep.Valid, checker.Unknown)
	}
}

// shiftFaults converts fault times from "since the cluster started" to run
// time, by the gap between the two origins.
func shiftFaults(faults []net.Fault, gap time.Duration) []net.Fault {
	out := make([]net.Fault, len(faults))
	for i, f := range faults {
		f.Time -= gap
		out[i] = f
	}
	return out
}

// writeStore writes every output file of a finished run.
func writeStore(s *output.Store, rep *Report) error {
	var errs []error
	errs = append(errs, s.WriteHistory(rep.History))
	errs = append(errs, writeResults(s.Path("results.json"), rep))
	lags := make([]output.LagPoint, len(rep.Check.Series.RealtimeLag))
	for i, l := range rep.Check.Series.RealtimeLag {
		lags[i] = output.LagPoint{Time: float64(l.Time) / 1e9, Lag: float64(l.Lag) / 1e9}
	}
	errs = append(errs, s.WritePlots(rep.History, lags))
	return errors.Join(errs...)
}
