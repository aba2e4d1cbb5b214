package checker

import (
	"math/rand"
	"testing"
)

// BenchmarkCheck measures Check on a large valid history: 100k client ops
// (about 200k records) from 32 client threads over 16 nodes and 1000 keys,
// plus a final phase in which every thread reads every message.
func BenchmarkCheck(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	cfg := simConfig{clients: 32, keys: 1000, ops: 100_000, infoP: 0.01}
	h := simulate(rng, cfg)
	nodes := make([]string, 16)
	for i := range nodes {
		nodes[i] = "n" + string(rune('a'+i))
	}
	opts := Options{Nodes: nodes, Concurrency: cfg.clients, Net: &NetCounts{}}
	if r := Check(h, opts); r.Valid != Valid {
		b.Fatalf("benchmark history judged %s:\n%s", r.Valid, r.Summary())
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Check(h, opts)
	}
	b.ReportMetric(float64(len(h)), "records")
}
