package sim

import (
	"fmt"
	"testing"
)

// BenchmarkCommit measures committed proposals per second of wall time
// and allocations per committed proposal, through the whole simulated
// path (core, Ready handling, MemStore, network), with a perfect network
// of one time unit per hop and the checker off. "batched" proposes 100
// transactions per tick, "unbatched" one.
func BenchmarkCommit(b *testing.B) {
	for _, peers := range []int{3, 5} {
		for _, perTick := range []int{1, 100} {
			name := fmt.Sprintf("peers=%d/unbatched", peers)
			if perTick > 1 {
				name = fmt.Sprintf("peers=%d/batched-%d-per-tick", peers, perTick)
			}
			b.Run(name, func(b *testing.B) { benchCommit(b, peers, perTick) })
		}
	}
}

func benchCommit(b *testing.B, peers, perTick int) {
	w, err := New(Config{Seed: 1, Peers: peers, NoCheck: true, Net: NetConfig{MinDelay: 1, MaxDelay: 1}})
	if err != nil {
		b.Fatal(err)
	}
	if !w.RunUntilCond(400*w.TickEvery(), w.Stable) {
		b.Fatal("no stable leader")
	}
	l, _ := w.Leader()
	data := []byte("benchmark-value-0123456789")
	start := len(w.node(l).app.Txns())
	b.ReportAllocs()
	b.ResetTimer()
	for proposed := 0; proposed < b.N; {
		for i := 0; i < perTick && proposed < b.N; i++ {
			if _, err := w.Propose(l, data); err != nil {
				b.Fatalf("propose %d: %v", proposed, err)
			}
			proposed++
		}
		w.RunTicks(1)
	}
	want := start + b.N
	all := func() bool {
		for _, id := range w.ids {
			if len(w.node(id).app.Txns()) < want {
				return false
			}
		}
		return true
	}
	if !w.RunUntilCond(100*w.TickEvery(), all) {
		b.Fatalf("not every proposal committed everywhere: %s", w.describeRoles())
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}
