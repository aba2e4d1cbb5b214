package nodesim

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/kafka"
	"zabkafka/zab"
)

// quietPlan is a three-node plan without faults.
func quietPlan() Plan {
	return Plan{
		Nodes: 3, Concurrency: 3, Rate: 100, TimeLimit: time.Second,
		Net: NetConfig{MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond,
			ClientMinDelay: 100 * time.Microsecond, ClientMaxDelay: time.Millisecond},
		BatchInterval: 10 * time.Millisecond,
	}
}

// started returns a Sim whose nodes are up and initialized, with its
// client threads running; the test must call stopWorkers.
func started(t *testing.T, p Plan) *Sim {
	t.Helper()
	s := newSim(1, p, RunOptions{KeepTrace: true})
	s.startWorkers()
	for _, h := range s.hosts {
		h.start()
	}
	if !s.runUntil(initLimit, s.allInited) {
		t.Fatal("nodes not initialized")
	}
	return s
}

// TestClientTimeoutIsIndefinite: a request to a node that is down gets
// no reply; at Maelstrom's 5 s client timeout the send completes as info
// net-timeout (it may have happened), an assign as fail (idempotent).
func TestClientTimeoutIsIndefinite(t *testing.T) {
	s := started(t, quietPlan())
	defer s.stopWorkers()
	for _, h := range s.hosts {
		h.kill("test")
	}
	for _, c := range []struct {
		req  kafka.Request
		want history.Type
	}{
		{kafka.Request{F: history.FSend, Key: "1", Msg: 1}, history.Info},
		{kafka.Request{F: history.FAssign, Keys: []string{"1"}}, history.Fail},
	} {
		t0 := s.now
		th := s.freeThread()
		s.dispatch(th, c.req, false)
		s.waitUntil(t0 + time.Minute)
		op := s.hist[len(s.hist)-1]
		if op.Type != c.want || op.Error != "net-timeout" || time.Duration(op.Time)-t0 != rpcTimeout {
			t.Fatalf("%s to a dead node: %+v after %v, want %s net-timeout after %v", c.req.F, op, time.Duration(op.Time)-t0, c.want, rpcTimeout)
		}
	}
}

// TestWriteCrashKeepsNothingUnflushed: a process that dies at a write to
// its log sends nothing it would have written after that write (what it
// wrote out before, such as a leader's proposals sent first, left
// already); the node is down, its disk's crash is in the trace, and a
// restart brings it back.
func TestWriteCrashKeepsNothingUnflushed(t *testing.T) {
	s := started(t, quietPlan())
	defer s.stopWorkers()
	s.runUntil(s.now+time.Second, nil) // a leader
	for i, th := range s.threads {
		s.dispatch(th, kafka.Request{F: history.FSend, Key: "k", Msg: int64(i + 1)}, false)
	}
	// The first write anyone makes kills its process. Whatever reaches
	// its stdout from then on (here a message to every other node, as a
	// node that went on after its failed write could send) must not
	// leave.
	s.afterWriteCrash = func(h *host) {
		for _, o := range s.names {
			if o != h.name {
				fmt.Fprintf(&h.out, `{"src":%q,"dest":%q,"body":{"type":"zab","m":[]}}`+"\n", h.name, o)
			}
		}
	}
	s.writeCrash = 1
	s.runUntil(s.now+2*time.Second, func() bool { return s.stats.WriteCrashes > 0 })
	if s.stats.WriteCrashes != 1 {
		t.Fatalf("%d crashes at a write", s.stats.WriteCrashes)
	}
	s.writeCrash = 0
	var dead *host
	for _, h := range s.hosts {
		if !h.up {
			dead = h
		}
	}
	if dead == nil {
		t.Fatal("no node is down after a crash at a write")
	}
	var crashAt time.Duration
	for _, e := range s.trace.Events() {
		if e.Kind == KindCrash && e.From == dead.name {
			crashAt = e.At
			if !strings.Contains(e.Note, "at ") {
				t.Fatalf("crash note %q does not say where", e.Note)
			}
		}
	}
	s.runUntil(s.now+time.Second, nil)
	for _, e := range s.trace.Events() {
		left := e.Kind == KindDeliver || e.Kind == KindDrop || e.Kind == KindLate
		if left && e.From == dead.name && e.Sent == crashAt && bytes.Contains(e.Line, []byte(`"m":[]`)) {
			t.Fatalf("a line written after the crashing write left the process: %v", e)
		}
	}
	s.restart(dead)
	s.runUntil(s.now+5*time.Second, func() bool { return dead.inited })
	if !dead.up || !dead.inited {
		t.Fatal("the crashed node did not come back")
	}
}

// TestLateCopiesReplay: the late pool delivers old copies again, a
// start flushes the ones addressed to the starting node oldest first,
// and a heal's release delivers every copy once more and stops pooling.
func TestLateCopiesReplay(t *testing.T) {
	p := quietPlan()
	p.Net.Replay = 4
	s := started(t, p)
	defer s.stopWorkers()
	s.runUntil(s.now+time.Second, nil) // an election's worth of traffic
	if s.net.stats.Sent == 0 || len(s.net.keys) == 0 {
		t.Fatal("nothing pooled")
	}
	before := s.net.stats.Replayed
	s.net.flushInto(1, 50*time.Millisecond)
	s.runUntil(s.now+100*time.Millisecond, nil)
	var sent []time.Duration
	for _, e := range s.trace.Events() {
		if e.Kind == KindDeliver && e.To == "n1" && e.At >= s.now-100*time.Millisecond && e.At-e.Sent > 100*time.Millisecond {
			sent = append(sent, e.Sent)
		}
	}
	if len(sent) == 0 || s.net.stats.Replayed == before {
		t.Fatal("flushing the late copies into n1 delivered none")
	}
	for i := 1; i < len(sent); i++ {
		if sent[i] < sent[i-1] {
			t.Fatalf("flushed copies not oldest first: sent at %v", sent)
		}
	}
	s.net.releaseAll(50 * time.Millisecond)
	if s.net.cfg.Replay != 0 || len(s.net.keys) != 0 {
		t.Fatal("releaseAll left the pool on")
	}
}

// TestProbeDiff: the probe's comparisons see a divergent message, a
// missing key, a different committed offset, and a log that is not a
// prefix of the other.
func TestProbeDiff(t *testing.T) {
	base := func() nodeState {
		return nodeState{msgs: map[string][][2]int64{"a": {{0, 1}, {1, 2}}}, committed: map[string]int64{"a": 1}}
	}
	a := base()
	if d := a.diff(base()); d != "" {
		t.Fatalf("equal states differ: %s", d)
	}
	shorter := base()
	shorter.msgs["a"] = shorter.msgs["a"][:1]
	if a.diff(shorter) == "" || a.prefixDiff(shorter) != "" {
		t.Fatal("a shorter log must differ but be a prefix")
	}
	other := base()
	other.msgs["a"] = [][2]int64{{0, 1}, {1, 3}}
	if a.prefixDiff(other) == "" {
		t.Fatal("a different message at offset 1 is not a prefix")
	}
	extra := base()
	extra.msgs["b"] = [][2]int64{{0, 1}}
	if a.diff(extra) == "" || extra.diff(a) == "" {
		t.Fatal("a key one node lacks must differ both ways")
	}
	committed := base()
	committed.committed["a"] = 0
	if d := a.diff(committed); !strings.Contains(d, "committed") {
		t.Fatalf("committed offsets 1 and 0: %q", d)
	}
	delete(committed.committed, "a")
	if a.diff(committed) == "" || committed.diff(a) == "" {
		t.Fatal("a committed offset one node lacks must differ both ways")
	}
}

// TestNodeSeedsDiffer: every start of every node gets its own election
// seed, derived from the run's seed.
func TestNodeSeedsDiffer(t *testing.T) {
	seen := map[int64]string{}
	for _, seed := range []int64{1, 2} {
		s := newSim(seed, quietPlan(), RunOptions{})
		for _, h := range s.hosts {
			for run := range 3 {
				h.starts = run
				c := s.nodeConfig(h)
				who := fmt.Sprintf("seed %d %s run %d", seed, h.name, run)
				if prev, dup := seen[c.Seed]; dup || c.Seed == 0 {
					t.Fatalf("%s has election seed %d, like %s", who, c.Seed, prev)
				}
				seen[c.Seed] = who
			}
		}
	}
}

// TestPauseHoldsLinesUntilResume: a stopped process sends nothing and
// reads nothing; what reaches it waits, and when it resumes it reads
// all of it at once. A request that waited through the pause timed out
// at its client, and the node's answer to it, which it could not have
// sent sooner, is not a late reply (checkReply counts from the resume).
func TestPauseHoldsLinesUntilResume(t *testing.T) {
	s := started(t, quietPlan())
	defer s.stopWorkers()
	s.runUntil(s.now+time.Second, nil) // a leader
	h := s.byName[s.threads[0].node]
	t0 := s.now
	h.pause(6 * time.Second)
	s.dispatch(s.threads[0], kafka.Request{F: history.FSend, Key: "k", Msg: 1}, false)
	s.runUntil(t0+6*time.Second-time.Millisecond, nil)
	if !h.paused || len(h.inbox) == 0 {
		t.Fatalf("paused %v with %d lines waiting, want paused with the request waiting", h.paused, len(h.inbox))
	}
	for _, e := range s.trace.Events() {
		if e.Sent > t0 && e.From == h.name && (e.Kind == KindDeliver || e.Kind == KindDrop) {
			t.Fatalf("a stopped process sent a line: %+v", e)
		}
	}
	op := s.hist[len(s.hist)-1]
	if op.Type != history.Info || op.F != history.FSend {
		t.Fatalf("the send during the pause completed as %+v, want info at the client's timeout", op)
	}
	waiting := len(h.inbox)
	s.runUntil(t0+7*time.Second, nil)
	if h.paused || len(h.inbox) != 0 {
		t.Fatalf("after the resume: paused %v, %d lines waiting", h.paused, len(h.inbox))
	}
	sent := false
	for _, e := range s.trace.Events() {
		sent = sent || e.At >= t0+6*time.Second && e.From == h.name && e.Kind == KindDeliver
	}
	if !sent || s.stats.Pauses != 1 {
		t.Fatalf("resumed with %d lines waiting: sent something %v, pauses %d", waiting, sent, s.stats.Pauses)
	}
	if s.failed != nil {
		t.Fatalf("the run failed: %v", s.failed)
	}
}

// TestPausedLeaderSilentPastDeadline: with LeaderReplies, the leader
// takes over a follower's send, proposes it, and is stopped just as the
// proposal reaches the follower; the other follower is down, so no one
// else can lead. The leader resumes 6 s later, reads the follower's ACK
// and commits the send in its own epoch, after the client gave up: it
// must stay silent (the deadline the follower sent with the send), or
// the late-reply check fails the run.
func TestPausedLeaderSilentPastDeadline(t *testing.T) {
	p := quietPlan()
	p.LeaderReplies, p.BatchInterval = true, 0
	s := started(t, p)
	defer s.stopWorkers()
	s.runUntil(s.now+time.Second, nil)
	s.dispatch(s.threads[0], kafka.Request{F: history.FSend, Key: "k", Msg: 1}, false)
	s.waitUntil(s.now + 6*time.Second)
	lead := s.leading
	if lead == nil {
		t.Fatal("no leader seen on the wire")
	}
	var f, g *host
	for _, h := range s.hosts {
		switch {
		case h == lead:
		case f == nil:
			f = h
		default:
			g = h
		}
	}
	g.kill("test: no one else can lead")
	var th *thread
	for _, x := range s.threads {
		if x.node == f.name {
			th = x
		}
	}
	t0 := s.now
	s.dispatch(th, kafka.Request{F: history.FSend, Key: "k", Msg: 2}, false)
	proposal := []byte(`"t":` + itoa(int(zab.MsgProposal)))
	if !s.runUntil(t0+time.Second, func() bool {
		for _, e := range s.trace.Events() {
			if e.At > t0 && e.Kind == KindDeliver && e.From == lead.name && e.To == f.name && bytes.Contains(e.Line, proposal) {
				return true
			}
		}
		return false
	}) {
		t.Fatal("the send was never proposed")
	}
	lead.pause(6 * time.Second)
	s.runUntil(t0+8*time.Second, nil)
	if op := s.hist[len(s.hist)-1]; op.Type != history.Info {
		t.Fatalf("the send completed as %+v, want info at the client's timeout", op)
	}
	if s.failed != nil {
		t.Fatalf("the run failed: %v", s.failed)
	}
	ranAgain := false
	for _, e := range s.trace.Events() {
		ranAgain = ranAgain || e.At > t0+6*time.Second && e.Kind == KindDeliver && e.From == lead.name && e.To == f.name
	}
	if !ranAgain || lead.paused {
		t.Fatalf("the leader did not run again after the pause (paused %v, sent %v)", lead.paused, ranAgain)
	}
}
