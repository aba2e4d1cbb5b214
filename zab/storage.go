package zab

// Storage is the core's read-only view of what the peer has made durable.
// The caller applies every Ready to its storage before calling Advance;
// the core reads it at start-up and for history it no longer holds in
// memory (old entries for a lagging follower, the snapshot for SNAP).
type Storage interface {
	// Epochs returns the durable accepted and current epochs.
	Epochs() Epochs
	// LastZxid is the zxid of the last durable entry (the snapshot's zxid
	// if the log after it is empty; 0 if there is nothing).
	LastZxid() Zxid
	// FirstZxid is the zxid of the first entry still in the log, 0 if the
	// log is empty. Entries at or below the snapshot's zxid may have been
	// trimmed.
	FirstZxid() Zxid
	// Entries returns the entries with zxid > after, ascending, at most
	// max of them (max <= 0: all).
	Entries(after Zxid, max int) ([]Txn, error)
	// Snapshot returns the latest snapshot of committed state, if any.
	Snapshot() (Snapshot, bool)
	// FollowAttempt is the number of the last attempt to follow a leader
	// this peer made durable (Ready.FollowAttempt), 0 if none.
	FollowAttempt() uint64
}
