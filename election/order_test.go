package election

import (
	"math/rand/v2"
	"testing"

	"zabkafka/election/quorum"
)

// TestVoteBeatsOrder checks totalOrderPredicate's order: epoch first, then
// zxid, then leader id.
func TestVoteBeatsOrder(t *testing.T) {
	zx := func(e, c uint64) uint64 { return e<<32 | c }
	tests := []struct {
		name string
		v, o Vote
		want bool
	}{
		{"higher epoch beats longer log", Vote{Leader: 1, Epoch: 3, Zxid: zx(2, 1)}, Vote{Leader: 2, Epoch: 2, Zxid: zx(2, 90)}, true},
		{"lower epoch loses to shorter log", Vote{Leader: 2, Epoch: 2, Zxid: zx(2, 90)}, Vote{Leader: 1, Epoch: 3, Zxid: zx(2, 1)}, false},
		{"same epoch, higher zxid", Vote{Leader: 1, Epoch: 2, Zxid: zx(2, 5)}, Vote{Leader: 3, Epoch: 2, Zxid: zx(2, 4)}, true},
		{"same epoch, lower zxid", Vote{Leader: 3, Epoch: 2, Zxid: zx(2, 4)}, Vote{Leader: 1, Epoch: 2, Zxid: zx(2, 5)}, false},
		{"zxid epoch half counts before counter", Vote{Leader: 1, Epoch: 2, Zxid: zx(2, 0)}, Vote{Leader: 2, Epoch: 2, Zxid: zx(1, 99)}, true},
		{"tie broken by higher id", Vote{Leader: 3, Epoch: 1, Zxid: zx(1, 1)}, Vote{Leader: 2, Epoch: 1, Zxid: zx(1, 1)}, true},
		{"tie lost by lower id", Vote{Leader: 2, Epoch: 1, Zxid: zx(1, 1)}, Vote{Leader: 3, Epoch: 1, Zxid: zx(1, 1)}, false},
		{"equal votes do not beat each other", Vote{Leader: 2, Epoch: 1, Zxid: 7}, Vote{Leader: 2, Epoch: 1, Zxid: 7}, false},
		{"empty peer: id decides", Vote{Leader: 5}, Vote{Leader: 4}, true},
	}
	for _, tc := range tests {
		if got := tc.v.Beats(tc.o); got != tc.want {
			t.Errorf("%s: %v.Beats(%v) = %v, want %v", tc.name, tc.v, tc.o, got, tc.want)
		}
	}
}

// TestVoteBeatsIsStrictTotalOrder checks, on random small votes, that
// exactly one of two distinct votes beats the other and that the order is
// transitive, so "the best vote" of a set is well defined.
func TestVoteBeatsIsStrictTotalOrder(t *testing.T) {
	seed := uint64(20240601)
	rng := rand.New(rand.NewPCG(seed, seed))
	small := func() Vote {
		return Vote{Leader: quorum.PeerID(rng.IntN(3)), Epoch: uint32(rng.IntN(3)), Zxid: uint64(rng.IntN(3))}
	}
	for i := 0; i < 5000; i++ {
		a, b, c := small(), small(), small()
		if a == b && a.Beats(b) {
			t.Fatalf("seed %d: %v beats itself", seed, a)
		}
		if a != b && a.Beats(b) == b.Beats(a) {
			t.Fatalf("seed %d: %v and %v: Beats not antisymmetric and total", seed, a, b)
		}
		if a.Beats(b) && b.Beats(c) && !a.Beats(c) {
			t.Fatalf("seed %d: %v > %v > %v but not %v > %v", seed, a, b, c, a, c)
		}
	}
}

// TestBallotMatches checks Vote.equals: LOOKING ballots must agree on the
// whole vote and the round; ballots of peers out of the election compare
// only leader and epoch (ZOOKEEPER-1818).
func TestBallotMatches(t *testing.T) {
	v := Vote{Leader: 3, Epoch: 2, Zxid: 2<<32 | 7}
	otherZxid := Vote{Leader: 3, Epoch: 2, Zxid: 2<<32 | 9}
	otherEpoch := Vote{Leader: 3, Epoch: 1, Zxid: 2<<32 | 7}
	otherLeader := Vote{Leader: 2, Epoch: 2, Zxid: 2<<32 | 7}
	tests := []struct {
		name string
		a, b ballot
		want bool
	}{
		{"looking, identical", ballot{v, 4, Looking}, ballot{v, 4, Looking}, true},
		{"looking, other round", ballot{v, 4, Looking}, ballot{v, 5, Looking}, false},
		{"looking, other zxid", ballot{v, 4, Looking}, ballot{otherZxid, 4, Looking}, false},
		{"looking vs following, identical vote and round", ballot{v, 4, Looking}, ballot{v, 4, Following}, true},
		{"looking vs following, other round", ballot{v, 4, Looking}, ballot{v, 3, Following}, false},
		{"following vs looking, other zxid", ballot{otherZxid, 4, Following}, ballot{v, 4, Looking}, false},
		{"following vs leading, other zxid and round", ballot{v, 4, Following}, ballot{otherZxid, 9, Leading}, true},
		{"following vs following, other epoch", ballot{v, 4, Following}, ballot{otherEpoch, 4, Following}, false},
		{"following vs leading, other leader", ballot{v, 4, Following}, ballot{otherLeader, 4, Leading}, false},
	}
	for _, tc := range tests {
		if got := tc.a.matches(tc.b); got != tc.want {
			t.Errorf("%s: matches = %v, want %v", tc.name, got, tc.want)
		}
		if got := tc.b.matches(tc.a); got != tc.want {
			t.Errorf("%s (swapped): matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestStrings pins the log forms, which other packages' logs rely on.
func TestStrings(t *testing.T) {
	v := Vote{Leader: 3, Epoch: 2, Zxid: 2<<32 | 167}
	if got, want := v.String(), "n3@e2:c167/pe2"; got != want {
		t.Errorf("Vote.String = %q, want %q", got, want)
	}
	n := Notification{From: 1, To: 2, Vote: v, Round: 5, State: Following}
	if got, want := n.String(), "n1->n2 FOLLOWING r5 n3@e2:c167/pe2"; got != want {
		t.Errorf("Notification.String = %q, want %q", got, want)
	}
	if got := State(9).String(); got != "UNKNOWN" {
		t.Errorf("State(9).String = %q", got)
	}
}
