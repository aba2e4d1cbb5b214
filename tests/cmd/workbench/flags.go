package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"zabkafka/tests/workbench"
)

// argList collects --args values: each is split on whitespace and appended,
// so both `--args "-v --data-dir x"` and repeated --args work.
type argList []string

// String implements flag.Value.
func (a *argList) String() string { return strings.Join(*a, " ") }

// Set implements flag.Value.
func (a *argList) Set(s string) error {
	*a = append(*a, strings.Fields(s)...)
	return nil
}

// concurrency is --concurrency: an integer, or "Kn" meaning K times the
// node count (J:jepsen/src/jepsen/cli.clj parse-concurrency).
type concurrency struct {
	n       int
	perNode bool
}

// String implements flag.Value.
func (c *concurrency) String() string {
	if c.perNode {
		return fmt.Sprintf("%dn", c.n)
	}
	return strconv.Itoa(c.n)
}

// Set implements flag.Value.
func (c *concurrency) Set(s string) error {
	perNode := strings.HasSuffix(s, "n")
	n, err := strconv.Atoi(strings.TrimSuffix(s, "n"))
	if err != nil || n < 1 {
		return fmt.Errorf("want a positive integer or Kn (K times the node count), got %q", s)
	}
	c.n, c.perNode = n, perNode
	return nil
}

// resolve turns the flag into a thread count.
func (c concurrency) resolve(nodes int) int {
	if c.perNode {
		return c.n * nodes
	}
	return c.n
}

// usageText introduces the flags in -h output.
const usageText = `usage: workbench test -w kafka --bin PATH [flags] [-- node args...]

Runs Maelstrom's kafka workload against the node binary PATH, in Go.
Exit status: 0 valid, 1 invalid, 2 unknown validity or harness error.

`

// parseTest parses the arguments of the test command into run options.
// Every error is a usage error (exit 2).
func parseTest(args []string, usage io.Writer) (workbench.Options, error) {
	fs := flag.NewFlagSet("workbench test", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.Usage = func() {
		fmt.Fprint(usage, usageText)
		fs.PrintDefaults()
	}
	var (
		o        workbench.Options
		nodeArgs argList
		conc     = concurrency{n: 1, perNode: true}
		wl       = fs.String("workload", "kafka", "workload to run (only kafka)")
		timeLim  = fs.Float64("time-limit", 60, "length of the main phase, in `seconds`")
		latency  = fs.Int("latency", 0, "mean node<->node latency, in `ms`")
		nemesis  = fs.String("nemesis", "", "comma-separated `faults` to inject: partition, kill, pause (kill needs a node that keeps its state on disk, e.g. --args \"--data-dir data\")")
		interval = fs.Float64("nemesis-interval", 10, "mean `seconds` between nemesis operations")
		seed     = fs.String("seed", "", "`seed` for the generator, nemesis and network choices (default: random, printed)")
	)
	fs.StringVar(wl, "w", "kafka", "shorthand for --workload")
	fs.StringVar(&o.Bin, "bin", "", "`path` of the node binary (required)")
	fs.Var(&nodeArgs, "args", "extra `arguments` for the node binary (split on spaces; repeatable)")
	fs.IntVar(&o.NodeCount, "node-count", 5, "number of nodes, n0..n{N-1}")
	fs.Var(&conc, "concurrency", "client threads: an integer, or Kn for K per node")
	fs.Float64Var(&o.Rate, "rate", workbench.DefaultRate, "client operations per `second`, over all threads (0: none)")
	fs.StringVar(&o.LatencyDist, "latency-dist", "constant", "latency distribution: constant, uniform or exponential")
	fs.IntVar(&o.KeyCount, "key-count", workbench.DefaultKeyCount, "number of active keys")
	fs.IntVar(&o.MaxWritesPerKey, "max-writes-per-key", workbench.DefaultMaxWritesPerKey, "messages per key before it is retired")
	fs.StringVar(&o.Availability, "availability", "", "required ok fraction: 'total' or a number in [0,1] (default: none)")
	fs.BoolVar(&o.LogStderr, "log-stderr", false, "copy node stderr to the workbench's stderr")
	fs.BoolVar(&o.Lenient, "lenient", false, "keep reading a node's stdout after a malformed line or a message to an unknown destination")
	fs.StringVar(&o.StoreRoot, "store", "store", "`folder` for results")
	fs.StringVar(&o.Leader, "leader", "", "`node` to report as the leader in the send latency by node (default: the node with the fastest sends)")

	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var errs []error
	if *wl != "kafka" {
		errs = append(errs, fmt.Errorf("unknown workload %q: only kafka is supported", *wl))
	}
	if faults, err := workbench.ParseNemesis(*nemesis); err != nil {
		errs = append(errs, err)
	} else {
		o.Nemesis = faults
	}
	if *timeLim <= 0 || math.IsNaN(*timeLim) || math.IsInf(*timeLim, 0) {
		errs = append(errs, fmt.Errorf("--time-limit must be a positive number of seconds, got %v", *timeLim))
	}
	if *latency < 0 {
		errs = append(errs, fmt.Errorf("--latency must not be negative, got %d", *latency))
	}
	if *interval <= 0 || math.IsNaN(*interval) || math.IsInf(*interval, 0) {
		errs = append(errs, fmt.Errorf("--nemesis-interval must be positive, got %v", *interval))
	}
	if math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0) {
		errs = append(errs, fmt.Errorf("--rate must be a number, got %v", o.Rate))
	}
	if *seed == "" {
		o.Seed = int64(rand.Uint64() >> 1)
	} else if s, err := strconv.ParseInt(*seed, 10, 64); err == nil {
		o.Seed = s
	} else {
		errs = append(errs, fmt.Errorf("--seed must be an integer, got %q", *seed))
	}
	if o.KeyCount < 1 {
		errs = append(errs, fmt.Errorf("--key-count must be positive, got %d", o.KeyCount))
	}
	if o.MaxWritesPerKey < 1 {
		errs = append(errs, fmt.Errorf("--max-writes-per-key must be positive, got %d", o.MaxWritesPerKey))
	}
	o.Args = append([]string(nodeArgs), fs.Args()...)
	o.TimeLimit = time.Duration(*timeLim * float64(time.Second))
	o.Latency = time.Duration(*latency) * time.Millisecond
	o.NemesisInterval = time.Duration(*interval * float64(time.Second))
	o.Concurrency = conc.resolve(o.NodeCount)
	if len(errs) == 0 {
		errs = append(errs, o.Validate())
	}
	return o, errors.Join(errs...)
}
