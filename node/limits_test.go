package node

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"zabkafka/log/kafka"
	"zabkafka/zab"
)

// No request, however large, may stop a node. Before batches were capped
// by bytes, one send with a 65 MiB key, or a few thousand sends of
// 20 KiB keys arriving together, made a batch the log refused (64 MiB
// limit): the leader stopped for good, the next leader took the same
// burst and stopped too, and the cluster answered nothing but errors.

// healthy fails if any node stopped, or if any log entry is bigger than
// a batch may be.
func (c *cluster) healthy() {
	c.t.Helper()
	for _, n := range c.names {
		s := c.srv[n]
		if s.failed != nil {
			c.t.Fatalf("%s stopped: %v", n, s.failed)
		}
		es, err := s.store.Entries(s.store.FirstZxid(), 0)
		if err != nil {
			c.t.Fatal(err)
		}
		for _, e := range es {
			if len(e.Data) > s.cfg.MaxBatchBytes {
				c.t.Fatalf("%s logged a batch of %d bytes, over the %d cap", n, len(e.Data), s.cfg.MaxBatchBytes)
			}
		}
	}
}

// stillServes fails unless an ordinary send through each node is
// acknowledged.
func (c *cluster) stillServes() {
	c.t.Helper()
	msgs := make([]int64, len(c.names))
	for i := range msgs {
		msgs[i] = int64(1000000 + i)
	}
	acks, errs := c.sendAll(c.names, []string{"after"}, msgs)
	if len(acks) != len(msgs) {
		c.t.Fatalf("ordinary sends after the burst: %d acknowledged, errors %v; %s", len(acks), errs, c.statusLine())
	}
}

// codes counts error codes.
func codes(errs []int64) map[int64]int {
	n := map[int64]int{}
	for _, e := range errs {
		n[e]++
	}
	return n
}

// TestHugeSendRefused: a send whose key alone exceeds what a batch may
// hold is refused at once with a definite error (12), by whichever node
// receives it, leader or follower, before it is forwarded or proposed;
// and the cluster goes on serving.
func TestHugeSendRefused(t *testing.T) {
	key := strings.Repeat("k", 65<<20)
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d nodes", n), func(t *testing.T) {
			c := newCluster(t, n, testConfig())
			c.until("a leader", 1000, func() bool { return c.leader() != "" })
			last := c.srv[c.leader()].store.LastZxid()
			var forwarded int
			c.inspect = func(from, to string, l []byte) {
				if strings.Contains(string(l), `"fw"`) {
					forwarded++
				}
			}
			for _, node := range c.names[n-1:] { // the leader of one; the last of three, a follower (n3 has the highest id)
				id := c.request("c1", node, map[string]any{"type": "send", "key": key, "msg": 1})
				c.step()
				m, ok := c.reply("c1", id)
				if code, _ := m.intField("code"); !ok || m.typ() != "error" || code != 12 || !strings.Contains(m.Body["text"].(string), "more than") {
					t.Fatalf("65 MiB send to %s: want error 12 at once, got %v %.200s", node, ok, m.Line)
				}
			}
			if forwarded != 0 || c.srv[c.leader()].store.LastZxid() != last {
				t.Fatalf("the refused sends went somewhere: %d forwards, log %#x -> %#x", forwarded, last, c.srv[c.leader()].store.LastZxid())
			}
			c.healthy()
			c.stillServes()
		})
	}
}

// TestLargeKeyBurst: 3340 sends of 20 KiB keys (67 MiB) arriving together
// through every node are all acknowledged, in batches no bigger than
// MaxBatchBytes: proposals, and the forwarded batches followers send the
// leader (so no node-to-node message approaches the input line limit).
// Every replica ends up with every acknowledged send at its offset.
func TestLargeKeyBurst(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d nodes", n), func(t *testing.T) {
			cfg := testConfig()
			c := newCluster(t, n, cfg)
			c.until("a leader", 1000, func() bool { return c.leader() != "" })
			var fwdMsgs, fwdBytes, biggestFwd, longest int
			c.inspect = func(from, to string, l []byte) {
				longest = max(longest, len(l))
				if fw := forwardedBytes(t, l); fw > 0 {
					fwdMsgs++
					fwdBytes += fw
					biggestFwd = max(biggestFwd, fw)
				}
			}
			var keys []string
			for i := 0; i < 4; i++ {
				keys = append(keys, fmt.Sprint(i)+strings.Repeat("k", 20<<10))
			}
			msgs := make([]int64, 3340)
			for i := range msgs {
				msgs[i] = int64(i)
			}
			acks, errs := c.sendAll(c.names, keys, msgs)
			if len(acks) != len(msgs) {
				t.Fatalf("%d of %d sends acknowledged, %d errors (codes %v); %s", len(acks), len(msgs), len(errs), codes(errs), c.statusLine())
			}
			c.until("replicas converged", 100, c.converged)
			c.checkAcks(acks, keys)
			c.healthy()
			if biggestFwd > cfg.MaxBatchBytes || longest >= maxLine {
				t.Fatalf("a forwarded batch of %d bytes (cap %d), a line of %d", biggestFwd, cfg.MaxBatchBytes, longest)
			}
			if n > 1 && fwdBytes < 2*cfg.MaxBatchBytes {
				t.Fatalf("followers forwarded %d bytes in all: the cap was never tested", fwdBytes)
			}
			t.Logf("%d forwarded batches, %d bytes, the biggest %d; longest node-to-node line %d", fwdMsgs, fwdBytes, biggestFwd, longest)
			c.stillServes()
		})
	}
}

// forwardedBytes is the size of the forwarded batch a node-to-node line
// carries, 0 for none. It reads only the "fw" field: decoding whole lines
// of a large burst would cost more than the nodes' own work.
func forwardedBytes(t *testing.T, l []byte) int {
	_, rest, ok := bytes.Cut(l, []byte(`"fw":"`))
	if !ok {
		return 0
	}
	enc, _, ok := bytes.Cut(rest, []byte(`"`))
	if !ok {
		t.Fatalf("unterminated fw in %.200s", l)
	}
	b, err := base64.StdEncoding.DecodeString(string(enc))
	if err != nil {
		t.Fatalf("fw: %v", err)
	}
	return len(b)
}

// TestForwardedOpTooBigDropped: an operation that cannot fit a batch
// arriving forwarded (from a node configured with a bigger
// MaxBatchBytes) is dropped by the leader, never proposed; the ops
// beside it are proposed and the leader carries on.
func TestForwardedOpTooBigDropped(t *testing.T) {
	cfg := testConfig()
	cfg.MaxBatchBytes = MinBatchBytes
	c := newCluster(t, 3, cfg)
	lead, f := c.leaderAndFollower()
	big := sendOp(strings.Repeat("b", MinBatchBytes), 1, f, 1)
	small := sendOp("s", 2, f, 2)
	c.inbox[lead] = append(c.inbox[lead], line(f, lead, map[string]any{"type": "zab", "fw": encodeOps(t, big, small)}))
	c.until("the small op applied", 50, func() bool { return len(c.srv[lead].kafka.Poll("s", 0, 10)) == 1 })
	if got := c.srv[lead].kafka.Keys(); len(got) != 1 {
		t.Fatalf("keys %d, want only the small op's", len(got))
	}
	c.healthy()
	c.stillServes()
}

// TestOutboxSplitsBySize: a destination's parcel goes out as one message
// unless size forbids: forwarded operations in batches of at most MaxBatch
// ops and MaxBatchBytes bytes, zab messages in runs of at most
// maxPeerBody bytes, in order, nothing lost.
func TestOutboxSplitsBySize(t *testing.T) {
	op := sendOp("key", 1, "n2", 1)
	size := kafka.OpSize(op)
	o := newOutbox(4, kafka.BatchOverhead+3*size) // 3 ops by bytes, 4 by count
	var fwd []queuedOp
	for i := 0; i < 10; i++ {
		op.Seq = uint64(i + 1)
		fwd = append(fwd, queuedOp{op: op, size: size})
	}
	o.addForward(1, fwd)
	big := zab.Message{From: 2, To: 1, Txns: []zab.Txn{{Zxid: 1, Data: make([]byte, maxPeerBody/2)}}}
	for i := 0; i < 3; i++ {
		o.addMessage(big)
	}
	o.addMessage(zab.Message{From: 2, To: 3})
	type sent struct {
		to   zab.PeerID
		msgs int
		seqs []uint64
	}
	var got []sent
	o.drain(func(to zab.PeerID, body zabBody) {
		var seqs []uint64
		if len(body.Fwd) > 0 {
			ops, err := kafka.DecodeBatch(body.Fwd)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range ops {
				seqs = append(seqs, op.Seq)
			}
		}
		got = append(got, sent{to, len(body.Msgs), seqs})
	})
	want := []sent{
		{1, 1, []uint64{1, 2, 3}}, // each big message alone: two don't fit maxPeerBody
		{1, 1, []uint64{4, 5, 6}},
		{1, 1, []uint64{7, 8, 9}},
		{1, 0, []uint64{10}},
		{3, 1, nil},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("messages %v, want %v", got, want)
	}
	if !o.empty() {
		t.Fatal("drain left the outbox full")
	}
	// By count: 4 ops per batch when bytes allow.
	o = newOutbox(4, 1<<20)
	o.addForward(1, fwd)
	var batches []int
	o.drain(func(_ zab.PeerID, body zabBody) {
		ops, _ := kafka.DecodeBatch(body.Fwd)
		batches = append(batches, len(ops))
	})
	if fmt.Sprint(batches) != "[4 4 2]" {
		t.Fatalf("batches by count: %v", batches)
	}
	// encodedSize bounds the real encoding.
	for _, m := range []zab.Message{big, {From: 1, To: 2, Type: 3, Epoch: 1 << 31, Zxid: 1 << 62, Commit: 1 << 62}} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if encodedSize(m) < len(b) {
			t.Fatalf("encodedSize %d, encoding %d bytes", encodedSize(m), len(b))
		}
	}
}
