package election

import (
	"flag"
	"math/rand/v2"
	"testing"

	"zabkafka/election/quorum"
)

// replaySeed runs the randomized tests on one seed only:
// go test ./election -run Property -seed N
var replaySeed = flag.Uint64("seed", 0, "replay one seed of the randomized election tests")

// seeds returns the seeds a randomized test runs: 1..n, or the one given
// with -seed.
func seeds(n uint64) []uint64 {
	if *replaySeed != 0 {
		return []uint64{*replaySeed}
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i) + 1
	}
	return out
}

// randomCluster builds a sim from seed: 1 to 7 voters with random votes,
// a random minority of them down from the start, and random rounds.
func randomCluster(t *testing.T, seed uint64) *sim {
	rng := rand.New(rand.NewPCG(seed, 0xe1ec7))
	n := 1 + rng.IntN(7)
	s := newSim(t, seed, randomVotes(rng, peerIDs(n)))
	for _, i := range rng.Perm(n)[:rng.IntN((n+1)/2)] {
		s.peers[s.ids[i]].down = true
	}
	for _, id := range s.ids {
		bumpRound(s, id, rng.IntN(3))
	}
	return s
}

// TestPropertyQuorumElectsItsBestVote: whenever a quorum exchanges
// notifications without loss, every member decides the best initial vote
// of that quorum, whatever the delivery order, starting rounds, cluster
// size and which minority is down. (The down peers may hold better votes;
// they do not count.)
func TestPropertyQuorumElectsItsBestVote(t *testing.T) {
	for _, seed := range seeds(300) {
		s := randomCluster(t, seed)
		for _, id := range s.ids {
			if !s.peers[id].down {
				s.start(id)
			}
		}
		s.runReliable(200)
		checkAllFollowBest(s)
	}
}

// TestPropertyLossyElectionsConverge: with loss, delay and reordering,
// every run still ends with all live peers following one leader that
// leads, and the sim's invariants hold at every step: no peer advertises
// a vote worse than its initial one, every decision rests on a quorum
// whose members really voted for the winner, and a peer that counted
// itself had no better initial vote.
func TestPropertyLossyElectionsConverge(t *testing.T) {
	for _, seed := range seeds(150) {
		s := randomCluster(t, seed)
		rng := rand.New(rand.NewPCG(seed, 0x1055))
		s.loss, s.delay, s.initLimit = 0.4*rng.Float64(), 0.6*rng.Float64(), 8+rng.IntN(8)
		for _, id := range s.ids {
			if !s.peers[id].down {
				s.start(id)
			}
		}
		for {
			s.deliverSome()
			if _, ok := s.converged(); ok {
				break
			}
			if s.now > 4000 {
				s.fatalf("no convergence (loss %.2f, delay %.2f)", s.loss, s.delay)
			}
			s.tick()
		}
	}
}

// TestPropertyGarbageNeverPanics feeds electors random notifications,
// most of them malformed, and random ticks, Settles and restarts. Nothing
// may panic, every output must be well formed, and a looking elector's
// proposal never falls below its initial vote.
func TestPropertyGarbageNeverPanics(t *testing.T) {
	for _, seed := range seeds(50) {
		rng := rand.New(rand.NewPCG(seed, 0x6a5b))
		ids := peerIDs(1 + rng.IntN(5))
		e := New(Config{ID: 1, Voters: ids, FinalizeTicks: rng.IntN(3), MinResendTicks: rng.IntN(3), MaxResendTicks: rng.IntN(9), Rand: intn{rng}})
		initial := vote(1, uint32(rng.IntN(3)), uint64(rng.IntN(3)))
		anyID := func() quorum.PeerID { return quorum.PeerID(rng.IntN(len(ids) + 2)) }
		for i := 0; i < 2000; i++ {
			var out []Notification
			switch k := rng.IntN(20); {
			case k == 0:
				out = e.Start(initial)
			case k == 1:
				e.Settle(State(rng.IntN(4)), Vote{Leader: anyID()})
			case k == 2:
				e.UpdateVote(Vote{Leader: anyID(), Epoch: uint32(rng.IntN(5))})
			case k < 6:
				out = e.Tick()
			default:
				out = e.Step(Notification{
					From: anyID(), To: quorum.PeerID(rng.IntN(3)),
					Vote:  Vote{Leader: anyID(), Epoch: uint32(rng.IntN(4)), Zxid: uint64(rng.IntN(4)) << uint(rng.IntN(40))},
					Round: uint64(rng.IntN(6)), State: State(rng.IntN(5)),
				})
			}
			for _, n := range out {
				if n.From != 1 || n.To == 1 || n.State > Leading {
					t.Fatalf("seed %d step %d: malformed output %v", seed, i, n)
				}
			}
			if e.Looking() && initial.Beats(e.Vote()) {
				t.Fatalf("seed %d step %d: proposal %v below initial %v", seed, i, e.Vote(), initial)
			}
		}
	}
}

// FuzzStep drives one elector through a byte string of events; run it
// longer with go test -fuzz FuzzStep ./election.
func FuzzStep(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{255, 0, 255, 0, 17, 33, 2, 1, 1, 1, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		e := New(Config{ID: 1, Voters: peerIDs(3), FinalizeTicks: 1})
		e.Start(vote(1, 1, 1))
		for len(data) >= 5 {
			b := data[:5]
			data = data[5:]
			switch b[0] % 8 {
			case 0:
				e.Tick()
			case 1:
				e.Start(vote(1, 1, 1))
			case 2:
				e.Settle(State(b[1]), Vote{Leader: quorum.PeerID(b[2])})
			default:
				e.Step(Notification{
					From: quorum.PeerID(b[1] % 5), To: quorum.PeerID(b[2] % 3),
					Vote:  Vote{Leader: quorum.PeerID(b[3] % 5), Epoch: uint32(b[4] % 4), Zxid: uint64(b[4])},
					Round: uint64(b[3] % 4), State: State(b[0] >> 5),
				})
			}
			if e.Looking() && vote(1, 1, 1).Beats(e.Vote()) {
				t.Fatalf("proposal %v fell below the initial vote", e.Vote())
			}
		}
	})
}
