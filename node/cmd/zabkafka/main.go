// Command zabkafka is a node of Jepsen Maelstrom's kafka workload whose
// log is replicated with Zab. Maelstrom starts one process per node and
// talks to it over stdin and stdout; see package zabkafka/node.
//
//	go build -o zabkafka ./node/cmd/zabkafka
//	maelstrom test -w kafka --bin ./zabkafka --node-count 3 --time-limit 20 --rate 1000
//
// Flags tune the timers, batching and durability; -h lists them.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"zabkafka/node"
)

func main() {
	// Before anything can log: the maelstrom library writes a line per
	// message through the standard logger (Maelstrom's demo/go/node.go).
	log.SetOutput(io.Discard)

	cfg := node.DefaultConfig()
	fs := flag.NewFlagSet("zabkafka", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "zabkafka:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := node.Run(ctx, cfg, os.Stdin, os.Stdout, os.Stderr); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "zabkafka:", err)
		os.Exit(1)
	}
}
