package zab

import (
	"errors"
	"testing"
)

// TestPlanSync has one row per case of the sync decision (docs/logs.md;
// ZooKeeper's LearnerHandler.syncFollower, and the bugs ZOOKEEPER-1154,
// ZOOKEEPER-2832 and ZOOKEEPER-4643). Notation: z(e, c) = MakeZxid(e, c).
func TestPlanSync(t *testing.T) {
	z := MakeZxid
	// The usual leader: epochs 1 and 2, log from the start, no snapshot.
	ends := []EpochEnd{{1, z(1, 5)}, {2, z(2, 3)}}
	for _, tc := range []struct {
		name string
		in   SyncInput
		want SyncPlan
		err  error
	}{
		{
			name: "follower in sync: empty DIFF (ZooKeeper row 2)",
			in:   SyncInput{LeaderEnds: ends, LeaderLast: z(2, 3), FollowerLast: z(2, 3), FollowerBase: z(1, 5)},
			want: SyncPlan{Mode: SyncDiff, From: z(2, 3)},
		},
		{
			name: "follower behind in the same epoch: DIFF",
			in:   SyncInput{LeaderEnds: ends, LeaderLast: z(2, 3), FollowerLast: z(2, 1), FollowerBase: z(1, 5)},
			want: SyncPlan{Mode: SyncDiff, From: z(2, 1)},
		},
		{
			name: "follower behind by whole epochs: DIFF",
			in:   SyncInput{LeaderEnds: ends, LeaderLast: z(2, 3), FollowerLast: z(1, 2), FollowerBase: 0},
			want: SyncPlan{Mode: SyncDiff, From: z(1, 2)},
		},
		{
			name: "empty follower: DIFF from 0",
			in:   SyncInput{LeaderEnds: ends, LeaderLast: z(2, 3), FollowerLast: 0},
			want: SyncPlan{Mode: SyncDiff, From: 0},
		},
		{
			name: "both empty: empty DIFF",
			in:   SyncInput{},
			want: SyncPlan{Mode: SyncDiff, From: 0},
		},
		{
			name: "follower longer in an epoch the leader has: TRUNC inside the epoch",
			in:   SyncInput{LeaderEnds: ends, LeaderLast: z(2, 3), FollowerLast: z(2, 7), FollowerBase: z(1, 5)},
			want: SyncPlan{Mode: SyncTrunc, From: z(2, 3)},
		},
		{
			name: "ZOOKEEPER-1154: follower has 1:6 of an epoch the leader ended at 1:5: TRUNC to 1:5, not DIFF",
			in: SyncInput{LeaderEnds: []EpochEnd{{1, z(1, 5)}, {2, z(2, 1)}}, LeaderLast: z(2, 1),
				FollowerLast: z(1, 6), FollowerBase: z(1, 3)},
			want: SyncPlan{Mode: SyncTrunc, From: z(1, 5)},
		},
		{
			name: "follower's last epoch never reached the leader: TRUNC to its base (across epochs)",
			in: SyncInput{LeaderEnds: []EpochEnd{{1, z(1, 5)}, {3, z(3, 2)}}, LeaderLast: z(3, 2),
				FollowerLast: z(2, 4), FollowerBase: z(1, 5)},
			want: SyncPlan{Mode: SyncTrunc, From: z(1, 5)},
		},
		{
			name: "follower's only epoch is older than every leader epoch, leader log complete: TRUNC to base",
			in: SyncInput{LeaderEnds: []EpochEnd{{3, z(3, 4)}}, LeaderLast: z(3, 4),
				FollowerLast: z(2, 7), FollowerBase: 0},
			want: SyncPlan{Mode: SyncTrunc, From: 0},
		},
		{
			name: "leader compacted what the follower needs: SNAP",
			in: SyncInput{LeaderEnds: ends, LeaderLast: z(2, 3), RetainedAfter: z(2, 1),
				HasSnapshot: true, SnapshotZxid: z(2, 1), FollowerLast: z(1, 2), FollowerBase: z(1, 2)},
			want: SyncPlan{Mode: SyncSnap, From: z(2, 1)},
		},
		{
			name: "follower's epoch below the leader's boundary list: SNAP (point unknowable)",
			in: SyncInput{LeaderEnds: []EpochEnd{{3, z(3, 4)}}, LeaderLast: z(3, 4), RetainedAfter: z(3, 2),
				HasSnapshot: true, SnapshotZxid: z(3, 2), FollowerLast: z(1, 9), FollowerBase: z(1, 2)},
			want: SyncPlan{Mode: SyncSnap, From: z(3, 2)},
		},
		{
			name: "a snapshot exists but the log still covers the follower: DIFF, not SNAP",
			in: SyncInput{LeaderEnds: ends, LeaderLast: z(2, 3), RetainedAfter: z(2, 1),
				HasSnapshot: true, SnapshotZxid: z(2, 1), FollowerLast: z(2, 3), FollowerBase: z(2, 2)},
			// d = 2:3 >= retained: plain DIFF, no snapshot needed.
			want: SyncPlan{Mode: SyncDiff, From: z(2, 3)},
		},
		{
			name: "needs SNAP but the snapshot is older than the follower's base",
			in: SyncInput{LeaderEnds: []EpochEnd{{3, z(3, 4)}}, LeaderLast: z(3, 4), RetainedAfter: z(3, 2),
				HasSnapshot: true, SnapshotZxid: z(3, 2), FollowerLast: z(1, 9), FollowerBase: z(3, 3)},
			err: ErrNoSyncSource,
		},
		{
			name: "needs SNAP but the leader has none",
			in: SyncInput{LeaderEnds: ends, LeaderLast: z(2, 3), RetainedAfter: z(2, 1),
				FollowerLast: z(1, 2), FollowerBase: z(1, 2)},
			err: ErrNoSyncSource,
		},
		{
			name: "follower base beyond the shared point: follower ahead",
			in: SyncInput{LeaderEnds: ends, LeaderLast: z(2, 3),
				FollowerLast: z(2, 7), FollowerBase: z(2, 6)},
			err: ErrFollowerAhead,
		},
		{
			name: "follower base above its own last: nonsense",
			in:   SyncInput{LeaderEnds: ends, LeaderLast: z(2, 3), FollowerLast: z(1, 1), FollowerBase: z(1, 2)},
			err:  ErrNoSyncSource,
		},
		{
			name: "new epoch skipped by the leader entirely, base in an earlier epoch",
			in: SyncInput{LeaderEnds: []EpochEnd{{1, z(1, 5)}}, LeaderLast: z(1, 5),
				FollowerLast: z(2, 1), FollowerBase: z(1, 5)},
			want: SyncPlan{Mode: SyncTrunc, From: z(1, 5)},
		},
	} {
		got, err := PlanSync(tc.in)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: PlanSync = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}
