package election

import (
	"math/rand/v2"
	"sort"
	"testing"

	"zabkafka/election/quorum"
)

// sim is a tiny deterministic network of Electors for tests. Every choice
// (delivery order, loss, delay) comes from one seeded generator, so a run
// replays exactly from its seed. It also plays the part of the zab core
// around each Elector: it calls Settle when a peer decides and, when
// discovery is emulated, sends a peer back to LOOKING when the leader it
// chose never establishes itself.
type sim struct {
	t    testing.TB
	seed uint64
	rng  *rand.Rand

	ids   []quorum.PeerID
	peers map[quorum.PeerID]*simPeer
	// pending are sent but not yet delivered notifications.
	pending []Notification

	// loss is the probability that a sent notification is dropped.
	loss float64
	// delay is the probability that a pending notification is held back
	// for another tick by deliverSome.
	delay float64
	// initLimit > 0 turns on the discovery emulation (see emulateDiscovery).
	initLimit int

	now       int
	delivered int
	// sent is every notification each peer ever sent, for property checks.
	sent map[quorum.PeerID][]Notification
	// decisions logs every decision in order, for property checks.
	decisions []simDecision
}

// simPeer is one peer of the simulation.
type simPeer struct {
	id      quorum.PeerID
	e       *Elector
	initial Vote
	down    bool
	// settledAt is the tick at which the peer last decided.
	settledAt int
	// seen is set once the sim has checked and settled the current decision.
	seen bool
}

// simDecision records who decided what, and when.
type simDecision struct {
	peer quorum.PeerID
	at   int
	d    Decision
}

// intn adapts math/rand/v2 to the Intn interface of Config.Rand.
type intn struct{ r *rand.Rand }

// Intn returns a number in [0, n).
func (i intn) Intn(n int) int { return i.r.IntN(n) }

// simConfig is the election configuration every sim peer uses.
func simConfig(id quorum.PeerID, voters []quorum.PeerID, rng *rand.Rand) Config {
	return Config{ID: id, Voters: voters, FinalizeTicks: 2, MinResendTicks: 2, MaxResendTicks: 16, Rand: intn{rng}}
}

// newSim builds a network of peers with the given initial votes. Peers are
// created idle; call start to make them look for a leader.
func newSim(t testing.TB, seed uint64, initial map[quorum.PeerID]Vote) *sim {
	s := &sim{
		t:     t,
		seed:  seed,
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		peers: map[quorum.PeerID]*simPeer{},
		sent:  map[quorum.PeerID][]Notification{},
	}
	for id := range initial {
		s.ids = append(s.ids, id)
	}
	sort.Slice(s.ids, func(i, j int) bool { return s.ids[i] < s.ids[j] })
	for _, id := range s.ids {
		s.peers[id] = &simPeer{id: id, initial: initial[id], e: New(simConfig(id, s.ids, s.rng))}
	}
	return s
}

// fatalf fails the test, naming the seed so that the run can be replayed.
func (s *sim) fatalf(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("seed %d, tick %d: "+format, append([]any{s.seed, s.now}, args...)...)
}

// start makes peer id enter a new election with its initial vote.
func (s *sim) start(id quorum.PeerID) {
	p := s.peers[id]
	p.seen = false
	s.send(id, p.e.Start(p.initial))
	s.observe(p)
}

// startAll starts every peer, in a seeded random order.
func (s *sim) startAll() {
	for _, i := range s.rng.Perm(len(s.ids)) {
		s.start(s.ids[i])
	}
}

// send queues out (sent by from), dropping each with probability loss and
// everything to or from a peer that is down. It also checks the FLE
// invariant on every LOOKING notification: a peer never advertises a vote
// worse than its own initial vote.
func (s *sim) send(from quorum.PeerID, out []Notification) {
	s.t.Helper()
	for _, n := range out {
		if n.From != from {
			s.fatalf("peer %d sent a notification from %d: %v", from, n.From, n)
		}
		s.sent[from] = append(s.sent[from], n)
		if n.State == Looking && s.peers[from].initial.Beats(n.Vote) {
			s.fatalf("peer %d advertises %v, worse than its initial vote %v", from, n.Vote, s.peers[from].initial)
		}
		if s.peers[from].down || s.rng.Float64() < s.loss {
			continue
		}
		s.pending = append(s.pending, n)
	}
}

// deliver hands pending[i] to its receiver.
func (s *sim) deliver(i int) {
	s.t.Helper()
	n := s.pending[i]
	s.pending = append(s.pending[:i], s.pending[i+1:]...)
	p, ok := s.peers[n.To]
	if !ok || p.down {
		return
	}
	s.delivered++
	s.send(p.id, p.e.Step(n))
	s.observe(p)
}

// drain delivers pending notifications in random order until none is left.
func (s *sim) drain() {
	s.t.Helper()
	for steps := 0; len(s.pending) > 0; steps++ {
		if steps > 100000 {
			s.fatalf("notifications never stop: %d pending", len(s.pending))
		}
		s.deliver(s.rng.IntN(len(s.pending)))
	}
}

// deliverSome delivers each pending notification with probability
// 1-delay, in random order; the others wait for a later tick.
func (s *sim) deliverSome() {
	s.t.Helper()
	var now, later []Notification
	for _, n := range s.pending {
		if s.rng.Float64() < s.delay {
			later = append(later, n)
		} else {
			now = append(now, n)
		}
	}
	s.rng.Shuffle(len(now), func(i, j int) { now[i], now[j] = now[j], now[i] })
	s.pending = now
	for len(s.pending) > 0 {
		s.deliver(0)
	}
	s.pending = append(s.pending, later...)
}

// tick advances every live peer by one tick.
func (s *sim) tick() {
	s.t.Helper()
	s.now++
	for _, id := range s.ids {
		p := s.peers[id]
		if p.down {
			continue
		}
		s.send(id, p.e.Tick())
		s.observe(p)
	}
	if s.initLimit > 0 {
		s.emulateDiscovery()
	}
}

// observe checks a new decision of p and settles p on it, as the zab core
// does when the elector decides.
func (s *sim) observe(p *simPeer) {
	s.t.Helper()
	d, ok := p.e.Decided()
	if !ok || p.seen {
		return
	}
	if p.e.Looking() {
		s.fatalf("peer %d decided %+v but still says it is looking", p.id, d)
	}
	p.seen = true
	p.settledAt = s.now
	s.checkDecision(p, d)
	s.decisions = append(s.decisions, simDecision{peer: p.id, at: s.now, d: d})
	state := Following
	if d.Leader == p.id {
		state = Leading
	}
	p.e.Settle(state, d.Vote)
}

// checkDecision asserts what FLE promises about a decision: it rests on a
// quorum, every member of that quorum really sent a vote for this leader
// (or is the decider itself), and when the decider counted its own vote
// the winner is at least as good as its initial vote. Together with the
// check in send this gives the property of the package doc: no member of
// the electing quorum that took part as a LOOKING peer had a better
// initial vote than the winner.
func (s *sim) checkDecision(p *simPeer, d Decision) {
	s.t.Helper()
	if d.Leader != d.Vote.Leader {
		s.fatalf("peer %d: decision leader %d differs from its vote %v", p.id, d.Leader, d.Vote)
	}
	if 2*len(d.Support) <= len(s.ids) {
		s.fatalf("peer %d decided %v on %v, not a quorum of %d", p.id, d.Vote, d.Support, len(s.ids))
	}
	want := []ballot{{vote: d.Vote, round: d.Round, state: Looking}, {vote: d.Vote, round: d.Round, state: Following}}
	for _, id := range d.Support {
		if id == p.id {
			if p.initial.Beats(d.Vote) {
				s.fatalf("peer %d counted itself for %v although its initial vote %v is better", p.id, d.Vote, p.initial)
			}
			continue
		}
		if !s.sentMatching(id, p.id, want) {
			s.fatalf("peer %d counts %d for %v, but %d never sent it such a vote", p.id, id, d.Vote, id)
		}
	}
}

// sentMatching reports whether from ever sent to a ballot matching one of
// want.
func (s *sim) sentMatching(from, to quorum.PeerID, want []ballot) bool {
	for _, n := range s.sent[from] {
		if n.To != to {
			continue
		}
		b := ballot{vote: n.Vote, round: n.Round, state: n.State}
		for _, w := range want {
			if b.matches(w) {
				return true
			}
		}
	}
	return false
}

// emulateDiscovery stands in for Zab's discovery phase, which is what
// corrects a bad election: a follower whose leader is not leading, and a
// leader without a quorum of followers, give up after initLimit ticks and
// look again, in a new round, as ZooKeeper peers do when
// Learner.connectToLeader or Leader.getEpochToPropose time out.
func (s *sim) emulateDiscovery() {
	for _, id := range s.ids {
		p := s.peers[id]
		if p.down || p.e.Looking() || !p.seen || s.now-p.settledAt <= s.initLimit {
			continue
		}
		leader := p.e.Vote().Leader
		ok := s.leads(leader)
		if leader == id {
			ok = 2*s.followers(id) > len(s.ids)
		}
		if !ok {
			s.start(id)
		}
	}
}

// leads reports whether id is up and has settled as leader.
func (s *sim) leads(id quorum.PeerID) bool {
	p, ok := s.peers[id]
	return ok && !p.down && p.seen && !p.e.Looking() && p.e.Vote().Leader == id
}

// followers counts the live settled peers, the leader included, whose
// vote names leader.
func (s *sim) followers(leader quorum.PeerID) int {
	n := 0
	for _, id := range s.ids {
		p := s.peers[id]
		if !p.down && p.seen && !p.e.Looking() && p.e.Vote().Leader == leader {
			n++
		}
	}
	return n
}

// converged returns the leader that every live peer has settled on, if
// there is one and it leads.
func (s *sim) converged() (quorum.PeerID, bool) {
	var leader quorum.PeerID
	first := true
	for _, id := range s.ids {
		p := s.peers[id]
		if p.down {
			continue
		}
		if !p.seen || p.e.Looking() {
			return 0, false
		}
		if first {
			leader, first = p.e.Vote().Leader, false
		} else if p.e.Vote().Leader != leader {
			return 0, false
		}
	}
	return leader, !first && s.leads(leader)
}

// best returns the best initial vote among the live peers.
func (s *sim) best() Vote {
	var best Vote
	first := true
	for _, id := range s.ids {
		p := s.peers[id]
		if !p.down && (first || p.initial.Beats(best)) {
			best, first = p.initial, false
		}
	}
	return best
}

// runReliable starts the live peers and alternates "deliver everything"
// with ticks until every live peer has decided; delivery is fast compared
// with a tick, as on a healthy network.
func (s *sim) runReliable(maxTicks int) {
	s.t.Helper()
	for s.now < maxTicks {
		s.drain()
		if s.allDecided() {
			return
		}
		s.tick()
	}
	s.fatalf("no decision after %d ticks", maxTicks)
}

// allDecided reports whether every live peer has decided.
func (s *sim) allDecided() bool {
	for _, p := range s.peers {
		if !p.down && !p.seen {
			return false
		}
	}
	return true
}

// randomVotes returns initial votes for ids drawn from a small space, so
// that ties on epoch and zxid are common and the id tie-break matters.
func randomVotes(rng *rand.Rand, ids []quorum.PeerID) map[quorum.PeerID]Vote {
	votes := map[quorum.PeerID]Vote{}
	for _, id := range ids {
		e := uint32(rng.IntN(3))
		votes[id] = Vote{Leader: id, Epoch: e, Zxid: uint64(e)<<32 | uint64(rng.IntN(3))}
	}
	return votes
}

// peerIDs returns 1..n.
func peerIDs(n int) []quorum.PeerID {
	ids := make([]quorum.PeerID, n)
	for i := range ids {
		ids[i] = quorum.PeerID(i + 1)
	}
	return ids
}
