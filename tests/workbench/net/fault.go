package net

import (
	"slices"
	"sync"
	"time"
)

// Fault kinds.
const (
	// FaultMalformedLine: a stdout line that is not JSON, fails the envelope
	// schema (extra top-level key, non-string src/dest, non-object body),
	// or is blank (M:process.clj parse-msg;
	// docs/running.md#one-message-per-line-or-maelstrom-stops-reading).
	FaultMalformedLine = "malformed-line"
	// FaultUnknownDestination: a message whose dest (or src) is not a
	// registered member, e.g. a reply to a client that was already closed
	// (M:net.clj validate-msg).
	FaultUnknownDestination = "unknown-destination"
	// FaultCrash: the node's process exited before Stop without being
	// killed by the nemesis.
	FaultCrash = "crash"
	// FaultRestartFailed: a process the nemesis started after a kill did
	// not answer init (or answered it wrongly); the node stays down until
	// the next restart.
	FaultRestartFailed = "restart-failed"
)

// maxFaultLine is how much of an offending line a Fault keeps.
const maxFaultLine = 500

// Fault is something a node did that Maelstrom punishes or reports: unless
// Config.Lenient, a malformed line or unknown destination makes the
// workbench stop reading the node's stdout for the rest of the test.
type Fault struct {
	Node   string
	Time   time.Duration // since the cluster started
	Kind   string        // FaultMalformedLine | FaultUnknownDestination | FaultCrash | FaultRestartFailed
	Line   string        // the offending stdout line, truncated to ~500 bytes ("" for a crash)
	Detail string        // why the line was rejected; for a crash, the exit status and last stderr lines
}

// faultLog collects faults from every node's goroutines.
type faultLog struct {
	mu     sync.Mutex
	faults []Fault
	crash  []string
}

func (l *faultLog) add(f Fault) {
	l.mu.Lock()
	l.faults = append(l.faults, f)
	if (f.Kind == FaultCrash || f.Kind == FaultRestartFailed) && !slices.Contains(l.crash, f.Node) {
		l.crash = append(l.crash, f.Node)
	}
	l.mu.Unlock()
}

func (l *faultLog) all() []Fault {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Fault(nil), l.faults...)
}

func (l *faultLog) crashed() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.crash...)
}
