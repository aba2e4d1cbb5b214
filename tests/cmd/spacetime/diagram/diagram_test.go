package diagram

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"zabkafka/election"
	"zabkafka/tests/sim"
	"zabkafka/zab"
)

func TestLabels(t *testing.T) {
	txns := []zab.Txn{{Zxid: zab.MakeZxid(1, 4)}, {Zxid: zab.MakeZxid(1, 6)}}
	for _, tc := range []struct {
		m    zab.Message
		want string
	}{
		{zab.Message{Type: zab.MsgVote, Vote: &election.Notification{Vote: election.Vote{Leader: 3, Zxid: uint64(zab.MakeZxid(1, 2)), Epoch: 2}}}, "VOTE (e2,e1:c2,n3) LOOKING"},
		{zab.Message{Type: zab.MsgVote, Vote: &election.Notification{Vote: election.Vote{Leader: 3, Epoch: 1}, State: election.Leading}}, "VOTE (e1,e0:c0,n3) LEADING"},
		{zab.Message{Type: zab.MsgVote}, "VOTE"},
		{zab.Message{Type: zab.MsgFollowerInfo, Epoch: 1}, "FOLLOWERINFO acc=e1"},
		{zab.Message{Type: zab.MsgLeaderInfo, Epoch: 2}, "LEADERINFO e2"},
		{zab.Message{Type: zab.MsgAckEpoch, Epoch: 2, Zxid: zab.MakeZxid(1, 5)}, "ACKEPOCH e2 last=e1:c5"},
		{zab.Message{Type: zab.MsgNewLeader, Mode: zab.SyncTrunc, Zxid: zab.MakeZxid(1, 3)}, "NEWLEADER TRUNC e1:c3"},
		{zab.Message{Type: zab.MsgNewLeader, Mode: zab.SyncDiff, Zxid: zab.MakeZxid(1, 3), Txns: txns}, "NEWLEADER DIFF e1:c3 +e1:c4..c6"},
		{zab.Message{Type: zab.MsgProposal, Zxid: zab.MakeZxid(1, 3), Txns: txns[:1]}, "PROPOSAL +e1:c4"},
		{zab.Message{Type: zab.MsgProposal, Zxid: zab.MakeZxid(1, 3)}, "PROPOSAL after e1:c3"},
		{zab.Message{Type: zab.MsgProposal, Txns: []zab.Txn{{Zxid: zab.MakeZxid(1, 9)}, {Zxid: zab.MakeZxid(2, 1)}}}, "PROPOSAL +e1:c9..e2:c1"},
		{zab.Message{Type: zab.MsgAck, Zxid: zab.MakeZxid(1, 6)}, "ACK e1:c6"},
		{zab.Message{Type: zab.MsgCommit, Commit: zab.MakeZxid(1, 6)}, "COMMIT e1:c6"},
		{zab.Message{Type: zab.MsgPing, Commit: zab.MakeZxid(1, 6)}, "PING c=e1:c6"},
		{zab.Message{Type: 99}, "UNKNOWN"},
	} {
		if got := Label(&tc.m); got != tc.want {
			t.Errorf("Label(%v) = %q, want %q", tc.m.Type, got, tc.want)
		}
	}
}

func TestBatchLabels(t *testing.T) {
	z := zab.MakeZxid
	for _, tc := range []struct {
		m           zab.Message
		first, last zab.Zxid
		ok          bool
	}{
		{zab.Message{Type: zab.MsgProposal, Zxid: z(1, 2), Txns: []zab.Txn{{Zxid: z(1, 3)}, {Zxid: z(1, 4)}}}, z(1, 3), z(1, 4), true},
		{zab.Message{Type: zab.MsgProposal, Zxid: z(1, 2)}, 0, 0, false},
		{zab.Message{Type: zab.MsgAck, Zxid: z(1, 5)}, z(1, 5), z(1, 5), true},
		{zab.Message{Type: zab.MsgCommit, Zxid: z(0, 0), Commit: z(1, 6)}, z(1, 6), z(1, 6), true},
		{zab.Message{Type: zab.MsgUpToDate, Commit: z(1, 6)}, 0, 0, false},
	} {
		f, l, ok := batchSpan(&tc.m)
		if f != tc.first || l != tc.last || ok != tc.ok {
			t.Errorf("batchSpan(%v) = %v %v %v", tc.m.Type, f, l, ok)
		}
	}
	if got := batchLabel(zab.MsgProposal, 5, z(1, 3), z(1, 7)); got != "PROPOSAL ×5 +e1:c3..c7" {
		t.Errorf("proposal batch: %q", got)
	}
	if got := batchLabel(zab.MsgAck, 2, z(1, 9), z(2, 1)); got != "ACK ×2 e1:c9..e2:c1" {
		t.Errorf("ack batch across epochs: %q", got)
	}
	if got := batchLabel(zab.MsgAck, 2, z(1, 9), z(1, 9)); got != "ACK ×2 e1:c9" {
		t.Errorf("repeated ack: %q", got)
	}
}

func TestMergeRange(t *testing.T) {
	if got := mergeRange("deliver e1:c1", zab.MakeZxid(1, 3)); got != "deliver e1:c1..c3" {
		t.Errorf("same epoch: %q", got)
	}
	if got := mergeRange("deliver e1:c1..c3", zab.MakeZxid(2, 1)); got != "deliver e1:c1..e2:c1" {
		t.Errorf("across epochs: %q", got)
	}
	if got := mergeRange("garbage", zab.MakeZxid(2, 1)); got != "garbage" {
		t.Errorf("unparsable text changed: %q", got)
	}
}

func deliver(t int64, from, to zab.PeerID, typ zab.MsgType) sim.Event {
	return sim.Event{Time: t, Kind: sim.KindDeliver, From: from, To: to, Type: typ}
}

// TestPairingWithConstantDelay: a delivery pairs with the send exactly
// one delay earlier even when an earlier send of the same key is still
// in flight; a drop at send time pairs with that send; an unexplained
// vote at attach time is an initial vote; an injected message stays
// unpaired.
func TestPairingWithConstantDelay(t *testing.T) {
	k := msgKey{from: 1, to: 2, typ: zab.MsgAck}
	sends := []Send{{At: 10, Key: k, Label: "first"}, {At: 12, Key: k, Label: "second"}, {At: 13, Key: k, Label: "third"}}
	drop := sim.Event{Time: 13, Kind: sim.KindDrop, From: 1, To: 2, Type: zab.MsgAck}
	events := []sim.Event{
		deliver(4, 2, 1, zab.MsgVote),  // initial vote, sent at 0
		deliver(14, 1, 2, zab.MsgAck),  // the send at 10
		drop,                           // the send at 13, lost as sent
		deliver(16, 1, 2, zab.MsgAck),  // the send at 12
		deliver(20, 3, 1, zab.MsgPing), // injected: no send
		{Time: 21, Kind: sim.KindCommit, Peer: 1},
	}
	got := pairSends(events, sends, 4, 0, map[zab.PeerID]string{2: "VOTE n2 e0:c0"})
	want := []string{"VOTE n2 e0:c0", "first", "third", "second", "", ""}
	for i, p := range got {
		if p.Label != want[i] || p.OK != (want[i] != "") {
			t.Errorf("event %d paired with %+v, want %q", i, p, want[i])
		}
	}
}

// TestPairingWithVariableDelay falls back to the earliest send not after
// the event.
func TestPairingWithVariableDelay(t *testing.T) {
	k := msgKey{from: 1, to: 2, typ: zab.MsgAck}
	sends := []Send{{At: 10, Key: k, Label: "a"}, {At: 12, Key: k, Label: "b"}}
	got := pairSends([]sim.Event{deliver(11, 1, 2, zab.MsgAck), deliver(13, 1, 2, zab.MsgAck), deliver(14, 1, 2, zab.MsgAck)}, sends, -1, 0, nil)
	if got[0].Label != "a" || got[1].Label != "b" || got[2].OK {
		t.Fatalf("paired %+v", got)
	}
}

func TestTimeAxisCutsQuietStretches(t *testing.T) {
	ax := newTimeAxis([]int64{100, 0, 5, 5, 10}, 10, 2, map[int64]float64{10: 50}, map[int64]float64{10: 7})
	if len(ax.times) != 4 {
		t.Fatalf("times %v: duplicates not removed", ax.times)
	}
	// 0 -> 5 is 5 units of 2 px; 5 -> 10 as much plus the 7 px added
	// there.
	if ax.y(0) != 10 || ax.y(5) != 20 || ax.y(10) != 37 {
		t.Errorf("y(0)=%v y(5)=%v y(10)=%v, want 10, 20 and 37", ax.y(0), ax.y(5), ax.y(10))
	}
	// 10 -> 100 is 90 units: cut to breakPx, but at least the 50 px the
	// annotations at 10 need.
	if want := 37 + max(breakPx, 50); ax.y(100) != want {
		t.Errorf("y(100) = %v, want %v", ax.y(100), want)
	}
	if len(ax.cuts) != 1 || ax.cuts[0].length != 90 {
		t.Errorf("cuts %+v, want one of 90 units", ax.cuts)
	}
	if y := ax.y(50); y <= ax.y(10) || y >= ax.y(100) {
		t.Errorf("y(50) = %v not between its neighbours", y)
	}
	if ax.y(-1) != ax.y(0) || ax.y(1000) != ax.y(100) {
		t.Errorf("times outside the axis are not clamped")
	}
	if (timeAxis{}).y(3) != 0 || (timeAxis{}).bottom() != 0 {
		t.Errorf("empty axis")
	}
}

// TestRenderIsWellFormedAndEscaped: the SVG parses as XML, and label text
// is escaped.
func TestRenderIsWellFormedAndEscaped(t *testing.T) {
	v := View{Title: "a <b> & c", Caption: "x", Peers: []zab.PeerID{1, 2}, TickEvery: 10, From: 0, To: 50}
	events := []sim.Event{
		{Time: 0, Kind: sim.KindRole, Peer: 1, Role: zab.RoleLeading, Phase: zab.PhaseBroadcast, Epoch: 1},
		deliver(5, 1, 2, zab.MsgProposal),
		{Time: 6, Kind: sim.KindDrop, From: 2, To: 1, Type: zab.MsgAck, Note: "loss"},
		{Time: 7, Kind: sim.KindCrash, Peer: 2},
		{Time: 8, Kind: sim.KindNetwork, Note: "isolate <1>"},
		{Time: 40, Kind: sim.KindRestart, Peer: 2},
		{Time: 41, Kind: sim.KindCommit, Peer: 1, Zxid: zab.MakeZxid(1, 1)},
		{Time: 41, Kind: sim.KindCommit, Peer: 1, Zxid: zab.MakeZxid(1, 2)},
		{Time: 45, Kind: sim.KindViolation, Note: "committed-removed: peer 2 zxid e1:c4: durable log lost committed e1:c4"},
	}
	sc := buildScene(v, events, make([]Paired, len(events)), nil)
	out := render(sc)
	d := xml.NewDecoder(bytes.NewReader(out))
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed XML: %v", err)
			}
			break
		}
	}
	for _, want := range []string{"a &lt;b&gt; &amp; c", "isolate &lt;1&gt;", "deliver e1:c1..c2", "dropped: loss", "e1 established",
		"VIOLATION committed-removed: peer 2 zxid e1:c4<"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if len(sc.segments) != 4 { // n1 leading; n2 looking, down, looking
		t.Errorf("segments %+v", sc.segments)
	}
}

// TestViolationText: a violation is marked by its rule, peer and zxid;
// one without a peer by its rule.
func TestViolationText(t *testing.T) {
	for note, want := range map[string]string{
		"prefix: peer 3 zxid e3:c1: delivered at position 3": "VIOLATION prefix: peer 3 zxid e3:c1",
		"convergence: the peers disagree":                    "VIOLATION convergence",
		"odd":                                                "VIOLATION odd",
	} {
		if got := violationText(note); got != want {
			t.Errorf("violationText(%q) = %q, want %q", note, got, want)
		}
	}
}

// TestHiddenMessagesAreNotDrawn: Hide and HideRepeatAcks leave arrows out;
// messages sent before the window are left out too.
func TestHiddenMessagesAreNotDrawn(t *testing.T) {
	events := []sim.Event{deliver(5, 1, 2, zab.MsgPing), deliver(6, 2, 1, zab.MsgAck), deliver(7, 2, 1, zab.MsgAck), deliver(8, 1, 2, zab.MsgCommit)}
	pairs := []Paired{
		{Send: Send{At: 4}, OK: true}, {Send: Send{At: 5, Repeat: true}, OK: true},
		{Send: Send{At: 6}, OK: true}, {Send: Send{At: 1}, OK: true},
	}
	v := View{Peers: []zab.PeerID{1, 2}, From: 3, To: 10, Hide: []zab.MsgType{zab.MsgPing}, HideRepeatAcks: true}
	sc := buildScene(v, events, pairs, nil)
	if len(sc.arrows) != 1 || sc.arrows[0].at != 7 {
		t.Fatalf("arrows %+v, want only the ACK delivered at 7", sc.arrows)
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aa bb cc dd", 5*advanceEm*10, 10)
	if strings.Join(got, "|") != "aa bb|cc dd" {
		t.Fatalf("wrap = %q", got)
	}
	if len(wrap("", 5, 10)) != 0 {
		t.Fatal("empty text wraps to lines")
	}
}

func TestExpect(t *testing.T) {
	if expect(true, "x") != nil {
		t.Fatal("expect(true) failed")
	}
	if err := expect(false, "leader n%d", 2); err == nil || err.Error() != "leader n2" {
		t.Fatalf("expect(false) = %v", err)
	}
}

// TestScenariosRunAndDraw: every scenario holds its caption's facts and
// draws deterministically and readably (CheckSVG), with a unique name.
func TestScenariosRunAndDraw(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Scenarios() {
		if seen[s.Name] || s.Title == "" || s.Caption == "" {
			t.Errorf("scenario %q: duplicate name or missing title/caption", s.Name)
		}
		seen[s.Name] = true
		a, err := s.Run()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.Run()
		svg, err := a.Draw()
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		if !bytes.Equal(svg, b.SVG()) {
			t.Errorf("%s: two runs drew differently", s.Name)
		}
	}
}

// TestScenarioFailureIsReported: a script that fails makes Run fail with
// the scenario's name.
func TestScenarioFailureIsReported(t *testing.T) {
	s := Scenario{Name: "broken", script: func() (*run, View, error) { return nil, View{}, expect(false, "boom") }}
	if _, err := s.Run(); err == nil || !strings.Contains(err.Error(), "broken: boom") {
		t.Fatalf("Run = %v", err)
	}
}
