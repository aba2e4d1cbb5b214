package zab

import (
	"math/rand"
	"testing"
	"testing/quick"
)

func TestQuorumMatch(t *testing.T) {
	z := func(c uint32) Zxid { return MakeZxid(1, c) }
	for _, tc := range []struct {
		name    string
		matches []Zxid
		q       int
		want    Zxid
	}{
		{"three peers, two at 5", []Zxid{z(5), z(3), z(5)}, 2, z(5)},
		{"three peers, spread", []Zxid{z(7), z(3), z(5)}, 2, z(5)},
		{"five peers", []Zxid{z(1), z(9), z(4), z(6), z(2)}, 3, z(4)},
		{"nobody acked", []Zxid{0, 0, 0}, 2, 0},
		{"single peer", []Zxid{z(3)}, 1, z(3)},
		{"q too large", []Zxid{z(3)}, 2, 0},
		{"q zero", []Zxid{z(3)}, 0, 0},
		{"across epochs", []Zxid{MakeZxid(2, 1), MakeZxid(1, 9), MakeZxid(2, 3)}, 2, MakeZxid(2, 1)},
	} {
		if got := quorumMatch(append([]Zxid(nil), tc.matches...), tc.q); got != tc.want {
			t.Errorf("%s: quorumMatch(%v, %d) = %v, want %v", tc.name, tc.matches, tc.q, got, tc.want)
		}
	}
}

// naiveQuorumMatch is the definition: the highest zxid z such that at
// least q matches are >= z (0 if none).
func naiveQuorumMatch(matches []Zxid, q int) Zxid {
	var best Zxid
	for _, cand := range matches {
		n := 0
		for _, m := range matches {
			if m >= cand {
				n++
			}
		}
		if n >= q && cand > best {
			best = cand
		}
	}
	return best
}

func TestQuorumMatchQuickCheck(t *testing.T) {
	cfg := &quick.Config{MaxCount: 2000, Rand: rand.New(rand.NewSource(7))}
	f := func(raw []uint16, qSeed uint8) bool {
		if len(raw) == 0 || len(raw) > 9 {
			return true
		}
		ms := make([]Zxid, len(raw))
		for i, r := range raw {
			ms[i] = MakeZxid(Epoch(r>>12), uint32(r&0xfff))
		}
		q := int(qSeed)%len(ms) + 1
		want := naiveQuorumMatch(ms, q)
		got := quorumMatch(append([]Zxid(nil), ms...), q)
		return got == want
	}
	if err := quick.Check(f, cfg); err != nil {
		t.Fatal(err)
	}
}
