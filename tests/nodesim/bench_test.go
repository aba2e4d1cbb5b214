package nodesim

import (
	"testing"
	"time"
)

// BenchmarkRun plays whole seeds (simulation, kafka checker, invariant
// and convergence checks), one after another on one goroutine, and
// reports how many client operations it checks per second of CPU, and
// how much simulated time passes per second:
//
//	go test ./tests/nodesim -run XXX -bench Run -benchtime 100x
func BenchmarkRun(b *testing.B) {
	var ops int
	var sim time.Duration
	seed := int64(0)
	for b.Loop() {
		seed++
		res := Run(seed, DrawPlan(seed), RunOptions{})
		if res.Err != nil {
			b.Fatalf("seed %d: %v", seed, res.Err)
		}
		ops += res.Stats.Ops
		sim += res.End
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(ops)/s, "ops/s")
	b.ReportMetric(sim.Seconds()/s, "sim-s/s")
	b.ReportMetric(float64(ops)/float64(b.N), "ops/seed")
}
