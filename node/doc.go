// Package node is the zabkafka binary's engine: it turns the zab core into
// a node of Maelstrom's kafka workload. Protocol decisions stay in zab/;
// this package does the I/O, the timers, the kafka RPCs, forwarding,
// batching and the mapping of outcomes to Maelstrom errors.
//
// # One event loop
//
// Run reads stdin with its own line reader (any line length; the
// maelstrom library's Run would stop at 64 KiB, spawn a goroutine per
// message and exit on the first bad line) and feeds every line, in order,
// to one goroutine that owns a Server. Each loop iteration handles all
// waiting lines, at most one core tick, and then Process:
//
//  1. requests past their deadline are answered with an indefinite error
//     and forgotten (nothing reaches a client Maelstrom has closed);
//  2. if the pacer allows it, the queued client operations are proposed
//     (leader) or forwarded to the leader (follower), or held while no
//     leader is known;
//  3. the peer's Readies are handled in the order the Ready contract
//     fixes: persist (zabstore.Persist), queue messages, apply committed
//     transactions to the kafka state and answer our clients;
//  4. if the pacer allows it, everything for one peer goes out as one
//     coalesced message.
//
// Between iterations the loop sleeps until the next input, the next tick
// or the pacer's next deadline (NextWake), whichever comes first.
//
// # When things leave: the pacer
//
// One small type, pacer (pacer.go), holds every timing rule of steps 2
// and 4, and Process and NextWake both consult it. The node is
// self-clocked: operations go out at once while no round is in flight
// (the leader's last proposal not yet committed, a follower's last
// forward not yet applied), and accumulate while one is, so latency stays
// near the network's round trips at low load and batches grow with load.
// Round trips that are long even at their shortest are the network's,
// and rounds are then pipelined instead of waited for.
//
// # Server messages per operation
//
// Node-to-node traffic is what Maelstrom's kafka workload is scored on,
// and three things keep it below one message per client operation under
// load. The outbox sends one message per peer per flush, whatever it
// carries. The leader's core paces its followers
// (Config.Zab.LazyFanoutTicks, zab/fanout.go): each round goes at once to
// a quorum's worth of followers, those waiting for a commit to answer
// their clients first, so that they get the commit and the new round in
// one message and answer both with one ACK. And a follower that has just
// answered its clients holds that ACK until they are back with their
// next writes (at most AckHold), which ride to the leader with it and
// make the next round. docs/tuning.md has the figures.
//
// # Reads are bounded in staleness
//
// poll and list_committed_offsets are served from local committed state,
// without a round trip, but only while the node is in touch with an
// established leader: a follower in broadcast that heard from its leader,
// or a leader that heard from a quorum, within MaxStaleness (fresh.go),
// where only a fresh message counts, as the core judges it
// (zab.Peer.Contact): late copies of old ones do not. Otherwise they get
// temporarily-unavailable (11).
//
// # Who answers a client
//
// Every operation in a proposal carries its origin node, the origin's
// incarnation (incarnation.go: higher with every restart) and a sequence
// number (kafka.Op). Every node applies every committed batch; the origin
// answers its client when it applies the operation. A follower therefore
// forwards a send to the leader and answers it itself, with the offset
// its own apply assigned, with no reply message from the leader.
//
// With Config.LeaderReplies (off by default) the leader answers the
// clients of the sends followers forward, a hop sooner; delegate.go has
// the rule that decides, alike on every node, whether the leader or the
// origin answers.
//
// # Each operation applies once
//
// A forwarded operation can reach the leader twice (a message delivered
// twice), or reach two leaders: when the leader changes, a node queues
// again every operation of its own it sent and has not seen applied
// (requeueSent), since a new leader may never have heard of it, and the
// old one may have lost it. Either way it may be proposed twice. The state machine,
// not the leader, makes that harmless: kafka.State.Apply applies each
// (origin, incarnation, seq) once and gives a second copy the first
// one's result, so every replica, a new leader, and a node restored from
// a snapshot (the dedupe state is part of it) agree, and no message is
// ever at two offsets.
//
// # Sizes
//
// No batch exceeds MaxBatchBytes (2 MiB; DefaultConfig says why), neither
// a proposal nor the operations a follower forwards; a node-to-node
// message is split by size too (outbox.go). An operation that cannot fit
// a batch of its own is refused to its client at once (12), before it is
// forwarded or proposed, so the log never refuses a batch the leader
// built.
//
// # Errors (docs/running.md#definite-errors-only-for-what-never-happens)
//
// Definite errors only when the operation certainly never happens:
// temporarily-unavailable (11) for a send that never left this node
// because no leader was known within HoldTimeout, or before init, and
// for a read the node may be too stale to serve; 12 for
// a malformed or oversized request, or one without msg_id (never
// executed); 10 for unknown types. Once an operation left the node its
// fate is unknown, and at its deadline it gets timeout (0), which is
// indefinite, unless the state machine refused it when it was applied:
// a commit_offsets of an offset the key's log does not hold at that
// point of the commit order gets 20 (key never written) or 22 (beyond
// the log); no correct client sends one. A commit_offsets a correct
// client may send never gets a definite error (handleCommitOffsets). A
// line that cannot be answered is logged and dropped; no input ends the
// process.
//
// # A bug in the core stops the node
//
// The zab core panics with zab.ErrInvariant, after logging it at Error,
// when one of its own invariants is broken: a bug, not bad input. The
// node does not recover it; the process dies loudly, before anything
// computed from the broken state is persisted or sent, and Maelstrom
// reports the node crashed (docs/running.md, "A node that stops with
// invariant broken").
package node
