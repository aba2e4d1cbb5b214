// Command workbench is the CLI of zabkafka's Maelstrom-compatible test
// harness: `workbench test -w kafka --bin PATH ...` runs Maelstrom's kafka
// workload against a node binary, prints the results and exits 0 (valid),
// 1 (invalid) or 2 (unknown validity, bad flags, harness error, Ctrl-C).
// See tests/workbench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"zabkafka/tests/workbench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr))
	stop()
	os.Exit(code)
}

// run is the whole CLI, minus the process: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, tty bool) int {
	if len(args) == 0 || args[0] != "test" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, usageText)
			return 0
		}
		fmt.Fprintf(stderr, "workbench: expected the command \"test\" (e.g. workbench test -w kafka --bin ./node)\n")
		return 2
	}
	opts, err := parseTest(args[1:], stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "workbench: %v\n", err)
		return 2
	}
	con := newConsole(stderr, tty && !opts.LogStderr)
	opts.Logf = con.Logf
	opts.OnProgress = con.Progress
	con.Logf("seed %d (replay with --seed %d)", opts.Seed, opts.Seed)

	rep, err := workbench.Test(ctx, opts)
	con.Done()
	if err != nil {
		fmt.Fprintf(stderr, "workbench: %v\n", err)
		if rep != nil && rep.StoreDir != "" {
			fmt.Fprintf(stderr, "workbench: partial results in %s\n", rep.StoreDir)
		}
		return 2
	}
	fmt.Fprint(stdout, rep.Summary())
	return rep.ExitCode()
}
