package zab

import (
	"encoding/json"
	"fmt"
	"hash"
	"log/slog"
	"math/rand"
	"os"
	"testing"

	"zabkafka/election"
)

// testLogLevel, when ZAB_TEST_LOG is set (debug, info, warn), sends the
// cluster peers' logs to stderr.
var testLogLevel = func() *slog.Level {
	v := os.Getenv("ZAB_TEST_LOG")
	if v == "" {
		return nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		return nil
	}
	return &l
}()

// cluster is a minimal in-package driver: N peers, a perfect network
// (every message delivered, in order, unless its receiver is down), and
// each peer's Readies handled exactly as ready.go prescribes. The full
// randomized simulation is tests/sim's job.
type cluster struct {
	t       testing.TB
	ids     []PeerID
	peers   map[PeerID]*Peer
	stores  map[PeerID]*memStorage
	applied map[PeerID][]Txn // per peer incarnation: everything delivered, in order
	down    map[PeerID]bool
	queue   []Message
	rnd     *rand.Rand
	cfg     func(*Config)
	// drop, when set, decides whether a message is lost.
	drop func(Message) bool
	// trace, when set, receives every message sent, in order: two runs of
	// one seed must produce the same bytes.
	trace hash.Hash64
	// tailLimit, when set, bounds the peers' in-memory log tail so that
	// old entries are read from storage (and compaction bites).
	tailLimit int
	// checkReady, when set, checks that HasReady is exact and pure at
	// every call (checkHasReady).
	checkReady bool
	// onReady, when set, sees every Ready before it is handled.
	onReady func(id PeerID, rd Ready)
}

// newCluster starts n peers with ids 1..n over empty storage.
func newCluster(t testing.TB, n int, tweak func(*Config)) *cluster {
	c := &cluster{
		t: t, peers: map[PeerID]*Peer{}, stores: map[PeerID]*memStorage{},
		applied: map[PeerID][]Txn{}, down: map[PeerID]bool{},
		rnd: rand.New(rand.NewSource(1)), cfg: tweak,
	}
	for i := 1; i <= n; i++ {
		c.ids = append(c.ids, PeerID(i))
	}
	for _, id := range c.ids {
		c.stores[id] = &memStorage{}
		c.start(id)
	}
	return c
}

// start (re)creates peer id over its storage.
func (c *cluster) start(id PeerID) {
	cfg := Config{ID: id, Peers: c.ids, Storage: c.stores[id], Election: election.Config{Rand: c.rnd},
		InitLimit: 10, SyncLimit: 5, HeartbeatTicks: 1, ResendTicks: 2}
	if c.cfg != nil {
		c.cfg(&cfg)
	}
	if testLogLevel != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: *testLogLevel,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{} // logs are part of the trace: no wall time
				}
				return a
			}}))
	}
	p, err := NewPeer(cfg)
	if err != nil {
		c.t.Fatalf("NewPeer(%d): %v", id, err)
	}
	if c.tailLimit > 0 {
		p.log.maxTail = c.tailLimit
	}
	c.peers[id] = p
	c.down[id] = false
	c.applied[id] = nil
	if s, ok := c.stores[id].Snapshot(); ok {
		var txns []Txn
		if err := json.Unmarshal(s.Data, &txns); err != nil {
			c.t.Fatalf("restore snapshot: %v", err)
		}
		c.applied[id] = txns
	}
}

// crash stops peer id; its storage (all durable here) survives.
func (c *cluster) crash(id PeerID) { c.down[id] = true }

// process handles every pending Ready of every live peer.
func (c *cluster) process() bool {
	any := false
	for _, id := range c.ids {
		if c.down[id] {
			continue
		}
		p := c.peers[id]
		for c.hasReady(id, p) {
			any = true
			rd := p.Ready()
			if rd.IsEmpty() {
				c.t.Fatalf("peer %d: HasReady was true, the Ready is empty", id)
			}
			if c.onReady != nil {
				c.onReady(id, rd)
			}
			c.stores[id].persist(rd)
			c.queue = append(c.queue, rd.Messages...)
			if c.trace != nil {
				for _, m := range rd.Messages {
					v, snap := m.Vote, m.Snapshot
					m.Vote, m.Snapshot = nil, nil // pointers: print what they point to
					fmt.Fprintf(c.trace, "%+v %v %v\n", m, v, snap != nil)
				}
				fmt.Fprintf(c.trace, "%d committed %v\n", id, zxidsOf(rd.Committed))
			}
			if rd.Snapshot != nil {
				var txns []Txn
				if err := json.Unmarshal(rd.Snapshot.Data, &txns); err != nil {
					c.t.Fatalf("peer %d: bad snapshot: %v", id, err)
				}
				c.applied[id] = txns
			}
			for _, x := range rd.Committed {
				a := c.applied[id]
				if n := len(a); n > 0 && a[n-1].Zxid >= x.Zxid {
					c.t.Fatalf("peer %d delivered %v after %v", id, x.Zxid, a[n-1].Zxid)
				}
				c.applied[id] = append(a, x)
			}
			p.Advance(rd)
		}
	}
	return any
}

// deliver hands every queued message to its receiver until the network
// is quiet.
func (c *cluster) deliver() {
	for i := 0; i < 10000; i++ {
		c.process()
		if len(c.queue) == 0 {
			return
		}
		q := c.queue
		c.queue = nil
		for _, m := range q {
			if c.down[m.To] || c.down[m.From] || (c.drop != nil && c.drop(m)) {
				continue
			}
			if err := c.peers[m.To].Step(m); err != nil {
				c.t.Fatalf("peer %d Step(%v from %d): %v", m.To, m.Type, m.From, err)
			}
		}
	}
	c.t.Fatalf("network never quiet")
}

// tick advances every live peer by one tick and delivers.
func (c *cluster) tick() {
	for _, id := range c.ids {
		if !c.down[id] {
			c.peers[id].Tick()
		}
	}
	c.deliver()
}

// leader returns the established leader in broadcast, if every live peer
// agrees on it and is in broadcast too.
func (c *cluster) leader() (PeerID, bool) {
	var lead PeerID
	for _, id := range c.ids {
		if c.down[id] {
			continue
		}
		s := c.peers[id].Status()
		if s.Phase != PhaseBroadcast {
			return 0, false
		}
		if lead == 0 {
			lead = s.Leader
		} else if s.Leader != lead {
			return 0, false
		}
	}
	return lead, lead != 0 && !c.down[lead]
}

// waitLeader ticks until leader() holds.
func (c *cluster) waitLeader() PeerID {
	c.deliver()
	for i := 0; i < 500; i++ {
		if id, ok := c.leader(); ok {
			return id
		}
		c.tick()
	}
	c.t.Fatalf("no leader after 500 ticks: %s", c.describe())
	return 0
}

func (c *cluster) describe() string {
	s := ""
	for _, id := range c.ids {
		st := c.peers[id].Status()
		s += fmt.Sprintf("\n  %d down=%t %v %v leader=%d epochs=%+v last=%v committed=%v",
			id, c.down[id], st.Role, st.Phase, st.Leader, st.Epochs, st.LastZxid, st.Committed)
	}
	return s
}

// propose proposes data at id and fails on error.
func (c *cluster) propose(id PeerID, data string) Zxid {
	z, err := c.peers[id].Propose([]byte(data))
	if err != nil {
		c.t.Fatalf("Propose at %d: %v", id, err)
	}
	return z
}

// checkPrefix asserts every pair of delivery sequences is prefix-related
// (DSN 2011's total order and agreement, docs/companion.md#safety-properties)
// and strictly increasing.
func (c *cluster) checkPrefix() {
	for _, a := range c.ids {
		for _, b := range c.ids {
			sa, sb := c.applied[a], c.applied[b]
			n := min(len(sa), len(sb))
			for i := 0; i < n; i++ {
				if sa[i].Zxid != sb[i].Zxid || string(sa[i].Data) != string(sb[i].Data) {
					c.t.Fatalf("deliveries of %d and %d differ at %d: %v %q vs %v %q",
						a, b, i, sa[i].Zxid, sa[i].Data, sb[i].Zxid, sb[i].Data)
				}
			}
		}
	}
}

// zxidsOf lists the zxids of txns.
func zxidsOf(txns []Txn) []Zxid {
	out := make([]Zxid, len(txns))
	for i, t := range txns {
		out[i] = t.Zxid
	}
	return out
}

func TestClusterFirstElectionPicksHighestID(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.waitLeader()
	if lead != 3 {
		t.Fatalf("leader = %d, want 3 (equal histories: highest id wins)", lead)
	}
	for _, id := range c.ids {
		if e := c.peers[id].Status().Epochs; e != (Epochs{Accepted: 1, Current: 1}) {
			t.Errorf("peer %d epochs %+v, want 1/1", id, e)
		}
		if e := c.stores[id].epochs; e != (Epochs{Accepted: 1, Current: 1}) {
			t.Errorf("peer %d durable epochs %+v, want 1/1", id, e)
		}
	}
	if z := c.propose(lead, "a"); z != MakeZxid(1, 1) {
		t.Fatalf("first zxid %v, want e1:c1", z)
	}
}

func TestClusterProposalsCommitOnAll(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.waitLeader()
	var want []Zxid
	for i := 0; i < 20; i++ {
		want = append(want, c.propose(lead, fmt.Sprintf("v%d", i)))
		if i%3 == 0 {
			c.deliver()
		}
	}
	c.deliver()
	c.tick() // a heartbeat carries the last commit point to followers
	for _, id := range c.ids {
		got := zxidsOf(c.applied[id])
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("peer %d delivered %v, want %v", id, got, want)
		}
	}
	c.checkPrefix()
}

func TestClusterLeaderCrashNewEpochKeepsCommitted(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.waitLeader()
	for i := 0; i < 5; i++ {
		c.propose(lead, fmt.Sprintf("a%d", i))
	}
	c.deliver()
	c.tick()
	committed := zxidsOf(c.applied[lead])
	if len(committed) != 5 {
		t.Fatalf("leader delivered %d, want 5", len(committed))
	}
	c.crash(lead)
	next := c.waitLeader()
	if next == lead {
		t.Fatalf("crashed peer %d still leader", lead)
	}
	if e := c.peers[next].Status().Epochs.Current; e != 2 {
		t.Fatalf("new leader epoch %d, want 2", e)
	}
	z := c.propose(next, "b0")
	if z != MakeZxid(2, 1) {
		t.Fatalf("first zxid of the new epoch %v, want e2:c1", z)
	}
	c.deliver()
	c.tick()
	for _, id := range c.ids {
		if c.down[id] {
			continue
		}
		got := zxidsOf(c.applied[id])
		want := append(append([]Zxid(nil), committed...), z)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("peer %d delivered %v, want %v", id, got, want)
		}
	}
	c.checkPrefix()
}

// A crashed peer that restarts over its storage joins the running ensemble
// as a follower (through the FOLLOWING/LEADING answers to its votes,
// ZooKeeper's FastLeaderElection.lookForLeader;
// docs/companion.md#phase-0-leader-election-medeiros-2012-zookeepers-fastleaderelection)
// and catches up; nothing is delivered twice.
func TestClusterRestartedPeerRejoins(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.waitLeader()
	for i := 0; i < 5; i++ {
		c.propose(lead, fmt.Sprintf("a%d", i))
	}
	c.deliver()
	c.crash(lead)
	next := c.waitLeader()
	c.propose(next, "b0")
	c.deliver()
	c.start(lead)
	c.waitLeader()
	c.tick()
	if got, want := zxidsOf(c.applied[lead]), zxidsOf(c.applied[next]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("restarted peer delivered %v, want %v", got, want)
	}
	c.checkPrefix()
}

// A follower that was down while the leader compacted its log is brought
// back by SNAP: state and log replaced, then it continues
// (TestLaggingFollowerBeyondRetainedLogGetsSnap is the same in the
// simulation).
func TestClusterLaggingFollowerGetsSnapshot(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.waitLeader()
	c.propose(lead, "a")
	c.deliver()
	c.crash(1)
	c.peers[lead].log.maxTail = 1 // serve old entries from storage only
	for i := 0; i < 10; i++ {
		c.propose(lead, fmt.Sprintf("b%d", i))
		c.deliver()
	}
	a := c.applied[lead]
	c.stores[lead].compact(a, a[len(a)-1].Zxid)
	c.start(1)
	c.waitLeader()
	c.propose(lead, "c")
	c.deliver()
	c.tick()
	if got, want := zxidsOf(c.applied[1]), zxidsOf(c.applied[lead]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("follower applied %v, want %v", got, want)
	}
	if s := c.stores[1].snap; s == nil || s.Zxid != a[len(a)-1].Zxid {
		t.Fatalf("follower snapshot %v, want one at %v", s, a[len(a)-1].Zxid)
	}
	c.checkPrefix()
}

// A follower that misses proposals while the leader compacts them is
// resynchronised in a new session (docs/rules.md#the-zxids-sequence-the-stream)
// without an election.
func TestClusterResyncBelowRetainedLog(t *testing.T) {
	c := newCluster(t, 3, nil)
	lead := c.waitLeader()
	epoch := c.peers[lead].Status().Epochs.Current
	c.drop = func(m Message) bool { return m.To == 1 && m.Type == MsgProposal }
	c.peers[lead].log.maxTail = 1 // serve old entries from storage only
	for i := 0; i < 5; i++ {
		c.propose(lead, fmt.Sprintf("a%d", i))
		c.deliver()
	}
	a := c.applied[lead]
	c.stores[lead].compact(a, a[len(a)-1].Zxid)
	c.drop = nil
	var leaderInfos int
	c.drop = func(m Message) bool {
		if m.Type == MsgLeaderInfo {
			leaderInfos++
		}
		return false
	}
	for i := 0; i < 4; i++ {
		c.tick()
	}
	if got, want := zxidsOf(c.applied[1]), zxidsOf(a); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("follower applied %v, want %v", got, want)
	}
	if leaderInfos == 0 {
		t.Fatal("no new sync session was started")
	}
	if e := c.peers[lead].Status().Epochs.Current; e != epoch {
		t.Fatalf("epoch moved %d -> %d: resync must not need an election", epoch, e)
	}
}

// hasReady is p.HasReady, checked when checkReady is set: asking twice
// gives the same answer, and when the answer is no, a flush (what
// HasReady did before it became a pure query) finds nothing to send. The
// extra flush changes nothing else a later flush would not do at the same
// tick, so the run stays what it would have been.
func (c *cluster) hasReady(id PeerID, p *Peer) bool {
	has := p.HasReady()
	if !c.checkReady {
		return has
	}
	if again := p.HasReady(); again != has {
		c.t.Fatalf("peer %d: HasReady said %v, then %v", id, has, again)
	}
	if !has {
		p.flush()
		if !p.draft.empty() {
			c.t.Fatalf("peer %d: HasReady said no, yet a flush sends %s", id, describeMsgs(p.draft.msgs))
		}
	}
	return has
}
