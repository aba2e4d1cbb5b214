package node

import (
	"encoding/json"
	"slices"
	"testing"

	"zabkafka/zab"
)

// wantKeys fails unless m's body has exactly the fields of Maelstrom's
// closed reply schema
// (docs/running.md#replies-have-exactly-the-schemas-fields).
func wantKeys(t *testing.T, m outMsg, typ string, keys ...string) {
	t.Helper()
	if m.typ() != typ {
		t.Fatalf("want %s, got %s", typ, m.Line)
	}
	want := append([]string{"in_reply_to", "type"}, keys...)
	slices.Sort(want)
	if got := bodyKeys(m); !slices.Equal(got, want) {
		t.Fatalf("%s body fields %v, want exactly %v", typ, got, want)
	}
}

// pollPairs decodes poll_ok's msgs.
func pollPairs(t *testing.T, m outMsg) map[string][][2]int64 {
	t.Helper()
	raw, err := json.Marshal(m.Body["msgs"])
	if err != nil {
		t.Fatal(err)
	}
	var out map[string][][2]int64
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("msgs %s: %v", raw, err)
	}
	return out
}

// TestKafkaRPCs walks the four RPCs on a one-node cluster: offsets per key
// from 0, polls contiguous from the requested offset and capped, keys
// without messages omitted, committed offsets listed only where they
// exist, and every reply body exactly its schema.
func TestKafkaRPCs(t *testing.T) {
	cfg := testConfig()
	cfg.PollCap = 2
	h := newLeader(t, cfg)
	id := 0
	call := func(body map[string]any) outMsg {
		t.Helper()
		id++
		body["msg_id"] = id
		m, ok := h.call("c1", body, 100)
		if !ok {
			t.Fatalf("no reply to %v", body)
		}
		return m
	}
	for i, tc := range []struct {
		key    string
		msg    int64
		offset int64
	}{{"a", 10, 0}, {"a", 11, 1}, {"b", 20, 0}, {"a", 12, 2}} {
		m := call(map[string]any{"type": "send", "key": tc.key, "msg": tc.msg})
		wantKeys(t, m, "send_ok", "offset")
		if off, _ := m.intField("offset"); off != tc.offset {
			t.Fatalf("send %d: offset %d, want %d", i, off, tc.offset)
		}
	}

	m := call(map[string]any{"type": "poll", "offsets": map[string]any{"a": 1, "b": 0, "never": 0}})
	wantKeys(t, m, "poll_ok", "msgs")
	got := pollPairs(t, m)
	want := map[string][][2]int64{"a": {{1, 11}, {2, 12}}, "b": {{0, 20}}}
	if !equalPairs(got, want) {
		t.Fatalf("poll: got %v, want %v (never-written key omitted)", got, want)
	}
	m = call(map[string]any{"type": "poll", "offsets": map[string]any{"a": 0}})
	if got := pollPairs(t, m); !equalPairs(got, map[string][][2]int64{"a": {{0, 10}, {1, 11}}}) {
		t.Fatalf("poll-cap 2: got %v", got)
	}
	m = call(map[string]any{"type": "poll", "offsets": map[string]any{}})
	if got := pollPairs(t, m); len(got) != 0 {
		t.Fatalf("empty poll: got %v", got)
	}

	m = call(map[string]any{"type": "commit_offsets", "offsets": map[string]any{"a": 2}})
	wantKeys(t, m, "commit_offsets_ok")
	m = call(map[string]any{"type": "commit_offsets", "offsets": map[string]any{"a": 1}})
	wantKeys(t, m, "commit_offsets_ok")
	m = call(map[string]any{"type": "commit_offsets", "offsets": map[string]any{}})
	wantKeys(t, m, "commit_offsets_ok")

	m = call(map[string]any{"type": "list_committed_offsets", "keys": []string{"a", "b"}})
	wantKeys(t, m, "list_committed_offsets_ok", "offsets")
	offs, _ := m.Body["offsets"].(map[string]any)
	if len(offs) != 1 || offs["a"] != json.Number("2") {
		t.Fatalf("committed offsets: got %v, want only a=2 (never moves back)", m.Body["offsets"])
	}
	m = call(map[string]any{"type": "list_committed_offsets", "keys": []string{}})
	if offs, ok := m.Body["offsets"].(map[string]any); !ok || len(offs) != 0 {
		t.Fatalf("list of no keys: want {}, got %s", m.Line)
	}
	if h.s.reqs.len() != 0 {
		t.Fatalf("%d requests left pending", h.s.reqs.len())
	}
}

func equalPairs(a, b map[string][][2]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestBatching: operations arriving together ride in one proposal, and
// with a batching window the leader waits for it before proposing.
func TestBatching(t *testing.T) {
	cfg := testConfig()
	cfg.BatchInterval = 3 * cfg.Tick
	h := newLeader(t, cfg)
	// Send everything at one instant: one proposal.
	var lines [][]byte
	for i := 0; i < 50; i++ {
		lines = append(lines, line("c1", "n1", map[string]any{"type": "send", "msg_id": i + 1, "key": "k", "msg": i}))
	}
	// Let the window since the last flush pass, so these go at once.
	for i := 0; i < 5; i++ {
		h.tick()
	}
	first := h.s.peer.Status().LastZxid
	out := h.input(lines...)
	replies := countType(out, "send_ok")
	for i := 0; i < 20 && replies < 50; i++ {
		replies += countType(h.tick(), "send_ok")
	}
	if replies != 50 {
		t.Fatalf("%d of 50 sends answered", replies)
	}
	if n := entriesAfter(t, h.s, first); n != 1 {
		t.Fatalf("50 simultaneous sends took %d proposals, want 1", n)
	}

	// A cluster of one sends no messages, so it never waits for the
	// window: a second send right after the first is proposed at once.
	for i := 0; i < 5; i++ {
		h.tick()
	}
	for id := 100; id < 102; id++ {
		before := h.s.peer.Status().LastZxid
		h.input(line("c1", "n1", map[string]any{"type": "send", "msg_id": id, "key": "k", "msg": id}))
		if h.s.queue.len() != 0 || h.s.peer.Status().LastZxid == before {
			t.Fatalf("a one-node cluster did not propose send %d at once: queue %d", id, h.s.queue.len())
		}
	}
}

// On a cluster of several, an idle leader proposes at once; within the
// batching window after that, new operations wait for the window to end,
// so that everything of one window rides in one proposal.
func TestBatchingWindow(t *testing.T) {
	cfg := testConfig()
	cfg.BatchInterval = 3 * cfg.Tick
	c := newCluster(t, 3, cfg)
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	name := c.leader()
	s := c.srv[name]
	// Idle for longer than the window: heartbeats flush too, so wait
	// for a step that ends one past its last flush.
	c.until("an idle window", 100, func() bool { return c.now.Sub(s.pace.lastFlush) > cfg.BatchInterval })
	send := func(id int) {
		s.HandleLine(line("c1", name, map[string]any{"type": "send", "msg_id": id, "key": "k", "msg": id}), c.now)
		s.Process(c.now)
	}
	before := s.peer.Status().LastZxid
	send(100)
	if s.queue.len() != 0 || !s.pace.lastFlush.Equal(c.now) || s.peer.Status().LastZxid == before {
		t.Fatalf("an idle leader did not propose at once: queue %d", s.queue.len())
	}
	before = s.peer.Status().LastZxid
	send(101)
	if s.queue.len() != 1 || s.peer.Status().LastZxid != before {
		t.Fatalf("proposed inside the batching window: queue %d", s.queue.len())
	}
	if at, ok := s.NextWake(); !ok || !at.Equal(c.now.Add(cfg.BatchInterval)) {
		t.Fatalf("NextWake = %v %v, want the end of the window", at, ok)
	}
	s.Process(c.now.Add(cfg.BatchInterval))
	if s.queue.len() != 0 || s.peer.Status().LastZxid == before {
		t.Fatalf("not proposed at the end of the window: queue %d", s.queue.len())
	}
}

// entriesAfter counts the log entries after zxid z.
func entriesAfter(t *testing.T, s *Server, z zab.Zxid) int {
	t.Helper()
	es, err := s.store.Entries(uint64(z), 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func filterType(ms []outMsg, typ string) []outMsg {
	var out []outMsg
	for _, m := range ms {
		if m.typ() == typ {
			out = append(out, m)
		}
	}
	return out
}

func countType(ms []outMsg, typ string) int {
	n := 0
	for _, m := range ms {
		if m.typ() == typ {
			n++
		}
	}
	return n
}

// TestCommitOffsetsValidated: commit_offsets takes effect only if every
// offset names a message the key's log holds when the commit is applied.
// What no correct client sends gets a definite error and changes
// nothing: a negative offset (12, refused on arrival), a key never
// written (20), an offset beyond the log (22), 2^63-1 among them, which
// list_committed_offsets would otherwise report forever.
func TestCommitOffsetsValidated(t *testing.T) {
	h := newLeader(t, testConfig())
	id := 0
	call := func(body map[string]any) outMsg {
		t.Helper()
		id++
		body["msg_id"] = id
		m, ok := h.call("c1", body, 100)
		if !ok {
			t.Fatalf("no reply to %v", body)
		}
		return m
	}
	call(map[string]any{"type": "send", "key": "a", "msg": 10})
	call(map[string]any{"type": "send", "key": "a", "msg": 11}) // a: offsets 0, 1
	for _, tc := range []struct {
		offsets map[string]any
		code    int64 // -1: ok
	}{
		{map[string]any{"a": 1}, -1},
		{map[string]any{"zz": 0}, 20},
		{map[string]any{"a": 2}, 22},
		{map[string]any{"a": int64(1<<63 - 1)}, 22},
		{map[string]any{"a": -1}, 12},
		{map[string]any{"a": 0, "zz": 0}, 20}, // refused whole
		{map[string]any{"a": 0}, -1},          // behind the committed offset: accepted, no effect
	} {
		m := call(map[string]any{"type": "commit_offsets", "offsets": tc.offsets})
		code, _ := m.intField("code")
		switch {
		case tc.code < 0 && m.typ() != "commit_offsets_ok":
			t.Fatalf("commit %v: want ok, got %s", tc.offsets, m.Line)
		case tc.code >= 0 && (m.typ() != "error" || code != tc.code):
			t.Fatalf("commit %v: want error %d, got %s", tc.offsets, tc.code, m.Line)
		}
	}
	m := call(map[string]any{"type": "list_committed_offsets", "keys": []string{"a", "zz"}})
	if offs, _ := m.Body["offsets"].(map[string]any); len(offs) != 1 || offs["a"] != json.Number("1") {
		t.Fatalf("committed offsets: got %s, want only a=1", m.Line)
	}
}

// TestCommitThroughLaggingNode: a client polls a message from an
// up-to-date node and commits its offset through a node that has not
// applied that message yet. The commit is checked when it is applied, in
// commit order, after the message, so it is accepted.
func TestCommitThroughLaggingNode(t *testing.T) {
	c := newCluster(t, 3, testConfig())
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	lead := c.leader()
	lag := c.names[0]
	if lag == lead {
		lag = c.names[1]
	}
	c.cut[lag][lead] = true // lag hears nothing from the leader; it can still forward
	acks, _ := c.sendAll([]string{lead}, []string{"a"}, []int64{1, 2, 3})
	if len(acks) != 3 || c.srv[lag].kafka.NextOffset("a") != 0 {
		t.Fatalf("setup: %d acks, lag has %d messages", len(acks), c.srv[lag].kafka.NextOffset("a"))
	}
	id := c.request("c1", lag, map[string]any{"type": "commit_offsets", "offsets": map[string]any{"a": 2}})
	for i := 0; i < 5; i++ {
		c.step()
	}
	c.heal()
	c.until("the commit answered", 1000, func() bool { _, ok := c.reply("c1", id); return ok })
	if m, _ := c.reply("c1", id); m.typ() != "commit_offsets_ok" {
		t.Fatalf("commit through a lagging node: %s", m.Line)
	}
	for _, n := range c.names {
		if got := c.srv[n].kafka.CommittedOffsets(nil); got["a"] != 2 {
			t.Fatalf("%s committed %v", n, got)
		}
	}
}

// TestCommitsKnownAnsweredAtOnce: a commit_offsets that moves no key past
// what the node's committed state holds is answered in the step it
// arrives, by a follower too, without forwarding it; one that moves any
// key, or names a key with no committed offset, goes through a round,
// and only then is list_committed_offsets higher.
func TestCommitsKnownAnsweredAtOnce(t *testing.T) {
	c := newCluster(t, 3, testConfig())
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	lead, f := c.leaderAndFollower()
	acks, _ := c.sendAll([]string{lead}, []string{"a", "b"}, []int64{1, 2, 3, 4})
	if len(acks) != 4 {
		t.Fatalf("setup: %d acks", len(acks))
	}
	commit := func(offsets map[string]any) int {
		return c.request("c1", f, map[string]any{"type": "commit_offsets", "offsets": offsets})
	}
	first := commit(map[string]any{"a": 1})
	c.until("the first commit answered", 1000, func() bool { _, ok := c.reply("c1", first); return ok })
	c.until("every node applied it", 1000, c.converged)

	st := &c.srv[f].stats
	for _, tc := range []struct {
		offsets map[string]any
		known   bool
	}{
		{map[string]any{"a": 1}, true},
		{map[string]any{"a": 0}, true},
		{map[string]any{"a": 1, "b": 0}, false}, // b has no committed offset yet
		{map[string]any{"a": 0, "b": 0}, true},  // now it has
		{map[string]any{"b": 1}, false},
	} {
		known, forwarded := st.commitsKnown, st.forwarded
		id := commit(tc.offsets)
		c.step()
		m, answered := c.reply("c1", id)
		if answered != tc.known || st.commitsKnown-known != boolInt(tc.known) || st.forwarded-forwarded != boolInt(!tc.known) {
			t.Fatalf("commit %v: answered in its step %v, known %d, forwarded %d; want known %v",
				tc.offsets, answered, st.commitsKnown-known, st.forwarded-forwarded, tc.known)
		}
		if answered && m.typ() != "commit_offsets_ok" {
			t.Fatalf("commit %v: %s", tc.offsets, m.Line)
		}
		c.until("the commit answered", 1000, func() bool { _, ok := c.reply("c1", id); return ok })
		c.until("every node applied it", 1000, c.converged)
	}
	for _, n := range c.names {
		if got := c.srv[n].kafka.CommittedOffsets(nil); got["a"] != 1 || got["b"] != 1 {
			t.Fatalf("%s committed %v, want a=1 b=1", n, got)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
