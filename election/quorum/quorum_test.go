package quorum

import (
	"math/rand"
	"slices"
	"testing"
	"testing/quick"
)

func TestNewSet(t *testing.T) {
	for _, tc := range []struct {
		in   []PeerID
		want []PeerID
	}{
		{nil, nil},
		{[]PeerID{3}, []PeerID{3}},
		{[]PeerID{5, 1, 3}, []PeerID{1, 3, 5}},
		{[]PeerID{2, 2, 1, 2, 1}, []PeerID{1, 2}},
	} {
		in := slices.Clone(tc.in)
		s := NewSet(in)
		if !slices.Equal(s.IDs(), tc.want) || s.Len() != len(tc.want) {
			t.Errorf("NewSet(%v) = %v (len %d), want %v", tc.in, s.IDs(), s.Len(), tc.want)
		}
		if !slices.Equal(in, tc.in) {
			t.Errorf("NewSet(%v) changed its argument to %v", tc.in, in)
		}
		for _, id := range []PeerID{0, 1, 2, 3, 4, 5} {
			if got, want := s.Has(id), slices.Contains(tc.want, id); got != want {
				t.Errorf("NewSet(%v).Has(%d) = %v", tc.in, id, got)
			}
		}
	}
}

func TestIsQuorum(t *testing.T) {
	for _, tc := range []struct {
		voters   int
		smallest int // the fewest voters that are a quorum; -1: none
	}{
		{0, -1}, // the empty set has no quorum
		{1, 1},
		{2, 2},
		{3, 2},
		{4, 3},
		{5, 3},
		{6, 4},
		{7, 4},
	} {
		s := setOf(tc.voters)
		for n := 0; n <= tc.voters+1; n++ {
			want := tc.smallest > 0 && n >= tc.smallest
			if got := s.IsQuorum(n); got != want {
				t.Errorf("%d voters: IsQuorum(%d) = %v, want %v", tc.voters, n, got, want)
			}
		}
		if tc.smallest > 0 && s.QuorumSize() != tc.smallest {
			t.Errorf("%d voters: QuorumSize() = %d, want %d", tc.voters, s.QuorumSize(), tc.smallest)
		}
		if tc.smallest < 0 && s.QuorumSize() <= s.Len() {
			t.Errorf("%d voters: QuorumSize() = %d, a count the set can reach", tc.voters, s.QuorumSize())
		}
	}
	var zero Set
	if zero.IsQuorum(1) || zero.Len() != 0 || zero.Has(0) {
		t.Error("the zero Set is not empty")
	}
}

func TestCommittedIndex(t *testing.T) {
	for _, tc := range []struct {
		name   string
		voters int
		acked  []uint64
		want   uint64
	}{
		{"three voters, two at 5", 3, []uint64{5, 3, 5}, 5},
		{"three voters, spread", 3, []uint64{7, 3, 5}, 5},
		{"five voters", 5, []uint64{1, 9, 4, 6, 2}, 4},
		{"nobody acked", 3, []uint64{0, 0, 0}, 0},
		{"single voter", 1, []uint64{3}, 3},
		{"fewer acks than a quorum", 3, []uint64{3}, 0},
		{"missing voters count as nothing", 5, []uint64{8, 6, 7}, 6},
		{"no acks", 3, nil, 0},
		{"empty set", 0, []uint64{4}, 0},
		// A zxid's epoch is its high half: later epochs sort higher.
		{"across epochs", 3, []uint64{2<<32 | 1, 1<<32 | 9, 2<<32 | 3}, 2<<32 | 1},
	} {
		if got := CommittedIndex(setOf(tc.voters), slices.Clone(tc.acked)); got != tc.want {
			t.Errorf("%s: CommittedIndex(%d voters, %v) = %d, want %d", tc.name, tc.voters, tc.acked, got, tc.want)
		}
	}
}

// naiveCommittedIndex is the definition: the highest position p such that
// a quorum of voters acknowledged p or beyond (0 if none).
func naiveCommittedIndex(s Set, acked []uint64) uint64 {
	var best uint64
	for _, cand := range acked {
		n := 0
		for _, a := range acked {
			if a >= cand {
				n++
			}
		}
		if s.IsQuorum(n) && cand > best {
			best = cand
		}
	}
	return best
}

func TestCommittedIndexQuickCheck(t *testing.T) {
	cfg := &quick.Config{MaxCount: 2000, Rand: rand.New(rand.NewSource(7))}
	f := func(raw []uint16, extra uint8) bool {
		if len(raw) > 9 {
			return true
		}
		acked := make([]uint64, len(raw))
		for i, r := range raw {
			acked[i] = uint64(r>>12)<<32 | uint64(r&0xfff)
		}
		s := setOf(len(acked) + int(extra)%3) // some voters may not have acked
		return CommittedIndex(s, slices.Clone(acked)) == naiveCommittedIndex(s, acked)
	}
	if err := quick.Check(f, cfg); err != nil {
		t.Fatal(err)
	}
}

// setOf returns the set {1, ..., n}.
func setOf(n int) Set {
	ids := make([]PeerID, n)
	for i := range ids {
		ids[i] = PeerID(i + 1)
	}
	return NewSet(ids)
}
