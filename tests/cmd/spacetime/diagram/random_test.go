package diagram

import (
	"testing"

	"zabkafka/tests/sim"
)

// TestRandomRunWindow: the window is the last ticks asked for, the run
// is the seed's own (same trace as sim.Run gives without a Capture),
// and the scene has something in it.
func TestRandomRunWindow(t *testing.T) {
	const seed = 3
	res, err := RandomRun(seed, 3, RandomWindow{Ticks: 8})
	if err != nil {
		t.Fatal(err)
	}
	v := res.View
	if v.To-v.From != 8*v.TickEvery || len(v.Peers) != 3 {
		t.Errorf("window %d..%d over %v, want the last 8 ticks of 3 peers", v.From, v.To, v.Peers)
	}
	plan := sim.DrawPlan(seed)
	plan.Peers = 3
	plain := sim.Run(seed, plan, sim.RunOptions{})
	if plain.Hash != res.Trace.Hash() {
		t.Errorf("attaching the Capture changed the run: trace hash %x, want %x", res.Trace.Hash(), plain.Hash)
	}
	sc := buildScene(v, res.Events, res.Pairs, res.Epochs)
	if len(sc.arrows) == 0 || len(sc.heads) != 3 {
		t.Errorf("%d arrows and heads %v in the window", len(sc.arrows), sc.heads)
	}
}
