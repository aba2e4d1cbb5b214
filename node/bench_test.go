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

// BenchmarkParseLine reads the envelope and reserved keys of a client's
// send and of a follower's forward, by parseLine (the fast path) and by
// encoding/json alone, for the ratio docs/tuning.md reports.
func BenchmarkParseLine(b *testing.B) {
	lines := map[string][]byte{
		"send":    []byte(`{"id":12,"src":"c7","dest":"n3","body":{"type":"send","key":"118","msg":1043,"msg_id":57}}`),
		"forward": []byte(`{"id":13,"src":"n1","dest":"n5","body":{"type":"zab","m":[{"t":5,"f":1,"to":5,"e":1,"s":4294967299,"k":14,"z":4294967311}],"fw":"AgECbjGArb6H7I+aixgNAQABAWEAAQACAWYAAQADAWMAAQAEAWgAAQAFAWUAAQAGAWIAAQAHAWcAAQAIAWQAAQAJAWEAAQAKAWYAAQALAWMAAQAMAWgAAQANAWUA"}}`),
	}
	for _, name := range []string{"send", "forward"} {
		l := lines[name]
		b.Run(name+"/parseLine", func(b *testing.B) {
			for b.Loop() {
				if _, err := parseLine(l); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/encoding-json", func(b *testing.B) {
			for b.Loop() {
				if _, err := parseLineByJSON(l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
