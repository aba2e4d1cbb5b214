package node

import (
	"fmt"
	"testing"

	"zabkafka/log"
	"zabkafka/log/kafka"
)

// TestSnapshotAndCompaction: every SnapshotEvery applied operations the
// node saves a snapshot that restores to exactly its kafka state, and the
// log is trimmed behind the previous snapshot, so it stays bounded.
func TestSnapshotAndCompaction(t *testing.T) {
	cfg := testConfig()
	cfg.SnapshotEvery = 5
	h := newLeader(t, cfg)
	for i := 0; i < 30; i++ {
		m, ok := h.call("c1", map[string]any{"type": "send", "msg_id": i + 1, "key": fmt.Sprint(i % 4), "msg": i}, 50)
		if !ok || m.typ() != "send_ok" {
			t.Fatalf("send %d: %v %s", i, ok, m.Line)
		}
	}
	snap, ok := h.s.store.Snapshot()
	if !ok || snap.Zxid != h.s.snaps.last || snap.Zxid == 0 {
		t.Fatalf("no snapshot saved (have %v, last %v)", ok, h.s.snaps.last)
	}
	restored, err := kafka.Restore(snap.Data)
	if err != nil {
		t.Fatal(err)
	}
	if restored.AppliedZxid() != snap.Zxid {
		t.Fatalf("snapshot at %#x restores state at %#x", snap.Zxid, restored.AppliedZxid())
	}
	// 30 sends, one per proposal, snapshot every 5: the last snapshot is
	// of the current state.
	if snap.Zxid != h.s.kafka.AppliedZxid() || !restored.Equal(h.s.kafka) {
		t.Fatalf("snapshot at %#x does not restore the live state at %#x", snap.Zxid, h.s.kafka.AppliedZxid())
	}
	first := h.s.store.FirstZxid()
	if first <= 1 || first > snap.Zxid {
		t.Fatalf("log not compacted: first entry %#x, snapshot %#x", first, snap.Zxid)
	}
}

// TestLaggingFollowerCatchesUpBySnapshot: a follower cut off while the
// others snapshot and compact past its position is brought back with a
// SNAP; the node restores its kafka state from it, and ends up identical
// to the others.
func TestLaggingFollowerCatchesUpBySnapshot(t *testing.T) {
	cfg := testConfig()
	cfg.SnapshotEvery = 3
	c := newCluster(t, 3, cfg)
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	lead := c.leader()
	lag := c.names[0]
	if lag == lead {
		lag = c.names[1]
	}
	keys := []string{"a", "b"}
	acks, _ := c.sendAll([]string{lead}, keys, []int64{1, 2, 3})
	c.isolate(lag)
	var rest []string
	for _, n := range c.names {
		if n != lag {
			rest = append(rest, n)
		}
	}
	for round := 0; round < 5; round++ {
		more, errs := c.sendAll(rest, keys, []int64{int64(10 * round), int64(10*round + 1), int64(10*round + 2)})
		if len(errs) != 0 {
			t.Fatalf("majority side refused sends: %v", errs)
		}
		acks = append(acks, more...)
	}
	if first := c.srv[lead].store.FirstZxid(); first <= c.srv[lag].store.LastZxid() {
		t.Fatalf("leader kept its log from %#x, the follower is at %#x: no SNAP needed", first, c.srv[lag].store.LastZxid())
	}
	c.heal()
	c.until("the follower back", 1000, func() bool { return c.leader() != "" })
	c.until("replicas converged", 200, c.converged)
	c.checkAcks(acks, keys)
	if s, ok := c.srv[lag].store.Snapshot(); !ok || s.Zxid == 0 {
		t.Fatal("the lagging follower holds no snapshot: it did not catch up by SNAP")
	}
}

// TestStorageFailureStopsNode: when a write to the log fails, the node
// stops taking part (it never sends what vouches for the failed write)
// but does not exit: new writes are refused, reads still answered from
// what was applied, and the write in flight gets its indefinite error at
// the deadline.
func TestStorageFailureStopsNode(t *testing.T) {
	h := newLeader(t, testConfig())
	if m, ok := h.call("c1", map[string]any{"type": "send", "msg_id": 1, "key": "a", "msg": 1}, 50); !ok || m.typ() != "send_ok" {
		t.Fatalf("send before the failure: %s", m.Line)
	}
	h.s.store.(*log.MemStore).Crash() // every later call fails
	out := h.input(line("c1", "n1", map[string]any{"type": "send", "msg_id": 2, "key": "a", "msg": 2}))
	if h.s.failed == nil {
		t.Fatalf("a failed append did not stop the node; out %v", out)
	}
	m, ok := h.call("c1", map[string]any{"type": "send", "msg_id": 3, "key": "a", "msg": 3}, 0)
	if code, _ := m.intField("code"); !ok || m.typ() != "error" || code != 11 {
		t.Fatalf("send after the failure: want error 11, got %s", m.Line)
	}
	m, ok = h.call("c1", map[string]any{"type": "poll", "msg_id": 4, "offsets": map[string]any{"a": 0}}, 0)
	if !ok || m.typ() != "poll_ok" || len(pollPairs(t, m)["a"]) != 1 {
		t.Fatalf("poll after the failure: %s", m.Line)
	}
	var late []outMsg
	for i := 0; i < int(h.cfg.RequestTimeout/h.cfg.Tick)+2; i++ {
		late = append(late, h.tick()...)
	}
	if len(late) != 1 || late[0].typ() != "error" {
		t.Fatalf("in-flight send: want one deadline error, got %v", late)
	}
	if irt, _ := late[0].intField("in_reply_to"); irt != 2 {
		t.Fatalf("deadline error answers %d, want 2", irt)
	}
	if code, _ := late[0].intField("code"); code != 0 {
		t.Fatalf("in-flight send: want indefinite 0, got %d", code)
	}
}
