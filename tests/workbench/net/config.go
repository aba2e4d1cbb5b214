package net

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// DefaultInitTimeout is how long Start waits for each init_ok (M:db.clj
// setup! passes 10000 ms to rpc!).
const DefaultInitTimeout = 10 * time.Second

// killTimeout bounds the wait for a SIGKILLed node (M:process.clj
// stop-node! waits 5 s).
const killTimeout = 5 * time.Second

// Config of one simulated Maelstrom network and node cluster.
type Config struct {
	NodeIDs []string      // "n0".."n{N-1}"; none may start with "c" or be a service id
	Bin     string        // node binary (made absolute and canonical by Start)
	Args    []string      // extra args for the binary
	Latency time.Duration // mean node<->node and node<->service latency (M:net.clj)
	Dist    string        // "constant" (also ""), "uniform" or "exponential"
	Seed    int64         // seeds latency draws and the services' randomness
	LogDir  string        // node stderr -> LogDir/<node>.log (created if missing; "" keeps no logs)
	// WorkDir holds each node's working directory, WorkDir/<node>,
	// created if missing; a restarted process runs in the same one, so a
	// node that keeps its state in files under a relative path finds it
	// again. "" runs the nodes in a temporary folder Stop removes.
	// (Maelstrom runs every node in java.io.tmpdir.)
	WorkDir   string
	LogStderr bool // also copy node stderr lines to Stderr, prefixed "<node> stderr: "
	Lenient   bool // opt-in: do NOT stop reading a node's stdout after its first bad line

	// Logf is the workbench log sink (may be nil).
	Logf func(format string, args ...any)
	// Stderr receives LogStderr copies; nil means os.Stderr.
	Stderr io.Writer
	// InitTimeout is how long each node has to answer init; zero means
	// DefaultInitTimeout (Maelstrom's 10 s). Tests shorten it.
	InitTimeout time.Duration
}

// resolved is a checked Config with defaults filled in.
type resolved struct {
	Config
	latency latencyModel
}

// resolve checks cfg and fills in defaults.
func resolve(cfg Config) (resolved, error) {
	r := resolved{Config: cfg}
	if len(cfg.NodeIDs) == 0 {
		return r, fmt.Errorf("no node ids")
	}
	seen := map[string]bool{}
	for _, id := range cfg.NodeIDs {
		switch {
		case id == "":
			return r, fmt.Errorf("empty node id")
		case isClient(id):
			return r, fmt.Errorf("node id %q starts with c, which Maelstrom reserves for clients", id)
		case slices.Contains(ServiceIDs, id):
			return r, fmt.Errorf("node id %q is a service id", id)
		case seen[id]:
			return r, fmt.Errorf("node id %q appears twice", id)
		}
		seen[id] = true
	}
	lm, err := newLatencyModel(cfg.Dist, cfg.Latency)
	if err != nil {
		return r, err
	}
	r.latency = lm
	if cfg.Bin == "" {
		return r, fmt.Errorf("no node binary given")
	}
	bin, err := filepath.Abs(cfg.Bin)
	if err == nil {
		bin, err = filepath.EvalSymlinks(bin)
	}
	if err != nil {
		return r, fmt.Errorf("node binary %s: %w", cfg.Bin, err)
	}
	st, err := os.Stat(bin)
	switch {
	case err != nil:
		return r, fmt.Errorf("node binary: %w", err)
	case st.IsDir() || st.Mode()&0o111 == 0:
		return r, fmt.Errorf("node binary %s is not an executable file", bin)
	}
	r.Bin = bin
	if r.Logf == nil {
		r.Logf = func(string, ...any) {}
	}
	if r.InitTimeout <= 0 {
		r.InitTimeout = DefaultInitTimeout
	}
	if r.LogStderr && r.Stderr == nil {
		r.Stderr = os.Stderr
	}
	if r.LogDir != "" {
		if err := os.MkdirAll(r.LogDir, 0o755); err != nil {
			return r, fmt.Errorf("log dir: %w", err)
		}
	}
	if r.WorkDir != "" {
		dir, err := filepath.Abs(r.WorkDir)
		if err != nil {
			return r, fmt.Errorf("work dir: %w", err)
		}
		r.WorkDir = dir
	}
	return r, nil
}
