package zab

import (
	"errors"
	"fmt"
)

// SyncInput is what the leader knows when it plans one follower's
// synchronisation (phase 2): its own log, and what the follower reported
// in its ACKEPOCH.
type SyncInput struct {
	// LeaderEnds is the leader's epoch boundary list: the last zxid of
	// each epoch its log (or snapshot) holds, ascending by epoch.
	LeaderEnds []EpochEnd
	// LeaderLast is the leader's last logged zxid.
	LeaderLast Zxid
	// RetainedAfter is the lowest zxid z such that the leader can still
	// read every entry after z.
	RetainedAfter Zxid
	// HasSnapshot and SnapshotZxid describe the leader's latest snapshot
	// of committed state.
	HasSnapshot  bool
	SnapshotZxid Zxid
	// FollowerLast is the follower's last logged zxid (its snapshot's
	// zxid when its log after the snapshot is empty).
	FollowerLast Zxid
	// FollowerBase is a zxid the follower holds that every later leader
	// also holds: the highest of its known-committed point, its
	// snapshot's zxid, and its last zxid of the epoch before its last
	// epoch (entries of an epoch only follow that epoch's committed
	// initial history). Its log is never cut below it.
	FollowerBase Zxid
}

// SyncPlan is how the leader brings one follower in line (docs/logs.md).
type SyncPlan struct {
	Mode SyncMode
	// From is the zxid the entries sent after it follow. DIFF: the
	// follower's last zxid. TRUNC: the divergence point, which the
	// follower cuts its log back to. SNAP: the snapshot's zxid.
	From Zxid
}

// Errors of PlanSync: the leader cannot synchronise this follower now. The
// follower times out and tries again; nothing is sent that could harm it.
var (
	// ErrFollowerAhead: the follower reports history the leader lacks
	// beyond any point they share.
	ErrFollowerAhead = errors.New("zab: follower is ahead of the leader")
	// ErrNoSyncSource: the entries the follower needs are no longer in the
	// leader's log and no snapshot covers them without taking the
	// follower's delivered state backwards.
	ErrNoSyncSource = errors.New("zab: no way to synchronise the follower")
)

// PlanSync chooses DIFF, TRUNC or SNAP for one follower. It is the exact
// form of ZooKeeper's LearnerHandler.syncFollower (docs/differences.md,
// "DIFF, TRUNC or SNAP from the exact divergence point"):
// find the divergence point d, the largest zxid both logs hold, from the
// follower's last zxid and the leader's epoch boundary list; then
//
//   - d == follower's last: DIFF, send the entries after d;
//   - d <  follower's last: TRUNC to d (the follower's entries beyond d
//     are never in the leader's history; ZOOKEEPER-1154), then the
//     entries after d;
//   - the leader no longer holds the entries after d, or cannot tell
//     where in an epoch it has forgotten the follower diverges: SNAP
//     (state and log replaced; ZOOKEEPER-2832), then the entries after
//     the snapshot.
//
// d is never below FollowerBase, so TRUNC never removes a committed entry,
// and a SNAP is only chosen with a snapshot at or above FollowerBase, so
// the follower's delivered state never goes backwards.
func PlanSync(in SyncInput) (SyncPlan, error) {
	fl, fb := in.FollowerLast, in.FollowerBase
	if fb > fl {
		return SyncPlan{}, fmt.Errorf("%w: follower base %v above its last %v", ErrNoSyncSource, fb, fl)
	}
	d, known := divergence(in)
	if known && d < fb {
		// The leader lacks part of what the follower knows committed:
		// the follower is ahead (or reported nonsense).
		return SyncPlan{}, fmt.Errorf("%w: divergence %v below follower base %v", ErrFollowerAhead, d, fb)
	}
	if known && d > in.LeaderLast {
		return SyncPlan{}, fmt.Errorf("%w: shared point %v beyond leader's last %v", ErrFollowerAhead, d, in.LeaderLast)
	}
	if known && d >= in.RetainedAfter {
		if d == fl {
			return SyncPlan{Mode: SyncDiff, From: d}, nil
		}
		return SyncPlan{Mode: SyncTrunc, From: d}, nil
	}
	// SNAP: the snapshot must not be older than what the follower has
	// delivered (fb bounds that), and the log after it must be readable.
	if !in.HasSnapshot || in.SnapshotZxid < fb || in.SnapshotZxid < in.RetainedAfter ||
		in.SnapshotZxid > in.LeaderLast {
		return SyncPlan{}, fmt.Errorf("%w: divergence %v (known %t), retained after %v, snapshot %v (%t), follower base %v",
			ErrNoSyncSource, d, known, in.RetainedAfter, in.SnapshotZxid, in.HasSnapshot, fb)
	}
	return SyncPlan{Mode: SyncSnap, From: in.SnapshotZxid}, nil
}

// divergence computes the largest zxid both logs hold. known is false when
// the follower's last epoch lies below what the leader's boundary list
// still covers after compaction: the point inside it is unknowable.
func divergence(in SyncInput) (d Zxid, known bool) {
	fl := in.FollowerLast
	if fl == 0 {
		return 0, true
	}
	ek := fl.Epoch()
	for _, end := range in.LeaderEnds {
		if end.Epoch == ek {
			// Both logs hold a prefix of epoch ek's single leader's
			// sequence (prefix property), so they share the shorter one.
			if end.Last < fl {
				return end.Last, true
			}
			return fl, true
		}
	}
	// The boundary list covers the leader's whole history unless the log
	// was compacted (entries from the start are no longer all readable):
	// then epochs below its first listed epoch may be forgotten.
	if in.RetainedAfter > 0 && (len(in.LeaderEnds) == 0 || ek < in.LeaderEnds[0].Epoch) {
		return 0, false
	}
	// Epoch ek never made it into the leader's history: none of the
	// follower's ek entries was committed; what precedes them was.
	return in.FollowerBase, true
}
