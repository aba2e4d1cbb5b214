package zab

// Ready is everything the core asks its caller to do after some input:
// durable writes, messages to send, committed transactions to apply.
//
// The caller handles a Ready in exactly this order, then calls Advance:
//
//  1. If Snapshot is set, install it durably: it replaces the applied
//     state and the whole log (ZOOKEEPER-2832: no stale suffix may survive
//     under a snapshot).
//  2. If Truncate is set, drop every log entry with zxid > TruncateAfter.
//  3. Append the entries in Append.
//  4. If MustSync, make steps 1-3 durable (fsync).
//  5. If Epochs is set, write both epochs durably; if FollowAttempt is
//     non-zero, write it durably too.
//  6. Only now send Messages: every ACK, ACKEPOCH and NEWLEADER ack among
//     them vouches for state made durable in steps 1-5 (rules D1-D5 of
//     zab-reference 1.3).
//  7. Apply Committed, in order, to the state machine.
//  8. Call Advance(rd).
type Ready struct {
	// SoftState is set when the role, phase, leader or epoch changed.
	SoftState *Status

	Snapshot      *Snapshot
	Truncate      bool
	TruncateAfter Zxid
	Append        []Txn
	MustSync      bool
	Epochs        *Epochs
	// FollowAttempt, when non-zero, is the number this peer just gave a
	// new attempt to follow a leader; it must be durable before the
	// FOLLOWERINFO that carries it is sent (step 5 before step 6), so
	// that no later attempt, even after a restart, reuses it.
	FollowAttempt uint64

	Messages []Message

	// Committed are transactions known committed and durable here, in
	// zxid order, never delivered before (within this incarnation).
	Committed []Txn
}

// IsEmpty reports whether rd asks for nothing.
func (rd *Ready) IsEmpty() bool {
	return rd.SoftState == nil && rd.Snapshot == nil && !rd.Truncate &&
		len(rd.Append) == 0 && !rd.MustSync && rd.Epochs == nil && rd.FollowAttempt == 0 &&
		len(rd.Messages) == 0 && len(rd.Committed) == 0
}
