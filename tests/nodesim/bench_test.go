package nodesim

import (
	"testing"
	"time"
)

// BenchmarkRun plays whole seeds (simulation, kafka checker, invariant
// and convergence checks), one after another, and reports how many
// client operations it checks per second of CPU (user and system time of
// the whole process, the garbage collector's included), per second of
// wall time, and how much simulated time passes per second:
//
//	go test ./tests/nodesim -run XXX -bench Run -benchtime 100x
func BenchmarkRun(b *testing.B) {
	var ops int
	var sim time.Duration
	seed := int64(0)
	cpu0 := cpuTime(b)
	for b.Loop() {
		seed++
		res := Run(seed, DrawPlan(seed), RunOptions{})
		if res.Err != nil {
			b.Fatalf("seed %d: %v", seed, res.Err)
		}
		ops += res.Stats.Ops
		sim += res.End
	}
	cpu := (cpuTime(b) - cpu0).Seconds()
	wall := b.Elapsed().Seconds()
	if cpu > 0 {
		b.ReportMetric(float64(ops)/cpu, "ops/cpu-s")
	}
	b.ReportMetric(float64(ops)/wall, "ops/s")
	b.ReportMetric(sim.Seconds()/wall, "sim-s/s")
	b.ReportMetric(float64(ops)/float64(b.N), "ops/seed")
}
