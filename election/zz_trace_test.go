package election

import (
	"math/rand/v2"
	"testing"
)

func TestZZTrace(t *testing.T) {
	seed := *replaySeed
	s := randomCluster(t, seed)
	rng := rand.New(rand.NewPCG(seed, 0x1055))
	s.loss, s.delay, s.initLimit = 0.4*rng.Float64(), 0.6*rng.Float64(), 8+rng.IntN(8)
	for _, id := range s.ids {
		p := s.peers[id]
		t.Logf("peer %d down=%v initial %v round %d", id, p.down, p.initial, p.e.Round())
		if !p.down {
			s.start(id)
		}
	}
	for {
		s.deliverSome()
		if _, ok := s.converged(); ok {
			break
		}
		s.tick()
	}
	for i, d := range s.decisions {
		if i < 40 {
			t.Logf("t=%d peer %d decided %v r%d support %v", d.at, d.peer, d.d.Vote, d.d.Round, d.d.Support)
		}
	}
}
