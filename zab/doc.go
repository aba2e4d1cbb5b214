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
//			if rd.SendFirst {
//				sendAll(rd.Messages) // a leader's proposals: they vouch for nothing
//			}
//			persist(&rd) // steps 1-5: snapshot, truncate, append, fsync, epochs
//			if !rd.SendFirst {
//				sendAll(rd.Messages) // step 6: only after persist has returned
//			}
//			for _, t := range rd.Committed {
//				apply(t) // step 7: in order
//			}
//			p.Advance(rd) // step 8
//		}
//	}
//
// The steps are the Ready contract of ready.go; the node's persist is
// zabstore.Persist (package zabkafka/log/zabstore), which writes a
// Ready to a log.Store in that order. If persisting fails the caller must
// stop without sending: every ACK among the messages vouches for those
// writes. Example runs three peers this way in one process.
//
// # The protocol, file by file
//
// Where to find each part of the protocol (phase numbers as in Medeiros
// 2012, which adds leader election as phase 0 to DSN 2011's phases 1 to
// 3; ZooKeeper class names in parentheses). The rule: a phase's file
// holds that phase's messages, how each is sent and handled, leader side
// first, then follower side; a role's file holds the role's state, how a
// peer takes the role (become...), and its message dispatch and timers
// (step..., tick...).
//
//	phases
//	  0, election           election.go   drives election.Elector (FastLeaderElection)
//	  1, discovery          discovery.go  FOLLOWERINFO/LEADERINFO/ACKEPOCH
//	                                      (Leader.getEpochToPropose, Learner.registerWithLeader)
//	  2, sync               sync.go       NEWLEADER/ACKNEWLEADER/UPTODATE
//	                                      (LearnerHandler.syncFollower, Learner.syncWithLeader)
//	                        syncplan.go   PlanSync: DIFF, TRUNC or SNAP for one follower
//	  3, broadcast          broadcast.go  PROPOSAL/ACK/COMMIT/PING: Propose, in-order commit,
//	                                      resends, heartbeats, the follower's commit point
//	                                      (Leader.propose/processAck, Follower.processPacket)
//	                        fanout.go     optional pacing: which followers hear of a batch at once
//	roles
//	  any                   peer.go       Peer, NewPeer, Step, Tick, becomeLooking (QuorumPeer)
//	  leader                leader.go     leaderState, becomeLeader, stepLeader, tickLeader (Leader)
//	  leader, per follower  learnerhandler.go
//	                                      learnerHandler: session, stage, match, next
//	                                      (LearnerHandler)
//	  follower              follower.go   follower, becomeFollower, stepFollower, tickFollower
//	                                      (Follower, Learner)
//	shared machinery
//	  the log               history.go    durable Storage + in-memory tail, epoch boundary list
//	  the Ready             ready.go      the contract, the readyDraft under construction,
//	                                      HasReady, Ready, Advance
//	  majority, commit      package election/quorum: quorum.Set and CommittedIndex,
//	                                      shared with the election
//	  broken invariants     invariants.go ErrInvariant: the peer stops loudly on a bug
//	  configuration         config.go, storage.go, errors.go
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
