package zab

import "testing"

// TestSendFirstOnlyForALeadersBroadcast: Ready.SendFirst marks exactly
// the Readies whose messages vouch for none of their writes. Through an
// election, a sync and proposals, every Ready that carries an ACK,
// ACKEPOCH, ACKNEWLEADER, VOTE, FOLLOWERINFO, LEADERINFO, NEWLEADER or
// UPTODATE, or writes epochs, a snapshot, a truncation or a follow
// attempt, must not have it; and an established leader's proposals must
// have it, or the leader's fsync stays on every round trip. A follower's
// restart makes the leader sync it (NEWLEADER, UPTODATE) while it
// proposes.
func TestSendFirstOnlyForALeadersBroadcast(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.onReady = func(id PeerID, rd Ready) {
		if !rd.SendFirst {
			return
		}
		if rd.Epochs != nil || rd.Snapshot != nil || rd.Truncate || rd.FollowAttempt != 0 {
			t.Errorf("peer %d: SendFirst on a Ready that writes epochs, a snapshot, a truncation or a follow attempt", id)
		}
		if st := c.peers[id].Status(); st.Role != RoleLeading || st.Phase != PhaseBroadcast {
			t.Errorf("peer %d: SendFirst as %v in %v", id, st.Role, st.Phase)
		}
		for _, m := range rd.Messages {
			switch m.Type {
			case MsgProposal, MsgCommit, MsgPing:
			default:
				t.Errorf("peer %d: SendFirst on a Ready carrying %v", id, m.Type)
			}
		}
	}
	lead := c.waitLeader()
	sentFirst := 0
	inner := c.onReady
	c.onReady = func(id PeerID, rd Ready) {
		inner(id, rd)
		if id == lead && rd.SendFirst && len(rd.Append) > 0 {
			sentFirst++
		}
	}
	for i := range 5 {
		c.propose(lead, string(rune('a'+i)))
		c.deliver()
	}
	// A follower restarts and syncs: the leader's NEWLEADER goes in
	// order, its proposals around it still first.
	var f PeerID = 1
	if f == lead {
		f = 2
	}
	c.crash(f)
	c.propose(lead, "while one is down")
	c.deliver()
	c.start(f)
	c.waitLeader()
	c.propose(lead, "after the restart")
	c.deliver()
	if sentFirst < 6 {
		t.Errorf("the leader's proposals went first in %d Readies, want at least 6 (one a proposal)", sentFirst)
	}
}
