package checker

import "time"

// Options carries what the checker needs beyond the history.
type Options struct {
	// Nodes are the node ids in test order (n0, n1, ...). With Concurrency
	// they map a process to the node its thread talks to
	// (J:interpreter.clj ClientNemesisWorker): thread
	// = process mod Concurrency, node = Nodes[thread mod len(Nodes)]. Only
	// the partition-window report needs them; it is skipped without them.
	Nodes []string
	// Concurrency is the number of client threads.
	Concurrency int
	// Availability is Maelstrom's --availability goal: "" for none,
	// "total" (every invocation must complete ok), or a fraction such as
	// "0.99" (M:src/maelstrom/checker.clj availability-checker).
	Availability string
	// Net holds the network's message counts; nil omits the net section.
	Net *NetCounts
	// HopLatency is the constant one-way node-to-node latency, for the
	// hop bounds of the per-node send latency (bynode.go); 0 for none
	// (no latency, or not constant: HopLatencyOf).
	HopLatency time.Duration
	// Leader names the leader for the per-node report; "" infers it.
	Leader string
}

// HopLatencyOf is Options.HopLatency for a run with the given mean
// latency and distribution: the latency itself only when constant.
func HopLatencyOf(latency time.Duration, dist string) time.Duration {
	return hopLatency(latency, dist)
}

// NetCount is one slice of the network journal statistics
// (M:src/maelstrom/net/checker.clj basic-stats). The network counts them;
// the checker only divides.
type NetCount struct {
	SendCount int64 // messages accepted by the network, dropped ones included
	RecvCount int64 // messages delivered
	MsgCount  int64 // distinct message ids
}

// NetCounts is the network's tally: all messages, those with a client at
// either end, and the rest (node-node and node-service).
type NetCounts struct {
	All, Clients, Servers NetCount
}
