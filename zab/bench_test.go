package zab

import (
	"fmt"
	"testing"
	"time"
)

// benchCommit measures the core alone: n peers, a perfect in-memory
// network, no I/O. Each op is one proposal; batch proposals are made
// between two rounds of message delivery (batch 1: unbatched, every
// proposal travels alone). Reported: committed proposals per second and
// allocations per proposal (whole cluster).
func benchCommit(b *testing.B, n, batch int) {
	c := newCluster(b, n, func(cfg *Config) { cfg.MaxInflight = 4096; cfg.MaxUncommitted = 1 << 20 })
	lead := c.waitLeader()
	p := c.peers[lead]
	data := []byte("payload")
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; {
		for j := 0; j < batch && i < b.N; j, i = j+1, i+1 {
			if _, err := p.Propose(data); err != nil {
				b.Fatal(err)
			}
		}
		c.deliver()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if got := p.Status().Committed; got.Counter() != uint32(b.N) {
		b.Fatalf("leader committed %v, want counter %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "proposals/s")
}

func BenchmarkCommit3(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchCommit(b, 3, batch) })
	}
}

func BenchmarkCommit5(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchCommit(b, 5, batch) })
	}
}
