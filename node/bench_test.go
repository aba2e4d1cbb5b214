package node

import (
	"fmt"
	"testing"
)

// BenchmarkLeaderSends measures the node's own cost per send on a
// one-node cluster (decode, queue, propose, persist in memory, apply,
// reply), in batches of 100 sends per event-loop iteration.
func BenchmarkLeaderSends(b *testing.B) {
	h := newLeader(b, testConfig())
	lines := make([][]byte, 100)
	for j := range lines {
		lines[j] = line("c1", "n1", map[string]any{"type": "send", "msg_id": j + 1, "key": fmt.Sprint(j % 10), "msg": j})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += len(lines) {
		for _, l := range lines {
			h.s.HandleLine(l, h.now)
		}
		h.s.Process(h.now)
		h.out.Reset()
	}
}

// BenchmarkPoll measures one poll of 10 keys with 100 messages each.
func BenchmarkPoll(b *testing.B) {
	cfg := testConfig()
	h := newLeader(b, cfg)
	for i := 0; i < 1000; i++ {
		h.s.HandleLine(line("c1", "n1", map[string]any{"type": "send", "msg_id": i + 1, "key": fmt.Sprint(i % 10), "msg": i}), h.now)
	}
	h.s.Process(h.now)
	h.out.Reset()
	offsets := map[string]any{}
	for k := 0; k < 10; k++ {
		offsets[fmt.Sprint(k)] = 0
	}
	poll := line("c1", "n1", map[string]any{"type": "poll", "msg_id": 5000, "offsets": offsets})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.s.HandleLine(poll, h.now)
		h.out.Reset()
	}
}

// BenchmarkClusterSends runs 3 and 16 in-process nodes with the default
// batching window and reports node-to-node messages per acknowledged
// send ("server msgs/op"), for a burst of 64 concurrent sends spread over
// every node, the shape of Maelstrom's 2n clients.
func BenchmarkClusterSends(b *testing.B) {
	for _, n := range []int{3, 16} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Seed = 1
			cfg.StatsInterval = 0 // the counters must not reset under us
			c := newCluster(b, n, cfg)
			c.until("a leader", 2000, func() bool { return c.leader() != "" })
			keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
			msgs := make([]int64, 64)
			peerMsgs, acked := 0, 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				before := c.countPeerMsgs()
				acks, _ := c.sendAll(c.names, keys, msgs)
				peerMsgs += c.countPeerMsgs() - before
				acked += len(acks)
			}
			b.ReportMetric(float64(peerMsgs)/float64(acked), "server-msgs/op")
		})
	}
}

// countPeerMsgs is the number of node-to-node messages routed so far.
func (c *cluster) countPeerMsgs() int {
	n := 0
	for _, s := range c.srv {
		n += s.stats.peerMsgs
	}
	return n
}
