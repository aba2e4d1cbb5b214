// Package zab is the Zab (ZooKeeper Atomic Broadcast) protocol as a pure,
// deterministic state machine, in the style of etcd's raft: no goroutines,
// clocks, randomness of its own or I/O. Inputs are messages (Peer.Step),
// logical time (Peer.Tick) and proposals (Peer.Propose); every output —
// durable writes, messages, committed transactions — comes out in a Ready
// that the caller handles in the order ready.go gives and then Advances.
//
// Where to find each part of the protocol (DSN'11 phase names; ZooKeeper
// class names in parentheses):
//
//	phase 0, election       election.go   drives election.Elector (FastLeaderElection)
//	phase 1, discovery      discovery.go  FOLLOWERINFO/LEADERINFO/ACKEPOCH, both sides
//	                                      (Learner.registerWithLeader, Leader.getEpochToPropose)
//	phase 2, sync           sync.go       NEWLEADER/ACKNEWLEADER/UPTODATE, both sides
//	                                      (LearnerHandler.syncFollower, Learner.syncWithLeader)
//	                        syncplan.go   PlanSync: DIFF, TRUNC or SNAP for one follower
//	phase 3, broadcast      broadcast.go  Propose, ACK, in-order commit, resends, heartbeats
//	                                      (Leader.propose/processAck, Follower.processPacket)
//	                        fanout.go     optional pacing: which followers hear of a batch at once
//	leader's view of a      learner.go    per-follower session, match, next (LearnerHandler)
//	follower
//	commit arithmetic       quorum.go     the quorum-th highest cumulative ACK
//	roles and timers        peer.go, leader.go, follower.go
//	the log as the core     history.go    durable Storage + in-memory tail, epoch boundary list
//	sees it
//	Ready hand-over         output.go     outbox, Ready, Advance
//
// Durability rules (zab-reference 1.3) hold by construction: a message is
// only ever queued in the same Ready as, or a later one than, the write it
// vouches for, and one Ready writes snapshot, truncation, entries, sync,
// epochs, then sends. The one ordering that needs two Readies — entries of
// the new epoch only after currentEpoch is durable — is kept by the
// follower holding those entries until the epoch write is Advanced.
//
// Over a network that loses and reorders messages (Maelstrom), every
// message carries the leader's epoch and a per-follower sync session;
// acks and commits are cumulative; the leader resends from a follower's
// last ack on a timer; and a PROPOSAL names the zxid it follows, so a
// follower only ever extends its log (zab-reference 9.3, "Option B").
//
// Message economy. The leader PINGs only a follower it has sent nothing
// for HeartbeatTicks (any message is a sign of life), and, with
// Config.LazyFanoutTicks, sends each batch at once only to a quorum's
// worth of followers, the others catching up at their turn (fanout.go).
// Neither changes what is committed or when a quorum has it.
package zab
