package election

import (
	"math/rand/v2"
	"testing"
)

func TestZZStats(t *testing.T) {
	tot, maxT, restarts, disagree := 0, 0, 0, 0
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
			s.tick()
		}
		if s.now > 100 { t.Logf("seed %d ticks %d n=%d loss %.2f delay %.2f decisions %d", seed, s.now, len(s.ids), s.loss, s.delay, len(s.decisions)) }
		tot += s.now
		maxT = max(maxT, s.now)
		live := 0
		for _, p := range s.peers { if !p.down { live++ } }
		restarts += len(s.decisions) - live
		leaders := map[PeerID]bool{}
		for _, d := range s.decisions { leaders[d.d.Leader] = true }
		if len(leaders) > 1 { disagree++ }
	}
	t.Logf("avg ticks %d max %d extra decisions %d runs with >1 leader decided %d", tot/150, maxT, restarts, disagree)
}
