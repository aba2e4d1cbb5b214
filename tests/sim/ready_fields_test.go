package sim

import (
	"reflect"
	"testing"

	"zabkafka/zab"
)

// handledReadyFields are the zab.Ready fields handleReady carries out,
// step by step. The World cannot hand a whole Ready to zabstore.Persist
// (a crash must be able to fall between the steps), so a field added to
// zab.Ready and forgotten here would silently not be persisted in the
// simulation: a follow attempt once was, and every restart reused
// attempt numbers.
var handledReadyFields = map[string]bool{
	"SoftState": true, "Snapshot": true, "Truncate": true, "TruncateAfter": true,
	"Append": true, "MustSync": true, "Epochs": true, "FollowAttempt": true,
	"Messages": true, "Committed": true, "SendFirst": true,
}

func TestHandleReadyCoversEveryField(t *testing.T) {
	rt := reflect.TypeOf(zab.Ready{})
	for i := 0; i < rt.NumField(); i++ {
		if name := rt.Field(i).Name; !handledReadyFields[name] {
			t.Errorf("zab.Ready.%s is not handled by World.handleReady: persist it in its step of the Ready contract, then list it here", name)
		}
	}
}

// TestFollowAttemptSurvivesRestart: the attempt number a peer wrote
// before a crash is on its disk after the restart, and its next
// FOLLOWERINFO names a higher one.
func TestFollowAttemptSurvivesRestart(t *testing.T) {
	w, err := New(Config{Seed: 1, Peers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !w.RunUntilCond(400*w.TickEvery(), w.Stable) {
		t.Fatal("no stable leader")
	}
	var follower zab.PeerID
	for _, id := range w.IDs() {
		if s, _ := w.Status(id); s.Role == zab.RoleFollowing {
			follower = id
			break
		}
	}
	before := w.Disk(follower).FollowAttempt()
	if before == 0 {
		t.Fatalf("peer %d follows, but its disk holds no follow attempt", follower)
	}
	if err := w.Crash(follower); err != nil {
		t.Fatal(err)
	}
	if err := w.Restart(follower); err != nil {
		t.Fatal(err)
	}
	if got := w.Disk(follower).FollowAttempt(); got < before {
		t.Fatalf("after restart the disk holds attempt %d, below %d", got, before)
	}
	var sent uint64
	w.Net.Filter = func(m *zab.Message) Verdict {
		if m.Type == zab.MsgFollowerInfo && m.From == follower && sent == 0 {
			sent = m.Attempt
		}
		return Pass
	}
	w.RunUntilCond(400*w.TickEvery(), func() bool { return sent != 0 })
	if sent <= before {
		t.Fatalf("FOLLOWERINFO after the restart names attempt %d, want above %d", sent, before)
	}
}
