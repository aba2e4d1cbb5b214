// Package nodesim is the whole-node simulation: N real zabkafka nodes
// (node.Server, the code the binary runs, driven the way node.Run's
// event loop drives it) on one simulated clock, joined by a simulated
// network that carries their stdout lines, Maelstrom JSON, between nodes
// and between nodes and clients, each node over a simulated disk that a
// crash can cut short, under Maelstrom's kafka workload. Each run's
// client history is judged by the workbench's port of Jepsen's kafka
// checker; the disks by the invariant checker; the nodes' final states
// by a convergence probe.
//
// Everything is driven from one int64 seed, and nothing reads the real
// clock: the nodes get the simulated time as the arguments of
// HandleLine, Tick and Process, their election jitter comes from
// node.Config.Seed, drawn from the run's seed, and two runs of one seed
// produce the same trace, byte for byte (Result.Hash).
//
// # What runs
//
// A host (host.go) is one node's process: lines handed to
// node.Server.HandleLine as they arrive, one core tick per Config.Tick,
// Process after every wake-up, the next wake-up at the earlier of the
// next tick and Server.NextWake, everything the node writes routed by
// its destination. A crash throws the Server away; a restart is a new
// Server over the same disk (node.Server.SetStoreOpener), initialized
// again, as Maelstrom restarts a killed node.
//
// The clients are the workbench's own: kafka.Generator and
// kafka.FinalThread decide what to ask, kafka.Client asks it (the
// poll-then-commit, the local offsets, Maelstrom's classification of
// every outcome), over a connection whose requests travel the simulated
// network and whose deadline (Maelstrom's 5 s) runs on the simulated
// clock: a request unanswered by then completes as info. kafka.Client
// makes blocking calls, so each client thread runs on a goroutine, but
// only while the simulation waits for it: one goroutine runs at a time,
// in an order only the simulation decides (clients.go).
//
// A run has Maelstrom's phases (Run): init; the main phase, the
// workload at Plan.Rate for Plan.TimeLimit while the faults run; the
// drain of the operations in flight; the heal (every link reopens, every
// late copy arrives once more, every crashed node restarts); a pause;
// the final phase, each thread polling every key up to the highest
// offset any client saw; then the convergence probe: a fresh send must
// be acknowledged and applied by every node (liveness), after which
// every node must answer the same polls of every key from offset 0 and
// the same committed offsets.
//
// # Faults
//
// Each seed draws its Plan (DrawPlan: swarm testing, each fault on for
// most seeds and off for some):
//
//   - node-to-node lines are delayed, reordered, lost and duplicated;
//     copies of past lines are kept per link and kind and delivered much
//     later, any number of times, in later sessions, epochs and runs of
//     the nodes (NetConfig.Replay, Plan.ReleaseLate); a node that starts
//     may first get every stale copy addressed to it (Plan.FlushOnStart);
//   - partitions and one-way link failures (a node that hears but is not
//     heard, or the reverse);
//   - a node's process killed between two of its steps, or at any write
//     to its log (Plan.WriteCrash), which lands the crash between the
//     steps of the Ready contract: the write does not happen, nothing the
//     node had not yet flushed to stdout leaves, and the disk keeps what
//     a power loss leaves, any prefix of the unsynced writes, the last
//     record possibly torn (log.MemStore.CrashPartial);
//   - a node's process stopped for one of PauseFor (Plan.Pause), as
//     SIGSTOP stops it: it reads, writes and decides nothing, lines for
//     it wait, and when it resumes it reads them all at once with its
//     clock jumped by the pause; a client's request that waited is judged
//     by the late-reply check from when the node read it;
//   - client lines are delayed, lost, or delivered seconds late (after
//     the client gave up, maybe after its node restarted); replies may
//     come twice. Client lines are never duplicated nor partitioned, as in
//     Maelstrom (Faults.DupClientRequests shows why).
//
// # Checks
//
//   - the kafka checker (tests/workbench/checker) on the history: the
//     workload's validity must be true;
//   - the invariant checker (tests/invariants) with TrackDisks: every
//     durable write of every node is shown to it as it happens and every
//     acknowledgement as it leaves (no committed entry ever leaves a
//     durable log; no ACK, ACKEPOCH or ACKNEWLEADER vouches for what the
//     sender's disk does not hold), and at the end the log prefix
//     property over every durable log;
//   - the convergence probe (probe.go): liveness after the heal, and the
//     same kafka state on every node;
//   - the harness itself: a node that panics, writes a line that is not
//     a Maelstrom message or addresses an unknown destination, answers a
//     client more than Maelstrom's 5 s client timeout after the client
//     sent the request (one the network delivered in time; Maelstrom
//     would have closed that client), or whose NextWake would make
//     node.Run spin, fails the run.
//
// The broken twins (twin_test.go) run with deliberate faults
// (Faults) and require each check to fire.
//
// # Running it
//
//	go test ./tests/nodesim                                  # 300 seeds, determinism, unit tests
//	go test ./tests/nodesim -run 'TestRandom$' -seed=123 -v  # replay one seed
//	ZABKAFKA_SEED=123 go test ./tests/nodesim -run 'TestRandom$'
//	ZABKAFKA_SOAK=10000 go test ./tests/nodesim -run 'TestRandom$' -timeout 60m
//	ZABKAFKA_SOAK=10000 ZABKAFKA_SOAK_FROM=10001 go test ./tests/nodesim -run 'TestRandom$' -timeout 60m
//	go test ./tests/nodesim -run XXX -bench Run -benchtime 100x
//
// A failing seed prints its plan, the replay command, the checker's
// summary and the last trace events, and writes its history (JSON lines,
// the workbench's format) and its whole trace (text: every delivery,
// drop, fault, crash, start, client operation and violation, node-to-node
// messages decoded into their zab messages) to the temporary directory.
package nodesim
