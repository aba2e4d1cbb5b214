package workbench

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"zabkafka/tests/workbench/kafka"
)

// Maelstrom's defaults (M:core.clj, M:kafka.clj workload, M:nemesis.clj).
const (
	DefaultRate            = 5.0
	DefaultTimeLimit       = 60 * time.Second
	DefaultNemesisInterval = 10 * time.Second
	DefaultRecoveryWait    = 10 * time.Second // M:core.clj (gen/sleep 10)
	DefaultFinalLimit      = 10 * time.Second // M:kafka.clj (gen/time-limit 10)
	DefaultKeyCount        = 10
	DefaultMaxWritesPerKey = 16
)

// Options configure one workbench run of the kafka workload.
type Options struct {
	Bin  string   // node binary
	Args []string // extra arguments for it

	NodeCount   int     // nodes n0..n{N-1}
	Concurrency int     // client threads; thread t talks to node t mod N
	Rate        float64 // client ops per second over all threads; 0: none in the main phase
	TimeLimit   time.Duration

	Latency     time.Duration // mean node<->node latency
	LatencyDist string        // constant | uniform | exponential

	// Nemesis lists the faults to inject (FaultPartition, FaultKill,
	// FaultPause; ParseNemesis reads --nemesis); empty for none.
	Nemesis         []string
	NemesisInterval time.Duration // mean gap between one nemesis package's ops

	KeyCount        int
	MaxWritesPerKey int
	// Leader names the leader for the per-node latency report; "" lets
	// the checker take the node with the fastest sends.
	Leader       string
	Availability string // "", "total" or a fraction: the availability checker's goal

	Seed      int64
	Lenient   bool // keep reading a node's stdout after a bad line
	LogStderr bool // copy node stderr to our stderr

	// StoreRoot is the store folder (./store for the CLI); "" writes no
	// files at all (node logs included).
	StoreRoot string

	// RecoveryWait and FinalLimit shorten the recovery sleep and the final
	// phase's cut-off for tests; zero means Maelstrom's 10 s. They are not
	// CLI flags.
	RecoveryWait time.Duration
	FinalLimit   time.Duration

	// Logf receives the workbench's log lines (nil: discarded).
	Logf func(format string, args ...any)
	// OnProgress, if set, is called about twice a second during the run.
	OnProgress func(Progress)
}

// withDefaults fills in unset durations and counts.
func (o Options) withDefaults() Options {
	if o.NemesisInterval <= 0 {
		o.NemesisInterval = DefaultNemesisInterval
	}
	if o.RecoveryWait <= 0 {
		o.RecoveryWait = DefaultRecoveryWait
	}
	if o.FinalLimit <= 0 {
		o.FinalLimit = DefaultFinalLimit
	}
	if o.KeyCount <= 0 {
		o.KeyCount = DefaultKeyCount
	}
	if o.MaxWritesPerKey <= 0 {
		o.MaxWritesPerKey = DefaultMaxWritesPerKey
	}
	if o.LatencyDist == "" {
		o.LatencyDist = "constant"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

// Validate reports every problem with the options at once.
func (o Options) Validate() error {
	var errs []error
	if o.Bin == "" {
		errs = append(errs, errors.New("a node binary is required (--bin)"))
	}
	if o.NodeCount < 1 {
		errs = append(errs, fmt.Errorf("node count must be at least 1, got %d", o.NodeCount))
	}
	if o.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency must be at least 1, got %d", o.Concurrency))
	}
	if o.Rate < 0 {
		errs = append(errs, fmt.Errorf("rate must not be negative, got %v", o.Rate))
	}
	if o.TimeLimit <= 0 {
		errs = append(errs, fmt.Errorf("time limit must be positive, got %v", o.TimeLimit))
	}
	if o.Latency < 0 {
		errs = append(errs, fmt.Errorf("latency must not be negative, got %v", o.Latency))
	}
	switch o.LatencyDist {
	case "", "constant":
	case "uniform", "exponential":
		if o.Latency <= 0 {
			errs = append(errs, fmt.Errorf("a %s latency distribution needs a positive mean latency (Maelstrom fails the same way)", o.LatencyDist))
		}
	default:
		errs = append(errs, fmt.Errorf("latency distribution must be constant, uniform or exponential, got %q", o.LatencyDist))
	}
	for _, f := range o.Nemesis {
		if !slices.Contains(Faults, f) {
			errs = append(errs, fmt.Errorf("unknown nemesis fault %q: want %s", f, strings.Join(Faults, ", ")))
		}
	}
	if slices.Contains(o.Nemesis, FaultPause) && runtime.GOOS != "linux" {
		errs = append(errs, errors.New("--nemesis pause needs Linux (it stops a node's process group with SIGSTOP)"))
	}
	if o.NemesisInterval < 0 {
		errs = append(errs, fmt.Errorf("nemesis interval must be positive, got %v", o.NemesisInterval))
	}
	if o.KeyCount < 0 || o.MaxWritesPerKey < 0 {
		errs = append(errs, errors.New("key count and max writes per key must be positive"))
	}
	if err := checkAvailability(o.Availability); err != nil {
		errs = append(errs, err)
	}
	if o.Leader != "" && o.NodeCount >= 1 && !slices.Contains(o.nodeIDs(), o.Leader) {
		errs = append(errs, fmt.Errorf("leader %q is not one of the nodes n0..n%d", o.Leader, o.NodeCount-1))
	}
	return errors.Join(errs...)
}

// checkAvailability accepts "", "total" or a number in [0, 1].
func checkAvailability(a string) error {
	if a == "" || a == "total" {
		return nil
	}
	var f float64
	if _, err := fmt.Sscanf(strings.TrimSpace(a), "%g", &f); err != nil || f < 0 || f > 1 {
		return fmt.Errorf("availability must be 'total' or a number between 0 and 1, got %q", a)
	}
	return nil
}

// nodeIDs returns n0..n{N-1} (M:core.clj parse-node-count).
func (o Options) nodeIDs() []string {
	ids := make([]string, o.NodeCount)
	for i := range ids {
		ids[i] = fmt.Sprintf("n%d", i)
	}
	return ids
}

// workloadConfig is the kafka generator's configuration.
func (o Options) workloadConfig() kafka.Config {
	return kafka.Config{KeyCount: o.KeyCount, MaxWritesPerKey: o.MaxWritesPerKey, Concurrency: o.Concurrency}
}

// Progress is a snapshot of a run for the progress line.
type Progress struct {
	Phase     string        // "main", "drain", "recovery", "final", "final-drain"
	Elapsed   time.Duration // since the main phase began
	TimeLimit time.Duration
	OK        int // client completions so far, by type
	Info      int
	Fail      int
	Partition string   // the current partition's shape, "" when healed
	Down      []string // nodes the nemesis killed and has not restarted yet
	Paused    []string // nodes the nemesis paused and has not resumed yet
}
