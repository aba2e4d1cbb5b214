package node

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"zabkafka/zab"
)

// cluster is N Servers wired through an in-memory router, driven by a
// fake clock one tick at a time: no processes, no real time, so every run
// is the same run. Links can be cut one way (cut[dst][src]).
type cluster struct {
	t     testing.TB
	cfg   Config
	now   time.Time
	names []string
	srv   map[string]*Server
	out   map[string]*bytes.Buffer
	inbox map[string][][]byte
	cut   map[string]map[string]bool
	// replies are what each client received, with the time it was sent.
	replies map[string][]clientReply
	// byRequest indexes replies by "client/in_reply_to", the key asked
	// uses, so looking up one request's answers does not rescan every
	// reply the client ever got (sendAll asks once per request per step).
	byRequest map[string][]outMsg
	// asked is when each (client, msg_id) request was delivered.
	asked  map[string]time.Time
	nextID int

	// inspect, if set, sees every node-to-node line routed.
	inspect func(from, to string, line []byte)
	// drop, if set, says whether to lose a node-to-node line.
	drop func(from, to string, line []byte) bool
	// duplicate, if set, says for each node-to-node line whether to
	// deliver a second copy, and how many steps after the first.
	duplicate func(from, to string) (steps int, ok bool)
	// later holds copies due at a future step, by step number.
	later map[int][]delivery
	steps int
}

// delivery is a line on its way to a node.
type delivery struct {
	from, to string
	line     []byte
}

type clientReply struct {
	msg outMsg
	at  time.Time
}

func newCluster(t testing.TB, n int, cfg Config) *cluster {
	t.Helper()
	c := &cluster{t: t, cfg: cfg, now: t0, srv: map[string]*Server{}, out: map[string]*bytes.Buffer{},
		inbox: map[string][][]byte{}, cut: map[string]map[string]bool{}, replies: map[string][]clientReply{},
		byRequest: map[string][]outMsg{}, asked: map[string]time.Time{}, later: map[int][]delivery{}}
	for i := 1; i <= n; i++ {
		c.names = append(c.names, fmt.Sprintf("n%d", i))
	}
	for _, name := range c.names {
		buf := &bytes.Buffer{}
		var logger *slog.Logger
		if os.Getenv("NODE_TEST_LOG") != "" {
			logger = newTextLogger(os.Stderr)
		}
		s, err := NewServer(cfg, buf, logger)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		c.srv[name], c.out[name] = s, buf
		c.cut[name] = map[string]bool{}
		c.request("c0", name, map[string]any{"type": "init", "node_id": name, "node_ids": c.names})
	}
	return c
}

// request delivers a client request to node (clients are never cut off)
// and returns its msg_id.
func (c *cluster) request(client, node string, body map[string]any) int {
	c.nextID++
	body["msg_id"] = c.nextID
	c.inbox[node] = append(c.inbox[node], line(client, node, body))
	// It arrives at the next step.
	c.asked[requestKey(client, int64(c.nextID))] = c.now.Add(c.cfg.Tick)
	return c.nextID
}

// step advances one tick: each node, in order, takes its inbox, ticks and
// processes; its output is routed at once.
func (c *cluster) step() {
	c.now = c.now.Add(c.cfg.Tick)
	c.steps++
	for _, d := range c.later[c.steps] {
		if !c.cut[d.to][d.from] {
			c.inbox[d.to] = append(c.inbox[d.to], d.line)
		}
	}
	delete(c.later, c.steps)
	for _, name := range c.names {
		s := c.srv[name]
		in := c.inbox[name]
		c.inbox[name] = nil
		for _, l := range in {
			s.HandleLine(l, c.now)
		}
		s.Tick(c.now)
		s.Process(c.now)
		if at, ok := s.NextWake(); ok && !at.After(c.now) {
			// Run's loop would spin.
			c.t.Fatalf("%s: NextWake %v is not after now %v", name, at, c.now)
		}
		c.route(name)
	}
}

// route delivers what node wrote: replies to clients are decoded, checked
// (parseOutput) and recorded; node-to-node lines go to their destination
// as they are, only their envelope read (they can be hundreds of MiB, and
// the receiving node checks them anyway).
func (c *cluster) route(name string) {
	buf := c.out[name]
	lines := bytes.Split(buf.Bytes(), []byte("\n"))
	buf.Reset()
	for _, l := range lines {
		if len(l) == 0 {
			continue
		}
		src, dest, ok := peekEnvelope(l)
		if !ok || c.srv[dest] == nil {
			m, err := decodeOut(l)
			if err != nil {
				c.t.Fatalf("bad output line %.300q: %v", l, err)
			}
			src, dest = m.Src, m.Dest
			if src != name {
				c.t.Fatalf("%s wrote a message from %q: %s", name, src, m.Line)
			}
			if !strings.HasPrefix(dest, "c") {
				c.t.Fatalf("%s wrote to unknown %q", name, dest)
			}
			c.replies[dest] = append(c.replies[dest], clientReply{m, c.now})
			if irt, ok := m.intField("in_reply_to"); ok {
				k := requestKey(dest, irt)
				c.byRequest[k] = append(c.byRequest[k], m)
			}
			continue
		}
		if src != name {
			c.t.Fatalf("%s wrote a message from %q: %.300s", name, src, l)
		}
		l = bytes.Clone(l)
		if os.Getenv("NODE_TEST_TRACE") != "" {
			c.t.Logf("%v cut=%v %s", c.now.Sub(t0), c.cut[dest][name], l)
		}
		if c.inspect != nil {
			c.inspect(name, dest, l)
		}
		if !c.cut[dest][name] && (c.drop == nil || !c.drop(name, dest, l)) {
			c.inbox[dest] = append(c.inbox[dest], l)
		}
		if c.duplicate != nil {
			if after, ok := c.duplicate(name, dest); ok {
				at := c.steps + max(after, 1)
				c.later[at] = append(c.later[at], delivery{name, dest, l})
			}
		}
	}
}

// peekEnvelope reads src and dest from a line in the form the node's
// lineWriter writes (output.go) with plain names; ok is false for any
// other form.
func peekEnvelope(l []byte) (src, dest string, ok bool) {
	rest, ok := bytes.CutPrefix(l, []byte(`{"src":"`))
	if !ok {
		return "", "", false
	}
	src, after, ok := strings.Cut(string(rest[:min(len(rest), 200)]), `","dest":"`)
	if !ok {
		return "", "", false
	}
	dest, _, ok = strings.Cut(after, `","body":{`)
	if !ok || strings.ContainsAny(src+dest, `"\`) {
		return "", "", false
	}
	return src, dest, true
}

// leaderAndFollower steps until a leader is elected and returns it and
// one of its followers.
func (c *cluster) leaderAndFollower() (lead, f string) {
	c.t.Helper()
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	lead = c.leader()
	f = c.names[0]
	if f == lead {
		f = c.names[1]
	}
	return lead, f
}

// until steps until cond holds, failing after max steps.
func (c *cluster) until(what string, max int, cond func() bool) {
	c.t.Helper()
	for i := 0; i < max; i++ {
		if cond() {
			return
		}
		c.step()
	}
	if !cond() {
		c.t.Fatalf("after %d ticks: not %s; status %s", max, what, c.statusLine())
	}
}

func (c *cluster) statusLine() string {
	var parts []string
	for _, n := range c.names {
		if c.srv[n].peer == nil {
			parts = append(parts, n+":uninitialized")
			continue
		}
		st := c.srv[n].peer.Status()
		parts = append(parts, fmt.Sprintf("%s:%v/%v/leader=%d/last=%v/commit=%v", n, st.Role, st.Phase, st.Leader, st.LastZxid, st.Committed))
	}
	return strings.Join(parts, " ")
}

// leader is the established leader every other listed node follows in
// broadcast, "" if there is none.
func (c *cluster) leader(among ...string) string {
	if len(among) == 0 {
		among = c.names
	}
	lead := ""
	for _, n := range among {
		if c.srv[n].peer == nil {
			return ""
		}
		st := c.srv[n].peer.Status()
		if st.Phase != zab.PhaseBroadcast {
			return ""
		}
		if st.Role == zab.RoleLeading {
			lead = n
		}
	}
	if lead == "" {
		return ""
	}
	for _, n := range among {
		if st := c.srv[n].peer.Status(); n != lead && (st.Role != zab.RoleFollowing || c.srv[n].members.nameOf(st.Leader) != lead) {
			return ""
		}
	}
	return lead
}

// isolate cuts node off from every other node, both ways; heal undoes all
// cuts.
func (c *cluster) isolate(node string) {
	for _, o := range c.names {
		if o != node {
			c.cut[o][node], c.cut[node][o] = true, true
		}
	}
}

func (c *cluster) heal() {
	for _, n := range c.names {
		c.cut[n] = map[string]bool{}
	}
}

// reply is client's answer to msg_id, if any; it fails on a second one.
func (c *cluster) reply(client string, id int) (outMsg, bool) {
	c.t.Helper()
	found := c.byRequest[requestKey(client, int64(id))]
	if len(found) > 1 {
		c.t.Fatalf("%s got %d replies to %d: %v", client, len(found), id, found)
	}
	if len(found) == 0 {
		return outMsg{}, false
	}
	return found[0], true
}

// requestKey names one client request: its client and msg_id.
func requestKey(client string, id int64) string { return fmt.Sprintf("%s/%d", client, id) }

// checkDeadlines fails if any client got a reply after RequestTimeout.
func (c *cluster) checkDeadlines() {
	c.t.Helper()
	for client, rs := range c.replies {
		for _, r := range rs {
			irt, _ := r.msg.intField("in_reply_to")
			asked, ok := c.asked[requestKey(client, irt)]
			if !ok {
				c.t.Fatalf("reply to a request never made: %s", r.msg.Line)
			}
			if r.at.Sub(asked) > c.cfg.RequestTimeout {
				c.t.Fatalf("reply %v after the request: %s", r.at.Sub(asked), r.msg.Line)
			}
		}
	}
}

// ack is one acknowledged send.
type ack struct {
	key    string
	msg    int64
	offset int64
}

// sendAll sends msgs[i] to key keys[i%len] through node names[i%n], all at
// once, and steps until each has an answer; it returns the acks and the
// error codes.
func (c *cluster) sendAll(nodes []string, keys []string, msgs []int64) (acks []ack, errs []int64) {
	c.t.Helper()
	type sent struct {
		client string
		id     int
		key    string
		msg    int64
	}
	var reqs []sent
	for i, m := range msgs {
		client := fmt.Sprintf("c%d", 10+i%len(nodes))
		key := keys[i%len(keys)]
		id := c.request(client, nodes[i%len(nodes)], map[string]any{"type": "send", "key": key, "msg": m})
		reqs = append(reqs, sent{client, id, key, m})
	}
	c.until("every send answered", int(c.cfg.RequestTimeout/c.cfg.Tick)+10, func() bool {
		for _, r := range reqs {
			if _, ok := c.reply(r.client, r.id); !ok {
				return false
			}
		}
		return true
	})
	for _, r := range reqs {
		m, _ := c.reply(r.client, r.id)
		if m.typ() == "send_ok" {
			off, _ := m.intField("offset")
			acks = append(acks, ack{r.key, r.msg, off})
		} else {
			code, _ := m.intField("code")
			errs = append(errs, code)
		}
	}
	return acks, errs
}

// converged reports whether every node has applied the same history.
func (c *cluster) converged() bool {
	z := c.srv[c.names[0]].kafka.AppliedZxid()
	for _, n := range c.names[1:] {
		if c.srv[n].kafka.AppliedZxid() != z {
			return false
		}
	}
	return true
}

// checkAcks verifies, on every node, that each acknowledged send is in
// its key's log at its offset, and that all nodes hold identical logs.
func (c *cluster) checkAcks(acks []ack, keys []string) {
	c.t.Helper()
	ref := c.srv[c.names[0]].kafka
	for _, n := range c.names {
		k := c.srv[n].kafka
		for _, key := range keys {
			got, want := k.Poll(key, 0, 1<<20), ref.Poll(key, 0, 1<<20)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				c.t.Fatalf("%s and %s differ on key %s:\n%v\n%v", n, c.names[0], key, got, want)
			}
			for i, m := range got {
				if m.Offset != int64(i) {
					c.t.Fatalf("%s key %s: offsets not dense: %v", n, key, got)
				}
			}
		}
		for _, a := range acks {
			got := k.Poll(a.key, a.offset, 1)
			if len(got) != 1 || got[0].Offset != a.offset || got[0].Msg != a.msg {
				c.t.Fatalf("%s lost acknowledged send %+v: poll gives %v", n, a, got)
			}
		}
	}
}

// TestClusterReplication: three nodes elect a leader; sends through every
// node (forwarded by the followers) are acknowledged with offsets that are
// the same on every replica; commit_offsets replicates; after the leader
// is cut off, the other two elect a new leader and keep acknowledging;
// after the heal the old leader catches up and nothing acknowledged is
// lost anywhere. No client ever gets two answers, or one after its
// deadline.
func TestClusterReplication(t *testing.T) {
	for _, leaderReplies := range []bool{false, true} {
		t.Run(fmt.Sprintf("leader-replies=%v", leaderReplies), func(t *testing.T) {
			cfg := testConfig()
			cfg.LeaderReplies = leaderReplies
			testClusterReplication(t, cfg)
		})
	}
}

func testClusterReplication(t *testing.T, cfg Config) {
	c := newCluster(t, 3, cfg)
	c.until("a leader", 1000, func() bool { return c.leader() != "" })
	keys := []string{"a", "b", "c", "d"}
	var msgs []int64
	for i := 0; i < 40; i++ {
		msgs = append(msgs, int64(i))
	}
	acks, errs := c.sendAll(c.names, keys, msgs)
	if len(errs) != 0 || len(acks) != 40 {
		t.Fatalf("healthy cluster: %d acks, errors %v", len(acks), errs)
	}
	c.until("replicas converged", 100, c.converged)
	c.checkAcks(acks, keys)

	// commit_offsets through a follower, read back everywhere.
	old := c.leader()
	follower := c.names[0]
	if follower == old {
		follower = c.names[1]
	}
	id := c.request("c20", follower, map[string]any{"type": "commit_offsets", "offsets": map[string]any{"a": 5, "b": 3}})
	c.until("commit_offsets answered", 100, func() bool { _, ok := c.reply("c20", id); return ok })
	if m, _ := c.reply("c20", id); m.typ() != "commit_offsets_ok" {
		t.Fatalf("commit_offsets: %s", m.Line)
	}
	c.until("replicas converged", 100, c.converged)
	for _, n := range c.names {
		if got := c.srv[n].kafka.CommittedOffsets([]string{"a", "b", "c"}); fmt.Sprint(got) != "map[a:5 b:3]" {
			t.Fatalf("%s committed offsets %v", n, got)
		}
	}

	// Cut the leader off. A send to it may not be acknowledged; the
	// other two elect a new leader and acknowledge theirs.
	c.isolate(old)
	idOld := c.request("c21", old, map[string]any{"type": "send", "key": "a", "msg": 1000})
	var rest []string
	for _, n := range c.names {
		if n != old {
			rest = append(rest, n)
		}
	}
	c.until("a new leader among the rest", 1000, func() bool { return c.leader(rest...) != "" })
	more, errs := c.sendAll(rest, keys, []int64{100, 101, 102, 103, 104, 105})
	if len(more) != 6 {
		t.Fatalf("majority side: %d acks, errors %v", len(more), errs)
	}
	acks = append(acks, more...)
	c.until("the cut-off leader's send answered", 1000, func() bool { _, ok := c.reply("c21", idOld); return ok })
	m, _ := c.reply("c21", idOld)
	if m.typ() == "send_ok" {
		t.Fatalf("an isolated leader acknowledged a send: %s", m.Line)
	}

	c.heal()
	c.until("everyone back in one epoch", 1000, func() bool { return c.leader() != "" })
	c.until("replicas converged", 200, c.converged)
	c.checkAcks(acks, keys)
	if code, _ := m.intField("code"); code == 11 {
		// A definite error promises the send never happens.
		for _, n := range c.names {
			for _, got := range c.srv[n].kafka.Poll("a", 0, 1<<20) {
				if got.Msg == 1000 {
					t.Fatalf("send refused with a definite error was applied on %s", n)
				}
			}
		}
	}
	c.checkDeadlines()
}

// TestNoLeaderHeldThenRefused: a node that cannot reach anyone holds
// operations for HoldTimeout, then refuses a send definitely (it never
// left the node) and a commit_offsets indefinitely (a definite commit
// failure would make the client skip messages:
// docs/running.md#definite-errors-only-for-what-never-happens).
func TestNoLeaderHeldThenRefused(t *testing.T) {
	c := newCluster(t, 3, testConfig())
	c.isolate("n1")
	idSend := c.request("c1", "n1", map[string]any{"type": "send", "key": "a", "msg": 1})
	idCommit := c.request("c1", "n1", map[string]any{"type": "commit_offsets", "offsets": map[string]any{"a": 0}})
	hold := int(c.cfg.HoldTimeout / c.cfg.Tick)
	for i := 0; i < hold-1; i++ {
		c.step()
	}
	if len(c.replies["c1"]) != 0 {
		t.Fatalf("answered before the hold timeout: %v", c.replies["c1"])
	}
	c.until("both answered", 5, func() bool {
		_, a := c.reply("c1", idSend)
		_, b := c.reply("c1", idCommit)
		return a && b
	})
	m, _ := c.reply("c1", idSend)
	if code, _ := m.intField("code"); m.typ() != "error" || code != 11 {
		t.Fatalf("held send: want error 11, got %s", m.Line)
	}
	m, _ = c.reply("c1", idCommit)
	if code, _ := m.intField("code"); m.typ() != "error" || code != 0 {
		t.Fatalf("held commit_offsets: want indefinite error 0, got %s", m.Line)
	}
	if c.srv["n1"].reqs.len() != 0 || c.srv["n1"].queue.len() != 0 {
		t.Fatal("refused operations left behind")
	}
}

// TestForwardedSendLostIsIndefinite: a follower forwards a send the leader
// never receives. Its fate is unknown to the follower, so at the deadline
// the client gets the indefinite timeout error, never a definite one, and
// nothing after it even when a later commit reaches the follower.
func TestForwardedSendLostIsIndefinite(t *testing.T) {
	c := newCluster(t, 3, testConfig())
	lead, f := c.leaderAndFollower()
	c.cut[lead][f] = true // f's forwards and acks are lost; f still hears the leader
	id := c.request("c1", f, map[string]any{"type": "send", "key": "a", "msg": 7})
	c.until("the deadline answer", int(c.cfg.RequestTimeout/c.cfg.Tick)+5, func() bool { _, ok := c.reply("c1", id); return ok })
	m, _ := c.reply("c1", id)
	if code, _ := m.intField("code"); m.typ() != "error" || code != 0 {
		t.Fatalf("lost forward: want indefinite error 0, got %s", m.Line)
	}
	c.heal()
	for i := 0; i < 300; i++ {
		c.step()
	}
	if len(c.replies["c1"]) != 1 {
		t.Fatalf("client got %d messages, want exactly the one error", len(c.replies["c1"]))
	}
	c.checkDeadlines()
}

// TestLateCommitNeverAnswered: the send commits, but its origin learns of
// it only after the client's deadline; the origin applies it and stays
// silent.
func TestLateCommitNeverAnswered(t *testing.T) {
	c := newCluster(t, 3, testConfig())
	lead, f := c.leaderAndFollower()
	id := c.request("c1", f, map[string]any{"type": "send", "key": "a", "msg": 7})
	// Let the forward reach the leader, then cut everything into f.
	c.until("the send forwarded", 10, func() bool {
		r := c.srv[f].reqs.get(c.srv[f].reqs.lastSeq)
		return r != nil && r.sent
	})
	for _, o := range c.names {
		if o != f {
			c.cut[f][o] = true
		}
	}
	c.until("the leader committed it", 100, func() bool { return len(c.srv[lead].kafka.Poll("a", 0, 10)) == 1 })
	for i := 0; i < int(c.cfg.RequestTimeout/c.cfg.Tick)+5; i++ {
		c.step()
	}
	c.heal()
	c.until("f applied it", 1000, func() bool { return len(c.srv[f].kafka.Poll("a", 0, 10)) == 1 })
	if len(c.replies["c1"]) != 1 {
		t.Fatalf("client got %d messages, want one", len(c.replies["c1"]))
	}
	if m, _ := c.reply("c1", id); m.typ() != "error" {
		t.Fatalf("want the deadline's error, got %s", m.Line)
	}
	c.checkDeadlines()
}

// TestStoppedPastDeadlineSilent: a follower's process is stopped (as
// SIGSTOP stops it) while a send waits for its commit, and runs again
// after the deadline. If a reply could still beat Maelstrom's 5 s client
// timeout it gets the deadline's indefinite error; if not, no reply at
// all: its client has given up and may be gone, and a line to a gone
// client stops Maelstrom reading the node.
func TestStoppedPastDeadlineSilent(t *testing.T) {
	for _, tc := range []struct {
		stoppedFor time.Duration // from the request's arrival
		wantReply  bool
	}{
		{lastReplyAge - 100*time.Millisecond, true},
		{lastReplyAge, false},
		{10 * time.Second, false},
	} {
		cfg := testConfig()
		cfg.StatsInterval = 0 // the stats line would reset the count read below
		c := newCluster(t, 3, cfg)
		_, f := c.leaderAndFollower()
		for _, o := range c.names {
			c.cut[f][o] = true // its forward never arrives: the send waits
		}
		id := c.request("c1", f, map[string]any{"type": "send", "key": "a", "msg": 7})
		c.step()
		s := c.srv[f]
		r := s.reqs.get(s.reqs.lastSeq)
		if r == nil {
			t.Fatal("the send is not pending")
		}
		// One wake-up after the stop, as node.Run's loop makes: its
		// first Process sees the jumped clock.
		at := r.arrived.Add(tc.stoppedFor)
		s.Tick(at)
		s.Process(at)
		c.route(f)
		m, got := c.reply("c1", id)
		switch {
		case got != tc.wantReply:
			t.Fatalf("stopped for %v: reply %v, want %v (%s)", tc.stoppedFor, got, tc.wantReply, m.Line)
		case got:
			if code, _ := m.intField("code"); m.typ() != "error" || code != 0 {
				t.Fatalf("stopped for %v: want indefinite error 0, got %s", tc.stoppedFor, m.Line)
			}
		case s.stats.expiredSilent != 1:
			t.Fatalf("stopped for %v: expired_silent %d, want 1", tc.stoppedFor, s.stats.expiredSilent)
		}
		if s.reqs.len() != 0 {
			t.Fatalf("stopped for %v: the request is still pending", tc.stoppedFor)
		}
	}
}
