package node

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"zabkafka/log/kafka"
)

// TestDuplicatedMessagesApplyOnce runs three nodes over a network that
// delivers every node-to-node message twice, the copy up to 60 ticks
// late, so followers' forwarded operations reach the leader twice, the
// second time often after the first was committed; a follower cut off
// for a while catches up by SNAP (the dedupe state travels in the
// snapshot) while duplicates keep arriving. Each sent value must appear
// at exactly one offset on every replica (a message at two offsets makes
// a kafka history invalid), every acknowledged send at its offset.
//
// Each seed prints itself; NODE_SEED=<n> replays one.
func TestDuplicatedMessagesApplyOnce(t *testing.T) {
	seeds := []int64{1, 2}
	if s := os.Getenv("NODE_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("NODE_SEED: %v", err)
		}
		seeds = []int64{n}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { duplicatedMessages(t, seed) })
	}
}

func duplicatedMessages(t *testing.T, seed int64) {
	t.Logf("seed %d (replay: NODE_SEED=%d go test -run TestDuplicatedMessagesApplyOnce ./node/)", seed, seed)
	rng := rand.New(rand.NewSource(seed))
	cfg := testConfig()
	cfg.Seed = seed
	cfg.SnapshotEvery = 20
	c := newCluster(t, 3, cfg)
	copies, fwdCopies := 0, 0
	c.inspect = func(from, to string, l []byte) {
		if forwardedBytes(t, l) > 0 {
			fwdCopies++ // every line is delivered twice
		}
	}
	c.duplicate = func(from, to string) (int, bool) {
		copies++
		return rng.Intn(60), true
	}
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	keys := []string{"a", "b", "c"}
	var acks []ack
	next := int64(0)
	round := func(nodes []string, n int) {
		msgs := make([]int64, n)
		for i := range msgs {
			msgs[i], next = next, next+1
		}
		got, _ := c.sendAll(nodes, keys, msgs)
		acks = append(acks, got...)
	}
	for i := 0; i < 15; i++ {
		round(c.names, 10)
	}
	lag := c.names[0]
	if lag == c.leader() {
		lag = c.names[1]
	}
	c.isolate(lag)
	var rest []string
	for _, n := range c.names {
		if n != lag {
			rest = append(rest, n)
		}
	}
	c.until("a leader among the rest", 1000, func() bool { return c.leader(rest...) != "" })
	for i := 0; i < 15; i++ {
		round(rest, 10)
	}
	if first := c.srv[c.leader(rest...)].store.FirstZxid(); first <= c.srv[lag].store.LastZxid() {
		t.Fatalf("the leader kept its log from %#x, %s is at %#x: no SNAP needed", first, lag, c.srv[lag].store.LastZxid())
	}
	c.heal()
	c.until("everyone back", 2000, func() bool { return c.leader() != "" })
	for i := 0; i < 15; i++ {
		round(c.names, 10)
	}
	for i := 0; i < 100; i++ { // the last late copies arrive
		c.step()
	}
	c.until("replicas converged", 500, c.converged)
	if fwdCopies == 0 {
		t.Fatal("no forwarded operations were duplicated")
	}
	if len(acks) < int(next)/2 {
		t.Fatalf("only %d of %d sends acknowledged: the run proves little", len(acks), next)
	}
	c.checkAcks(acks, keys)
	for _, n := range c.names {
		at := map[int64]string{}
		for _, key := range keys {
			for _, m := range c.srv[n].kafka.Poll(key, 0, 1<<20) {
				where := fmt.Sprintf("%s/%d", key, m.Offset)
				if prev, dup := at[m.Msg]; dup {
					t.Fatalf("%s: value %d at %s and at %s", n, m.Msg, prev, where)
				}
				at[m.Msg] = where
			}
		}
	}
	t.Logf("%d sends, %d acknowledged; %d messages delivered twice, %d of them with forwarded operations", next, len(acks), copies, fwdCopies)
}

// TestRestartDoesNotReuseIdentities: a node restarted on its data
// directory tags its requests with a higher incarnation than before even
// when its clock has gone back, so a request of the new run is never
// taken for a duplicate of the old run's request with the same sequence
// number: both sends below are applied, at their own offsets.
func TestRestartDoesNotReuseIdentities(t *testing.T) {
	cfg := testConfig()
	cfg.DataDir = t.TempDir()
	h := newLeader(t, cfg)
	first := h.s.reqs.incarnation
	if m, ok := h.call("c1", map[string]any{"type": "send", "msg_id": 1, "key": "a", "msg": 1}, 50); !ok || m.typ() != "send_ok" {
		t.Fatalf("send before the restart: %s", m.Line)
	}
	h.s.Close()

	h2 := newSingle(t, cfg)
	h2.now = t0.Add(-time.Hour) // the clock went back
	h2.input(line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1"}}))
	if h2.s.reqs.incarnation <= first {
		t.Fatalf("incarnation %d after a restart, %d before", h2.s.reqs.incarnation, first)
	}
	for i := 0; i < 1000 && !h2.isLeader(); i++ {
		h2.tick()
	}
	m, ok := h2.call("c1", map[string]any{"type": "send", "msg_id": 1, "key": "a", "msg": 2}, 50)
	if off, _ := m.intField("offset"); !ok || m.typ() != "send_ok" || off != 1 {
		t.Fatalf("first send of the new run: want offset 1, got %s", m.Line)
	}
	if got := h2.s.kafka.Poll("a", 0, 10); len(got) != 2 || got[1].Msg != 2 {
		t.Fatalf("log %v", got)
	}

	// A damaged or unreadable record is not guessed past: init fails with
	// abort (14), as every start failure does (node/init.go).
	h2.s.Close()
	record := filepath.Join(cfg.DataDir, "n1", incarnationFile)
	for _, damage := range []func() error{
		func() error { return os.WriteFile(record, []byte("x\n"), 0o644) },
		func() error { return os.WriteFile(record, []byte("18446744073709551615\n"), 0o644) }, // no successor
		func() error { os.Remove(record); return os.Mkdir(record, 0o755) },                    // unreadable
	} {
		if err := damage(); err != nil {
			t.Fatal(err)
		}
		h3 := newSingle(t, cfg)
		got := h3.input(line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1"}}))
		if code, _ := got[0].intField("code"); len(got) != 1 || code != 14 || h3.s.peer != nil {
			t.Fatalf("init over a damaged incarnation record: %v", got)
		}
	}
}

// TestIncarnationWithoutDataDir: without a data directory the clock alone
// sets the incarnation, and nothing is written.
func TestIncarnationWithoutDataDir(t *testing.T) {
	inc, err := startIncarnation("", t0)
	if err != nil || inc != uint64(t0.UnixNano()) {
		t.Fatalf("incarnation %d, %v", inc, err)
	}
	dir := t.TempDir()
	a, err := startIncarnation(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := startIncarnation(dir, t0) // the same instant: still higher
	if err != nil || b <= a {
		t.Fatalf("second start %d after %d: %v", b, a, err)
	}
}

// TestStaleCopyOfOwnSendIsIndefinite: a follower's send commits while
// the follower hears nothing from its leader, and so do DedupeWindow more
// of its own sends. It loses the leader, finds it again and catches up
// by snapshot, which applies all of them without telling it their
// results. Its clients still wait, so it forwards them again (requeueSent).
// The copy of the first is now too old for the state machine to tell
// whether it was applied, and is refused as stale. It was applied: the
// follower must not tell its client otherwise (a definite error), only
// that it does not know. The later sends' copies are duplicates within
// the window and get their first offsets.
func TestStaleCopyOfOwnSendIsIndefinite(t *testing.T) {
	cfg := testConfig()
	cfg.SnapshotEvery = 100
	// One transaction per operation: more than the leader keeps in memory
	// (zab.Config.TailEntries), so what it compacted can only go as a SNAP.
	cfg.MaxBatch = 1
	c := newCluster(t, 3, cfg)
	lead, f := c.leaderAndFollower()

	first := c.request("c1", f, map[string]any{"type": "send", "key": "a", "msg": 7})
	c.until("the first send forwarded", 10, func() bool {
		r := c.srv[f].reqs.get(c.srv[f].reqs.lastSeq)
		return r != nil && r.sent
	})
	c.cut[f][lead] = true // f still talks to the leader, but hears nothing back
	ids := make(map[string]int, kafka.DedupeWindow)
	for i := 0; i < kafka.DedupeWindow; i++ {
		client := fmt.Sprintf("c%d", 100+i)
		ids[client] = c.request(client, f, map[string]any{"type": "send", "key": "b", "msg": i})
	}
	c.until("the leader applied them all", 30, func() bool {
		return c.srv[lead].kafka.NextOffset("b") == kafka.DedupeWindow
	})
	if len(c.replies["c1"]) != 0 {
		t.Fatalf("f answered before it heard the commit: %s", c.replies["c1"][0].msg.Line)
	}
	// More writes elsewhere, in rounds, so that the leader snapshots and
	// compacts its log past everything f has.
	var acks []ack
	for round := int64(0); round < 3; round++ {
		msgs := make([]int64, cfg.SnapshotEvery)
		for i := range msgs {
			msgs[i] = round*int64(cfg.SnapshotEvery) + int64(i)
		}
		more, errs := c.sendAll([]string{lead}, []string{"c"}, msgs)
		if len(errs) != 0 {
			t.Fatalf("the leader refused sends: %v", errs)
		}
		acks = append(acks, more...)
	}
	if first, last := c.srv[lead].store.FirstZxid(), c.srv[f].store.LastZxid(); first <= last {
		t.Fatalf("the leader kept its log from %#x, f is at %#x: no SNAP needed", first, last)
	}
	c.until("f gave up on its leader", 100, func() bool { return c.srv[f].status.Leader == 0 })
	c.heal()
	c.until("the first send answered", 300, func() bool { _, ok := c.reply("c1", first); return ok })
	if s, ok := c.srv[f].store.Snapshot(); !ok || s.Zxid == 0 {
		t.Fatal("f holds no snapshot: it did not catch up by SNAP, so the case was not reached")
	}
	if msgs := c.srv[lead].kafka.Poll("a", 0, 10); len(msgs) != 1 || msgs[0].Msg != 7 {
		t.Fatalf("the first send is not in the log: %v", msgs)
	}
	m, _ := c.reply("c1", first)
	if code, _ := m.intField("code"); m.typ() != "error" || code != codeUnknown {
		t.Fatalf("the send was applied, but its client got %s: want the indefinite error 0", m.Line)
	}
	c.until("the others answered", 100, func() bool {
		for client, id := range ids {
			if _, ok := c.reply(client, id); !ok {
				return false
			}
		}
		return true
	})
	for client, id := range ids {
		m, _ := c.reply(client, id)
		if m.typ() != "send_ok" {
			t.Fatalf("%s: a duplicate within the window must get its first offset, got %s", client, m.Line)
		}
		msg, _ := strconv.Atoi(client[1:])
		off, _ := m.intField("offset")
		acks = append(acks, ack{"b", int64(msg - 100), off})
	}
	c.until("replicas converged", 200, c.converged)
	c.checkAcks(acks, []string{"a", "b", "c"})
	c.checkDeadlines()
}
