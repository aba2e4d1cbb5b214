// Package zab is the Zab (ZooKeeper Atomic Broadcast) protocol as a pure,
// deterministic state machine, in the style of etcd's raft: no goroutines,
// clocks, randomness of its own or I/O. Inputs are messages (Peer.Step),
// logical time (Peer.Tick) and proposals (Peer.Propose); every output —
// durable writes, messages, committed transactions — comes out in a Ready
// that the caller handles in the order ready.go gives and then Advances.
//
// # Driving a peer
//
// The caller owns the clock, the network and the disk. Its loop, in the
// style of etcd raft's node loop:
//
//	for {
//		select {
//		case <-ticker.C:
//			p.Tick() // timeouts, re-sends, heartbeats; all counted in ticks
//		case m := <-inbox:
//			p.Step(m) // an error only says: drop this message
//		case data := <-requests:
//			p.Propose(data) // ErrNotLeader: send the client elsewhere
//		}
//		for p.HasReady() {
//			rd := p.Ready()
//			persist(&rd) // steps 1-5: snapshot, truncate, append, fsync, epochs
//			for _, m := range rd.Messages {
//				send(m) // step 6: only after persist has returned
//			}
//			for _, t := range rd.Committed {
//				apply(t) // step 7: in order
//			}
//			p.Advance(rd) // step 8
//		}
//	}
//
// The steps are the Ready contract of ready.go; the node's persist is
// zabstore.Persist (package zabkafka/node/zabstore), which writes a
// Ready to a log.Store in that order. If persisting fails the caller must
// stop without sending: every ACK among the messages vouches for those
// writes. Example runs three peers this way in one process.
//
// # The protocol, file by file
//
// Where to find each part of the protocol (phase numbers as in Medeiros
// 2012, which adds leader election as phase 0 to DSN 2011's phases 1 to
// 3; ZooKeeper class names in parentheses):
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
// Durability rules hold by construction: a message is
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
// follower only ever extends its log (docs/differences.md lists every
// way this departs from ZooKeeper, which runs Zab over TCP).
//
// Message economy. The leader PINGs only a follower it has sent nothing
// for HeartbeatTicks (any message is a sign of life), and, with
// Config.LazyFanoutTicks, sends each batch at once only to a quorum's
// worth of followers, the others catching up at their turn (fanout.go).
// Neither changes what is committed or when a quorum has it.
package zab
