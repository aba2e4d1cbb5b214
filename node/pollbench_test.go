package node

import (
	"fmt"
	"testing"
	"time"

	"zabkafka/log/kafka"
)

// BenchmarkFinalPoll: one poll of 5000 keys with 16 messages each, the
// request of Maelstrom's final phase, from input line to reply, over as
// many Process calls as its steps take.
func BenchmarkFinalPoll(b *testing.B) {
	cfg := testConfig()
	cfg.MaxStaleness = 0
	h := newLeader(b, cfg)
	offsets := map[string]any{}
	var ops []kafka.Op
	for k := 0; k < 5000; k++ {
		key := fmt.Sprintf("%d", k)
		offsets[key] = 0
		for m := 0; m < 16; m++ {
			ops = append(ops, kafka.Op{Kind: kafka.OpSend, Key: key, Msg: int64(m)})
		}
	}
	h.s.kafka.Apply(h.s.kafka.AppliedZxid()+1, ops)
	l := line("c1", "n1", map[string]any{"type": "poll", "msg_id": 5, "offsets": offsets})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now := h.now.Add(time.Duration(i))
		h.s.HandleLine(l, now)
		for len(h.s.polls) > 0 {
			now = now.Add(pollStepGap)
			h.s.Process(now)
		}
		h.out.Reset()
	}
}
