package diagram

import (
	"slices"
	"testing"

	"zabkafka/tests/sim"
	"zabkafka/zab"
)

func lineTexts(a arrow) []string {
	var out []string
	for _, l := range a.lines {
		out = append(out, l.text)
	}
	return out
}

// TestBatchesBecomeOneArrow: messages sent at once on one link are one
// arrow; a batch of one type is one counted line, other types get lines
// of their own, identical labels are counted, and a drop names its
// reason.
func TestBatchesBecomeOneArrow(t *testing.T) {
	z := zab.MakeZxid
	prop := func(c uint32, to zab.PeerID) message {
		return message{from: 3, to: to, sent: 10, at: 14, typ: zab.MsgProposal, label: "PROPOSAL +" + z(1, c).String(),
			first: z(1, c), last: z(1, c), batch: true}
	}
	msgs := []message{prop(3, 2), prop(4, 2), prop(5, 2),
		{from: 3, to: 2, sent: 10, at: 14, typ: zab.MsgCommit, label: "COMMIT e1:c2", first: z(1, 2), last: z(1, 2), batch: true},
		prop(3, 1), // another link
		{from: 3, to: 2, sent: 11, at: 15, typ: zab.MsgVote, label: "VOTE (e1,e1:c2,n3) LEADING"},
		{from: 3, to: 2, sent: 11, at: 15, typ: zab.MsgVote, label: "VOTE (e1,e1:c2,n3) LEADING"},
		{from: 3, to: 2, sent: 12, at: 16, typ: zab.MsgAck, label: "ACK e1:c9", dropped: true, why: "loss", first: z(1, 9), last: z(1, 9), batch: true},
	}
	arrows := groupMessages(msgs)
	want := [][]string{
		{"PROPOSAL ×3 +e1:c3..c5", "COMMIT e1:c2"},
		{"PROPOSAL +e1:c3"},
		{"VOTE (e1,e1:c2,n3) LEADING (×2)"},
		{"ACK e1:c9", "dropped: loss"},
	}
	if len(arrows) != len(want) {
		t.Fatalf("%d arrows, want %d: %+v", len(arrows), len(want), arrows)
	}
	for i, a := range arrows {
		if got := lineTexts(a); !slices.Equal(got, want[i]) {
			t.Errorf("arrow %d says %q, want %q", i, got, want[i])
		}
	}
	if arrows[0].cat != "broadcast" || arrows[0].lines[1].cat != "commit" {
		t.Errorf("colours: arrow %q, second line %q", arrows[0].cat, arrows[0].lines[1].cat)
	}
}

// TestLostMessagesShareAStub: messages lost as they were sent, alike but
// for their receivers, are one stub toward the nearest receiver whose
// label names them all; a loss with another reason stays apart.
func TestLostMessagesShareAStub(t *testing.T) {
	lost := func(to zab.PeerID, why string) message {
		return message{from: 5, to: to, sent: 10, at: 10, typ: zab.MsgProposal, label: "PROPOSAL +e1:c3", dropped: true, why: why}
	}
	arrows := groupMessages([]message{lost(2, "filter"), lost(4, "filter"), lost(3, "filter"), lost(1, "partition")})
	if len(arrows) != 2 {
		t.Fatalf("%d arrows, want 2: %+v", len(arrows), arrows)
	}
	if a := arrows[0]; a.to != 4 || !slices.Equal(lineTexts(a), []string{"PROPOSAL +e1:c3", "dropped: filter (to n2 n3 n4)"}) {
		t.Errorf("shared stub to n%d says %q", a.to, lineTexts(a))
	}
	if a := arrows[1]; a.to != 1 || !slices.Equal(lineTexts(a), []string{"PROPOSAL +e1:c3", "dropped: partition"}) {
		t.Errorf("other stub to n%d says %q", a.to, lineTexts(a))
	}
}

// TestEpochMarks: a lane's head shows its epochs at the window's start;
// each change inside the window is marked with what changed.
func TestEpochMarks(t *testing.T) {
	changes := []EpochChange{
		{At: 0, Peer: 1, Epochs: zab.Epochs{}},
		{At: 0, Peer: 2, Epochs: zab.Epochs{}},
		{At: 5, Peer: 1, Epochs: zab.Epochs{Accepted: 1}},
		{At: 12, Peer: 1, Epochs: zab.Epochs{Accepted: 1, Current: 1}},
		{At: 14, Peer: 2, Epochs: zab.Epochs{Accepted: 2, Current: 2}},
		{At: 30, Peer: 3, Epochs: zab.Epochs{Accepted: 2, Current: 1}}, // first seen inside the window
		{At: 99, Peer: 1, Epochs: zab.Epochs{Accepted: 3, Current: 3}}, // after it
	}
	v := View{Peers: []zab.PeerID{1, 2, 3}, From: 6, To: 50}
	sc := buildScene(v, nil, nil, changes)
	if h := sc.heads; len(h) != 2 || h[1] != (zab.Epochs{Accepted: 1}) || h[2] != (zab.Epochs{}) {
		t.Errorf("heads %+v, want n1 acc=1 and n2 0/0 (n3 unseen)", h)
	}
	var got []string
	for _, m := range sc.marks {
		if m.kind == markEpochs {
			got = append(got, m.text)
		}
	}
	if want := []string{"cur=e1", "acc=e2 cur=e2", "acc=e2 cur=e1"}; !slices.Equal(got, want) {
		t.Errorf("epoch marks %q, want %q", got, want)
	}
}

// TestMarksStackInOrder: marks at one lane and time are written in kind
// order (the role before its epochs before deliveries), whatever order
// the trace gave them in.
func TestMarksStackInOrder(t *testing.T) {
	events := []sim.Event{
		{Time: 5, Kind: sim.KindCommit, Peer: 1, Zxid: zab.MakeZxid(1, 1)},
		{Time: 5, Kind: sim.KindRole, Peer: 1, Role: zab.RoleFollowing, Phase: zab.PhaseSync, Leader: 2},
	}
	changes := []EpochChange{{At: 0, Peer: 1}, {At: 5, Peer: 1, Epochs: zab.Epochs{Accepted: 1, Current: 1}}}
	sc := buildScene(View{Peers: []zab.PeerID{1, 2}, To: 10}, events, make([]Paired, len(events)), changes)
	var got []string
	for _, m := range sc.marks {
		got = append(got, m.text)
	}
	if want := []string{"FOLLOWING n2 sync", "acc=e1 cur=e1", "deliver e1:c1"}; !slices.Equal(got, want) {
		t.Errorf("marks %q, want %q", got, want)
	}
}

// TestCaptureFollowsEpochs: in the first election every peer goes from
// 0/0 to acceptedEpoch 1 (LEADERINFO) and then currentEpoch 1
// (NEWLEADER), in that order, and the follower's changes come no earlier
// than the messages that cause them arrive.
func TestCaptureFollowsEpochs(t *testing.T) {
	res, err := Scenarios()[0].Run()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[zab.PeerID][]zab.Epochs{}
	at := map[zab.PeerID][]int64{}
	for _, c := range res.Epochs {
		seen[c.Peer] = append(seen[c.Peer], c.Epochs)
		at[c.Peer] = append(at[c.Peer], c.At)
	}
	want := []zab.Epochs{{}, {Accepted: 1}, {Accepted: 1, Current: 1}}
	for _, p := range []zab.PeerID{1, 2, 3} {
		if !slices.Equal(seen[p], want) {
			t.Errorf("n%d epochs %v, want %v", p, seen[p], want)
		}
	}
	arrived := func(typ zab.MsgType, to zab.PeerID) int64 {
		for _, e := range res.Events {
			if e.Kind == sim.KindDeliver && e.Type == typ && e.To == to {
				return e.Time
			}
		}
		return -1
	}
	for _, p := range []zab.PeerID{1, 2} { // the followers
		if len(at[p]) == 3 && (at[p][1] != arrived(zab.MsgLeaderInfo, p) || at[p][2] != arrived(zab.MsgNewLeader, p)) {
			t.Errorf("n%d changed epochs at %v; LEADERINFO arrived at %d, NEWLEADER at %d",
				p, at[p], arrived(zab.MsgLeaderInfo, p), arrived(zab.MsgNewLeader, p))
		}
	}
}
