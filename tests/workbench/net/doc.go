// Package net is the workbench's stand-in for Maelstrom's network, process
// runner and built-in services (M:net.clj, M:process.clj, M:service.clj and
// M:net/checker.clj; the prefixes are explained in tests/workbench/README.md).
// It runs any node binary over stdin/stdout as Maelstrom 0.2.4 would, and
// never imports the code it judges.
//
// Start launches the nodes and does the init handshake; OpenClient gives
// in-process clients ("c0", "c1", ...) whose RPC is Maelstrom's synchronous
// client; Partition and Heal drive the partition nemesis (Grudge computes
// the shapes), Kill, Restart, Pause and Resume the process nemeses;
// Counts, Faults, Crashed and StaleReplies report; Stop tears down.
//
// Fidelity points a reader should know:
//
//  1. Each member (node, client, service) has a queue ordered by deadline.
//     One delivery goroutine per member takes the head as soon as there is
//     one, applies the partition table at that moment (so a message sent
//     before a partition but taken during it is dropped), sleeps until the
//     deadline holding up everything behind it, and writes it (M:net.clj
//     send! and recv!, M:process.clj stdin-thread). The sleep is the
//     whole milliseconds left, rounded down, as Maelstrom's
//     (Thread/sleep (long dt)) is: a message arrives up to 1 ms early.
//  2. Latency is zero for any message with a client at either end, else
//     constant, uniform integer ms in [0, 2*mean) or exponential truncated
//     to whole ms (M:net.clj latency-dist). Each sender draws from its own
//     generator seeded from Config.Seed, so the draws replay whatever the
//     interleaving.
//  3. The harsh stdout rule (M:process.clj stdout-thread;
//     docs/running.md#one-message-per-line-or-maelstrom-stops-reading):
//     the first malformed line, or message to an unknown member (a closed
//     client, a misspelt node), makes the workbench stop reading that
//     node's stdout for the rest of the test, as Maelstrom's reader thread
//     does; the node may then block on a full pipe.
//     It is recorded as a Fault and logged. Config.Lenient turns this off.
//  4. Services (lin-kv, seq-kv, lww-kv, lin-tso) answer one request at a
//     time with Maelstrom's bodies, error codes and texts, including seq-kv's
//     stale states and lww-kv's two never-merging replicas (M:service.clj).
//  5. Counts are the :net checker's send/recv/msg counts for all, clients
//     and servers (M:net/checker.clj); messages rejected at send are not
//     counted.
//  6. Each node runs in its own working directory (Config.WorkDir/<node>)
//     and keeps one log across its processes. Kill SIGKILLs a node's
//     process group: client RPCs outstanding on it end at once with
//     ErrNodeKilled (indeterminate) and new ones fail with ErrNodeDown
//     (not sent: definite) until Restart has started a new process with
//     the same binary, arguments and directory and it answered init.
//     Messages queued for a killed node are discarded at its restart. A
//     new process gets a new stdout reader, so the harsh rule applies to
//     each process afresh. Pause and Resume send SIGSTOP and SIGCONT.
//  7. A message from a node to a client that has left is a stale reply,
//     not a fault, if the node was killed, restarting or paused while that
//     client was open: a stopped process cannot see its clients give up.
//     Maelstrom never kills or pauses nodes (its db implements neither
//     jepsen.db/Process nor Pause), so it has no such case.
//
// Where it differs from Maelstrom, knowingly:
//
//   - Init clients: Maelstrom opens c0..c{N-1} concurrently, so which node
//     gets which id varies; here node i always gets c{i}.
//   - Values the services return are the JSON the node sent, compacted,
//     where Maelstrom re-prints Cheshire's parse (1.50 stays 1.50, not 1.5).
//   - A stdout line that is a JSON array of [key, value] pairs, which
//     Clojure would happen to turn into a map, is malformed here.
//   - Objects of more than eight keys print in insertion order in service
//     error texts, where Clojure's hash maps have their own order.
//   - Writes to a node's stdin are batched while further messages are
//     already due, and flushed before any wait; Maelstrom flushes after each
//     message. Nothing observable changes: the bytes arrive no later.
//
// Files: cluster.go (Start, Stop, the Cluster API), procfaults.go (Kill,
// Restart, Pause, Resume), gate.go (a node's state for clients and
// deliveries), nodelog.go, config.go, process.go (one node process and its
// pipes), nodelink.go (the stdin delivery and
// stdout reader loops), envelope.go (line parsing and framing), lines.go,
// network.go, mailbox.go, latency.go, counts.go, fault.go, client.go,
// services.go and kv.go (the services), jsonvalue.go (Clojure equality and
// printing for service values), grudge.go (nemesis shapes).
package net
