package election

import (
	"reflect"
	"testing"

	"zabkafka/election/quorum"
)

// quiet returns an elector among voters 1..n that never re-sends during a
// short test, so every notification it returns is a reaction to the test.
func quiet(id quorum.PeerID, n, finalizeTicks int) *Elector {
	return New(Config{ID: id, Voters: peerIDs(n), FinalizeTicks: finalizeTicks, MinResendTicks: 1000, MaxResendTicks: 1000})
}

// looking builds a LOOKING notification from -> to.
func looking(from, to quorum.PeerID, round uint64, v Vote) Notification {
	return Notification{From: from, To: to, Vote: v, Round: round, State: Looking}
}

// vote builds a vote for leader with the given epoch and counter.
func vote(leader quorum.PeerID, epoch uint32, counter uint64) Vote {
	return Vote{Leader: leader, Epoch: epoch, Zxid: uint64(epoch)<<32 | counter}
}

// ticks ticks e n times and fails if a tick returns notifications.
func ticks(t *testing.T, e *Elector, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if out := e.Tick(); len(out) != 0 {
			t.Fatalf("tick %d sent %v", i+1, out)
		}
	}
}

func TestStartBroadcastsInitialVoteInNewRound(t *testing.T) {
	e := quiet(2, 3, 2)
	if e.Looking() {
		t.Fatal("a new elector says it is looking before Start")
	}
	v := vote(2, 1, 4)
	out := e.Start(v)
	want := []Notification{looking(2, 1, 1, v), looking(2, 3, 1, v)}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("Start sent %v, want %v", out, want)
	}
	if !e.Looking() || e.Round() != 1 || e.Vote() != v {
		t.Fatalf("after Start: looking=%v round=%d vote=%v", e.Looking(), e.Round(), e.Vote())
	}
	if _, ok := e.Decided(); ok {
		t.Fatal("decided right after Start with 3 voters")
	}
	e.Start(v)
	if e.Round() != 2 {
		t.Fatalf("second Start: round %d, want 2", e.Round())
	}
}

func TestEqualRoundAdoptsOnlyBetterVote(t *testing.T) {
	e := quiet(1, 3, 5)
	mine := vote(1, 1, 5)
	e.Start(mine)

	// A worse vote in the same round is recorded but changes nothing.
	if out := e.Step(looking(2, 1, 1, vote(2, 1, 3))); len(out) != 0 {
		t.Fatalf("worse vote made us send %v", out)
	}
	if e.Vote() != mine {
		t.Fatalf("proposal %v after a worse vote, want %v", e.Vote(), mine)
	}
	if got := e.recv[2].vote; got != vote(2, 1, 3) {
		t.Fatalf("worse vote not recorded: recv[2] = %v", got)
	}

	// A better one is adopted and broadcast.
	better := vote(3, 2, 1)
	out := e.Step(looking(3, 1, 1, better))
	want := []Notification{looking(1, 2, 1, better), looking(1, 3, 1, better)}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("better vote: sent %v, want %v", out, want)
	}
	if e.Vote() != better || e.Round() != 1 {
		t.Fatalf("proposal %v round %d, want %v round 1", e.Vote(), e.Round(), better)
	}
}

// TestHigherRoundAdoptsBetterOfTheirsAndMyInitial checks lookForLeader's
// rule on a newer round: compare the sender's vote with my initial vote,
// not with the proposal an older round made me adopt.
func TestHigherRoundAdoptsBetterOfTheirsAndMyInitial(t *testing.T) {
	e := quiet(1, 3, 5)
	initial := vote(1, 1, 5)
	high := vote(3, 2, 9)
	e.Start(initial)
	e.Step(looking(3, 1, 1, high)) // round 1: adopt 3's better vote

	// Round 2 brings a vote better than my initial one but worse than
	// what round 1 made me adopt: take it.
	theirs := vote(2, 1, 7)
	out := e.Step(looking(2, 1, 2, theirs))
	want := []Notification{looking(1, 2, 2, theirs), looking(1, 3, 2, theirs)}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("round 2: sent %v, want %v", out, want)
	}
	if e.Round() != 2 || e.Vote() != theirs {
		t.Fatalf("round 2: round %d proposal %v, want round 2 proposal %v", e.Round(), e.Vote(), theirs)
	}
	if _, ok := e.recv[3]; ok {
		t.Fatal("the vote of round 1 survived into round 2")
	}

	// Round 3 brings a vote worse than my initial one, after round 2 had
	// made me adopt a better one again: back to my own.
	e.Step(looking(3, 1, 2, high))
	if e.Vote() != high {
		t.Fatalf("setup: proposal %v, want %v", e.Vote(), high)
	}
	e.Step(looking(2, 1, 3, vote(2, 1, 3)))
	if e.Round() != 3 || e.Vote() != initial {
		t.Fatalf("round 3: round %d proposal %v, want round 3 proposal %v", e.Round(), e.Vote(), initial)
	}
}

func TestLowerRoundIsAnsweredNotCounted(t *testing.T) {
	e := quiet(1, 3, 0)
	mine := vote(1, 1, 1)
	e.Start(mine)
	e.Start(mine)
	e.Start(mine) // round 3
	out := e.Step(looking(2, 1, 1, vote(2, 5, 5)))
	want := []Notification{looking(1, 2, 3, mine)}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("lower round: sent %v, want %v", out, want)
	}
	if _, ok := e.recv[2]; ok || e.Vote() != mine || e.Round() != 3 {
		t.Fatalf("lower-round vote changed state: recv=%v vote=%v round=%d", e.recv, e.Vote(), e.Round())
	}
	// Even with FinalizeTicks 0 it must not count toward a quorum.
	if _, ok := e.Decided(); ok {
		t.Fatal("decided on a lower-round vote")
	}
}

func TestQuorumOfMatchingVotesDecides(t *testing.T) {
	e := quiet(1, 5, 0)
	e.Start(vote(1, 1, 1))
	best := vote(4, 1, 9)
	e.Step(looking(4, 1, 1, best))
	if _, ok := e.Decided(); ok {
		t.Fatal("decided on 2 of 5")
	}
	e.Step(looking(2, 1, 1, best))
	d, ok := e.Decided()
	if !ok {
		t.Fatal("no decision on 3 of 5 matching votes")
	}
	want := Decision{Leader: 4, Vote: best, Round: 1, Support: []quorum.PeerID{1, 2, 4}}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("decision %+v, want %+v", d, want)
	}
	if e.Looking() {
		t.Fatal("still looking after deciding")
	}
}

// TestSameRoundLeadingNotificationCounts: a FOLLOWING or LEADING peer in
// my own round is counted with the LOOKING votes (receivedFollowingNotification,
// first branch), and the leader's own LEADING passes checkLeader.
func TestSameRoundLeadingNotificationCounts(t *testing.T) {
	e := quiet(1, 3, 100)
	v3 := vote(3, 2, 2)
	e.Start(vote(1, 1, 1))
	e.Step(looking(3, 1, 1, v3))
	out := e.Step(Notification{From: 3, To: 1, Vote: v3, Round: 1, State: Leading})
	if len(out) != 0 {
		t.Fatalf("joining sent %v", out)
	}
	d, ok := e.Decided()
	if !ok || d.Leader != 3 || d.Round != 1 || !reflect.DeepEqual(d.Support, []quorum.PeerID{1, 3}) {
		t.Fatalf("decided=%v %+v, want to follow 3 in round 1 with support [1 3] without a finalize wait", ok, d)
	}
}

func TestFinalizeWaitCancelledByBetterVote(t *testing.T) {
	e := quiet(1, 3, 3)
	e.Start(vote(1, 1, 1))
	v2 := vote(2, 1, 5)
	e.Step(looking(2, 1, 1, v2)) // quorum {1, 2} for v2: the wait starts
	ticks(t, e, 2)
	if _, ok := e.Decided(); ok {
		t.Fatal("decided before the finalize wait ran out")
	}
	v3 := vote(3, 1, 6)
	e.Step(looking(3, 1, 1, v3)) // better: adopted, quorum {1, 3} for v3, wait restarts
	ticks(t, e, 1)
	if d, ok := e.Decided(); ok {
		t.Fatalf("decided %+v when the wait for v2 would have ended", d)
	}
	ticks(t, e, 1)
	if _, ok := e.Decided(); ok {
		t.Fatal("the wait for v3 did not start afresh")
	}
	ticks(t, e, 1)
	d, ok := e.Decided()
	if !ok || d.Vote != v3 {
		t.Fatalf("decided=%v %+v, want the better vote %v", ok, d, v3)
	}
}

// TestFinalizeWaitRestartedByBetterVoteFromLaggingRound: a lagging peer
// with a better vote holds the decision back, since it will re-send that
// vote in our round once our answer reaches it.
func TestFinalizeWaitRestartedByBetterVoteFromLaggingRound(t *testing.T) {
	e := quiet(1, 3, 3)
	e.Start(vote(1, 1, 1))
	e.Start(vote(1, 1, 1)) // round 2
	v2 := vote(2, 1, 5)
	e.Step(looking(2, 1, 2, v2))
	ticks(t, e, 2)
	out := e.Step(looking(3, 1, 1, vote(3, 4, 4)))
	if want := []Notification{looking(1, 3, 2, v2)}; !reflect.DeepEqual(out, want) {
		t.Fatalf("lagging peer answered with %v, want %v", out, want)
	}
	ticks(t, e, 2)
	if _, ok := e.Decided(); ok {
		t.Fatal("decided although a better vote arrived during the wait")
	}
	// The lagging peer never catches up: the wait is bounded all the same.
	ticks(t, e, 1)
	if d, ok := e.Decided(); !ok || d.Vote != v2 {
		t.Fatalf("decided=%v %+v, want %v after a full wait", ok, d, v2)
	}
}

// TestFinalizeWaitIgnoresChatter: notifications that do not beat the
// proposal do not restart the wait (our bounded version of finalizeWait).
func TestFinalizeWaitIgnoresChatter(t *testing.T) {
	e := quiet(1, 3, 3)
	e.Start(vote(1, 1, 1))
	v3 := vote(3, 1, 5)
	e.Step(looking(3, 1, 1, v3))
	for i := 0; i < 2; i++ {
		e.Step(looking(2, 1, 1, vote(2, 1, 2))) // same round, worse
		e.Step(looking(3, 1, 1, v3))            // same round, equal
		ticks(t, e, 1)
	}
	e.Step(looking(2, 1, 1, vote(2, 1, 2)))
	if _, ok := e.Decided(); ok {
		t.Fatal("decided early")
	}
	ticks(t, e, 1)
	if d, ok := e.Decided(); !ok || d.Vote != v3 {
		t.Fatalf("decided=%v %+v: chatter kept the wait from ending", ok, d)
	}
}

func TestFinalizeWaitStopsWhenQuorumIsLost(t *testing.T) {
	e := quiet(1, 3, 2)
	e.Start(vote(1, 1, 1))
	v3 := vote(3, 1, 5)
	e.Step(looking(3, 1, 1, v3)) // quorum {1, 3}
	ticks(t, e, 1)
	// 2 opens a newer round with a vote worse than ours: we follow into
	// that round with our own vote, and our round-1 quorum is gone.
	e.Step(looking(2, 1, 2, vote(2, 0, 1)))
	ticks(t, e, 5)
	if d, ok := e.Decided(); ok {
		t.Fatalf("decided %+v on a quorum of an abandoned round", d)
	}
}

func TestSettledPeerAnswersLookingPeers(t *testing.T) {
	e := quiet(2, 3, 0)
	e.Start(vote(2, 1, 1))
	won := vote(3, 1, 4)
	e.Step(looking(3, 2, 1, won)) // decides: follow 3 in round 1
	e.Settle(Following, won)
	if e.Looking() {
		t.Fatal("looking after Settle")
	}
	out := e.Step(looking(1, 2, 7, vote(1, 0, 0)))
	want := []Notification{{From: 2, To: 1, Vote: won, Round: 1, State: Following}}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("answer %v, want %v", out, want)
	}
	if out := e.Step(Notification{From: 1, To: 2, Vote: won, Round: 1, State: Following}); len(out) != 0 {
		t.Fatalf("answered a non-LOOKING peer: %v", out)
	}
	if out := e.Tick(); len(out) != 0 {
		t.Fatalf("settled peer re-sent %v", out)
	}
	if e.Round() != 1 {
		t.Fatalf("a LOOKING peer's round 7 changed a settled peer's round to %d", e.Round())
	}

	// ZOOKEEPER-1732: after sync the advertised epoch is the new one; the
	// zxid stays as decided.
	e.UpdateVote(Vote{Leader: 3, Epoch: 2})
	got := e.Step(looking(1, 2, 7, vote(1, 0, 0)))[0].Vote
	if want := (Vote{Leader: 3, Zxid: won.Zxid, Epoch: 2}); got != want {
		t.Fatalf("after UpdateVote the answer carries %v, want %v", got, want)
	}
	e.UpdateVote(Vote{Leader: 1, Epoch: 9}) // names another leader: ignored
	if e.Vote().Epoch != 2 || e.Vote().Leader != 3 {
		t.Fatalf("UpdateVote for another leader changed the vote to %v", e.Vote())
	}
	e.Settle(Looking, vote(1, 0, 0)) // not a settled state: ignored
	if e.Looking() || e.Vote().Leader != 3 {
		t.Fatal("Settle(Looking) was not ignored")
	}
	// The decision itself stays as it was made.
	if d, _ := e.Decided(); d.Vote != won {
		t.Fatalf("decision changed to %v", d.Vote)
	}
}

func TestUpdateVoteIgnoredWhileLooking(t *testing.T) {
	e := quiet(1, 3, 2)
	v := vote(1, 1, 1)
	e.Start(v)
	e.UpdateVote(Vote{Leader: 1, Epoch: 5})
	if e.Vote() != v {
		t.Fatalf("UpdateVote while looking changed the proposal to %v", e.Vote())
	}
}

func TestStartAfterDecisionBeginsAfresh(t *testing.T) {
	e := quiet(1, 3, 0)
	e.Start(vote(1, 1, 1))
	e.Step(looking(2, 1, 1, vote(2, 1, 2)))
	if _, ok := e.Decided(); !ok {
		t.Fatal("setup: no decision")
	}
	e.Step(Notification{From: 3, To: 1, Vote: vote(3, 0, 0), Round: 9, State: Following})
	out := e.Start(vote(1, 1, 1))
	if len(out) != 2 || !e.Looking() || e.Round() != 2 {
		t.Fatalf("restart: sent %d, looking=%v round=%d", len(out), e.Looking(), e.Round())
	}
	if _, ok := e.Decided(); ok {
		t.Fatal("the old decision survived Start")
	}
	if len(e.recv) != 1 || len(e.outOfElection) != 0 {
		t.Fatalf("old votes survived Start: recv=%v out=%v", e.recv, e.outOfElection)
	}
}

func TestInvalidNotificationsAreIgnored(t *testing.T) {
	good := vote(2, 9, 9)
	tests := []struct {
		name string
		n    Notification
	}{
		{"from a non-voter", looking(7, 1, 1, vote(7, 9, 9))},
		{"naming a non-voter leader", looking(2, 1, 1, vote(7, 9, 9))},
		{"addressed to another peer", looking(2, 3, 1, good)},
		{"from myself", looking(1, 1, 1, good)},
		{"unknown state", Notification{From: 2, To: 1, Vote: good, Round: 1, State: 3}},
		{"observer state", Notification{From: 2, To: 1, Vote: good, Round: 1, State: 200}},
	}
	for _, tc := range tests {
		e := quiet(1, 3, 0)
		mine := vote(1, 1, 1)
		e.Start(mine)
		if out := e.Step(tc.n); len(out) != 0 {
			t.Errorf("%s: sent %v", tc.name, out)
		}
		if e.Vote() != mine || e.Round() != 1 || len(e.recv) != 1 || len(e.outOfElection) != 0 {
			t.Errorf("%s: state changed: vote=%v round=%d recv=%v", tc.name, e.Vote(), e.Round(), e.recv)
		}
		// A settled peer does not answer them either.
		e.Settle(Leading, mine)
		if out := e.Step(tc.n); len(out) != 0 {
			t.Errorf("%s: settled peer answered %v", tc.name, out)
		}
	}
}

func TestIdleElectorDoesNothing(t *testing.T) {
	e := quiet(1, 3, 0)
	if out := e.Step(looking(2, 1, 1, vote(2, 1, 1))); out != nil {
		t.Fatalf("idle elector answered %v", out)
	}
	if out := e.Tick(); out != nil {
		t.Fatalf("idle elector ticked out %v", out)
	}
	if _, ok := e.Decided(); ok || e.Looking() || e.Round() != 0 {
		t.Fatal("idle elector has state")
	}
}

func TestSingleVoterElectsItself(t *testing.T) {
	e := New(Config{ID: 4, Voters: []quorum.PeerID{4, 4}, FinalizeTicks: 2})
	v := vote(4, 3, 3)
	if out := e.Start(v); len(out) != 0 {
		t.Fatalf("single voter sent %v", out)
	}
	ticks(t, e, 1)
	if _, ok := e.Decided(); ok {
		t.Fatal("decided before the finalize wait")
	}
	ticks(t, e, 1)
	d, ok := e.Decided()
	if !ok || d.Leader != 4 || d.Vote != v || !reflect.DeepEqual(d.Support, []quorum.PeerID{4}) {
		t.Fatalf("decided=%v %+v, want to lead alone", ok, d)
	}

	e = New(Config{ID: 4, Voters: []quorum.PeerID{4}})
	e.Start(v)
	if _, ok := e.Decided(); !ok {
		t.Fatal("FinalizeTicks 0: no decision at Start")
	}
}

func TestNoVotersNeverDecides(t *testing.T) {
	e := New(Config{ID: 1})
	if out := e.Start(vote(1, 1, 1)); len(out) != 0 {
		t.Fatalf("sent %v with no voters", out)
	}
	for i := 0; i < 50; i++ {
		e.Tick()
		e.Step(looking(2, 1, 1, vote(2, 1, 1)))
	}
	if _, ok := e.Decided(); ok {
		t.Fatal("decided with no voters")
	}
}

func TestDecisionSupportIsACopy(t *testing.T) {
	e := quiet(1, 3, 0)
	e.Start(vote(1, 1, 1))
	e.Step(looking(2, 1, 1, vote(2, 1, 2)))
	d, _ := e.Decided()
	d.Support[0] = 99
	if again, _ := e.Decided(); again.Support[0] == 99 {
		t.Fatal("Decided shares its Support slice with the caller")
	}
}
