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
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"zabkafka/node"
)

func main() {
	// Before anything can log: the maelstrom library writes a line per
	// message through the standard logger (Maelstrom's demo/go/node.go).
	log.SetOutput(io.Discard)

	cfg := node.DefaultConfig()
	fs := flag.NewFlagSet("zabkafka", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	profDir := fs.String("cpuprofile", "", "write a CPU profile to `dir`/zabkafka-<pid>.pprof (Maelstrom kills nodes with SIGKILL, so it is written after --cpuprofile-for)")
	profFor := fs.Duration("cpuprofile-for", 30*time.Second, "how long to profile from the start")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "zabkafka:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *profDir != "" {
		stopProfile, err := startProfile(*profDir, *profFor)
		if err != nil {
			fmt.Fprintln(os.Stderr, "zabkafka:", err)
			os.Exit(2)
		}
		defer stopProfile()
	}
	growStdoutPipe()
	if err := node.Run(ctx, cfg, os.Stdin, os.Stdout, os.Stderr); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "zabkafka:", err)
		os.Exit(1)
	}
}

// startProfile profiles the process's CPU into dir for at most d, and
// returns the function that ends the profile early. The profile is
// complete only once it ends: a node killed before is lost.
func startProfile(dir string, d time.Duration) (func(), error) {
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("zabkafka-%d.pprof", os.Getpid())))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		select {
		case <-time.After(d):
		case <-done:
		}
		pprof.StopCPUProfile()
		f.Close()
		close(stopped)
	}()
	return func() { close(done); <-stopped }, nil
}
