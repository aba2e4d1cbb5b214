// Package election is Fast Leader Election (FLE), the leader election
// ZooKeeper runs in front of Zab (phase 0 in Medeiros 2012's numbering;
// DSN 2011 takes the prospective leader as given), written as a pure
// state machine: no goroutines, clocks or I/O.
// The zab core drives one Elector while its peer is LOOKING. Inputs are
// notifications from other peers (Step) and units of logical time (Tick);
// outputs are notifications to send and, at the end, a Decision.
//
// The algorithm follows FastLeaderElection.java (apache/zookeeper,
// server/quorum), method by method:
//
//   - lookForLeader: a peer enters a new round (its logicalclock), votes for
//     itself with (id, last logged zxid, currentEpoch) and tells everyone
//     (Elector.Start). Votes are ordered by epoch, then zxid, then id
//     (totalOrderPredicate; Vote.Beats). A LOOKING notification from a higher
//     round makes the receiver adopt that round and vote for the better of
//     the sender's vote and its own initial vote; from an equal round it
//     adopts the vote if it is better; from a lower round it is not counted
//     and the sender is told the receiver's vote (WorkerReceiver.run).
//   - getVoteTracker and the finalize wait: once the votes equal to a peer's
//     own proposal form a quorum, the peer waits FinalizeTicks ticks for a
//     better vote before deciding (see finalize.go for how this differs
//     from ZooKeeper's wait and why).
//   - receivedFollowingNotification and checkLeader: notifications from
//     peers that are already FOLLOWING or LEADING let a late or restarted
//     peer join a running ensemble without forcing a new round, but only
//     if the named leader itself says it is LEADING.
//   - WorkerReceiver.run: a peer that has left the election (Settle)
//     answers every LOOKING peer with the vote it decided on.
//
// FLE gives no safety by itself: two peers may in rare timings decide on
// different leaders. Safety comes from Zab's discovery phase (a leader
// needs a quorum of followers to agree on its new epoch). What FLE does
// give is that the winner's vote is at least as good as the initial vote
// of every peer in the quorum that elected it, so that the leader already
// holds the most recent history of that quorum, ZooKeeper's "leader
// activation" requirement, which stands in for the paper's transfer of
// histories in discovery (docs/safety.md, step 3).
package election
