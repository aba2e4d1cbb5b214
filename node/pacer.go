package node

import "time"

// pacer is the one rule for when this node's work leaves it: when the
// queued client operations are dispatched (proposed by the leader,
// forwarded by a follower) and when the coalesced node-to-node messages
// are flushed. Process asks it whether each is due now; NextWake asks it
// when the next one will be. Both read the same two methods, dispatchAt
// and flushAt, so the loop can neither miss a deadline nor spin on one.
//
// # Self-clocking
//
// A dispatch that goes out starts a round: on the leader, a proposal
// until it commits; on a follower, a forward until its operations are
// applied here. While no round is in flight, operations leave at once:
// at low load a write costs only the hops it needs. While one is in
// flight, new operations wait for it to end, so the next batch holds
// everything that arrived during one round trip: batches grow with load
// on their own, and so does the number of operations each message
// carries. This is the group commit of ZooKeeper's
// SyncRequestProcessor, and Nagle's algorithm (RFC 896), applied to the
// rounds of the broadcast.
//
// A follower's wait ends early when an ACK of its own leaves in the
// same Process (the leader spoke to it): the forward rides along in that
// message for free.
//
// # Latency or load
//
// Waiting for a round is worth it when the round trip is short: it saves
// messages and costs little. When the round trip is long because the
// network is slow, waiting would cost most of a round trip for nothing,
// and rounds are better pipelined: then operations leave at once, round
// in flight or not. The pacer tells the two apart by the shortest round
// trip it saw within the last minRTTWindow: load and queueing make round
// trips longer, but not all of them, while network latency makes every
// one long (the minimum-RTT filter of BBR congestion control, Cardwell
// et al., ACM Queue 14(5), 2016). Rounds whose shortest round trip
// exceeds roundWait are pipelined; shorter ones are waited for, at most
// roundWait after the last dispatch.
//
// # The hold
//
// A follower that has just answered clients holds what it sends (its
// ACK, usually) until each of those clients has sent its next write, or
// for AckHold at most: a client sends its next operation as soon as it
// has its answer, and then that operation rides to the leader with the
// ACK instead of in a message of its own. It also reaches the leader
// before the round the ACK completes, and so joins the next round
// instead of the one after. The hold is for short round trips only:
// when rounds are pipelined a forward goes out at once anyway.
//
// The hold is also only for clients that come back in time. A client
// that paces itself (a light load: Maelstrom's generator hands out
// operations at a fixed rate) is not back within AckHold, and a hold
// that waits for it only delays the commit, as a timer window would.
// So the pacer keeps the outcome of the last returnSamples answers
// (back within AckHold or not, whether a hold was waiting or not), and
// holds only while at least half were back in time.
//
// # The window
//
// An optional delay trades latency for fewer messages: the window
// (Config.BatchInterval) lets at most one flush and one dispatch happen
// per interval. It is off by default: self-clocking batches without it.
//
// # Back-off
//
// A leader whose proposal the core refused (its uncommitted bound) tries
// again retry later, not in a busy loop.
type pacer struct {
	window    time.Duration // Config.BatchInterval
	hold      time.Duration // Config.AckHold, cut to the window
	roundWait time.Duration // Config.RoundWait
	retry     time.Duration // after a refused proposal: one tick
	alone     bool          // a cluster of one: no messages, nothing to pace

	lastFlush time.Time // when the window last started: the last flush
	holdUntil time.Time // no flush or dispatch before this
	held      bool      // a hold was used since the last flush
	// awaited are the clients the hold waits for: answered, and not yet
	// back with their next write.
	awaited map[string]bool
	// answeredAt is when each client answered and not yet back was
	// answered; returns holds whether the last answered clients came
	// back within the hold (holdPays).
	answeredAt map[string]time.Time
	returns    returnRing
	backoff    time.Time // no dispatch before this

	// inflight lists the rounds in flight, oldest first, each with the
	// mark its dispatcher gave it (the leader: the last zxid proposed; a
	// follower: the Seq of the last operation forwarded).
	inflight []round
	// riding: an ACK leaves in this Process, and a forward rides along.
	riding bool
	// minRTT is the shortest round trip seen since minRTTAt, at most
	// minRTTWindow ago; 0 before the first.
	minRTT   time.Duration
	minRTTAt time.Time
}

// round is one dispatch in flight.
type round struct {
	mark uint64
	at   time.Time
}

// minRTTWindow is how long the shortest round trip counts: long enough
// to hold many rounds, short enough to follow a network that changes.
const minRTTWindow = time.Second

// newPacer returns the pacer for cfg, in a cluster of n nodes.
func newPacer(cfg Config, n int) pacer {
	hold := cfg.AckHold
	if cfg.BatchInterval > 0 && cfg.BatchInterval < hold {
		// A hold longer than the window would stall the stream instead
		// of shaping it.
		hold = cfg.BatchInterval
	}
	return pacer{window: cfg.BatchInterval, hold: hold, roundWait: cfg.RoundWait, retry: cfg.Tick, alone: n == 1}
}

// dispatchAt is when queued operations may next be dispatched: after the
// window, the hold and the back-off, and, unless rounds are pipelined or
// a forward rides on an ACK, once no round is in flight or roundWait
// after the last dispatch. A cluster of one proposes at once (after a
// back-off): its proposals commit within the Process that makes them.
func (p *pacer) dispatchAt() time.Time {
	if p.alone {
		return p.backoff
	}
	at := latest(p.lastFlush.Add(p.window), p.holdUntil, p.backoff)
	if n := len(p.inflight); n > 0 && !p.riding && !p.pipelining() {
		at = latest(at, p.inflight[n-1].at.Add(p.roundWait))
	}
	return at
}

// pipelining reports whether round trips are long enough, even the
// shortest lately, that rounds go out without waiting for each other.
func (p *pacer) pipelining() bool { return p.minRTT > p.roundWait }

// flushAt is when the outbox may next be sent: after the window and the
// hold.
func (p *pacer) flushAt() time.Time {
	if p.alone {
		return time.Time{}
	}
	return latest(p.lastFlush.Add(p.window), p.holdUntil)
}

// dispatchDue and flushDue say whether the rule allows it at now.
func (p *pacer) dispatchDue(now time.Time) bool { return !now.Before(p.dispatchAt()) }
func (p *pacer) flushDue(now time.Time) bool    { return !now.Before(p.flushAt()) }

// waiting is what the node has waiting, as NextWake sees it.
type waiting struct {
	queued   bool      // client operations are queued
	routable bool      // and they have somewhere to go (dispatchTarget)
	outbox   bool      // messages wait to be flushed
	expireAt time.Time // when the oldest queued operation has waited HoldTimeout
}

// next is when Process next has something to do that no input or tick
// brings: the dispatch of routable operations, the flush of waiting
// messages, or the expiry of the oldest queued operation (Process
// refuses those that waited HoldTimeout, whatever kept them). ok is
// false when nothing waits.
func (p *pacer) next(w waiting) (at time.Time, ok bool) {
	consider := func(t time.Time) {
		if !ok || t.Before(at) {
			at, ok = t, true
		}
	}
	if w.queued {
		consider(w.expireAt)
		if w.routable {
			consider(p.dispatchAt())
		}
	}
	if w.outbox {
		consider(p.flushAt())
	}
	return at, ok
}

// dispatched records a dispatch at now: a round in flight named mark.
// The window starts again at the flush that sends it (in the same
// Process: a dispatch is due only when a flush is).
func (p *pacer) dispatched(now time.Time, mark uint64) {
	p.inflight = append(p.inflight, round{mark: mark, at: now})
}

// flushed records a flush at now: the window starts again, and a new
// hold may follow.
func (p *pacer) flushed(now time.Time) {
	p.lastFlush = now
	p.held = false
}

// processed ends a Process: a ride on its ACK is over.
func (p *pacer) processed() { p.riding = false }

// committed ends, at now, the rounds whose marks are at most upTo (the
// leader: its proposals up to the commit point; a follower: its
// forwards up to the last of its operations applied), and takes their
// round trips.
func (p *pacer) committed(upTo uint64, now time.Time) {
	n := 0
	for n < len(p.inflight) && p.inflight[n].mark <= upTo {
		p.sample(now.Sub(p.inflight[n].at), now)
		n++
	}
	p.inflight = p.inflight[n:]
}

// sample takes one round trip into the shortest.
func (p *pacer) sample(rtt time.Duration, now time.Time) {
	if p.minRTT == 0 || rtt <= p.minRTT || now.Sub(p.minRTTAt) > minRTTWindow {
		p.minRTT, p.minRTTAt = max(rtt, 1), now
	}
}

// leaderSpoke says a follower answers its leader in this Process: a
// forward now rides on that ACK.
func (p *pacer) leaderSpoke() { p.riding = true }

// returnSamples is how many answers holdPays looks back on: a few
// rounds' worth of a busy follower's clients, so that it follows a load
// that changes within a second or so.
const returnSamples = 32

// returnRing is the outcome of the last returnSamples answers: was the
// client back with its next write within the hold?
type returnRing struct {
	back [returnSamples]bool
	n    int // outcomes recorded, at most returnSamples
	next int // where the next goes
	hits int // how many of the last n were back in time
}

func (r *returnRing) add(back bool) {
	if r.n == returnSamples {
		if r.back[r.next] {
			r.hits--
		}
	} else {
		r.n++
	}
	r.back[r.next] = back
	if back {
		r.hits++
	}
	r.next = (r.next + 1) % returnSamples
}

// answeredClients notes that this follower answered clients' writes at
// now, and counts as late every earlier answer whose client has not come
// back within the hold.
func (p *pacer) answeredClients(now time.Time, clients []string) {
	if p.hold <= 0 {
		return
	}
	for c, at := range p.answeredAt {
		if now.Sub(at) > p.hold {
			p.returns.add(false)
			delete(p.answeredAt, c)
		}
	}
	if len(clients) == 0 {
		return
	}
	if p.answeredAt == nil {
		p.answeredAt = make(map[string]time.Time)
	}
	for _, c := range clients {
		p.answeredAt[c] = now
	}
}

// holdPays reports whether a hold is likely to end with the clients
// back rather than at AckHold: at least half the recent answers were
// followed by the client's next write within the hold. Until there are
// a few outcomes to go by, it assumes so.
func (p *pacer) holdPays() bool {
	const enough = 8
	return p.returns.n < enough || 2*p.returns.hits >= p.returns.n
}

// startHold starts a follower's hold at now, after it answered clients:
// it lasts until each of them is back with its next write (clientBack),
// AckHold at most; meanwhile their operations queue up, and then leave
// with the ACK (a message per destination per flush, outbox.go). At most
// one hold per flush, so a steady stream of answers cannot keep the ACK
// from leaving; none while rounds are pipelined, or while clients are
// seldom back in time (holdPays). It reports whether a hold started.
func (p *pacer) startHold(now time.Time, clients []string) bool {
	p.answeredClients(now, clients)
	if p.held || p.hold <= 0 || p.alone || p.pipelining() || len(clients) == 0 || !p.holdPays() {
		return false
	}
	p.held = true
	p.holdUntil = now.Add(p.hold)
	clear(p.awaited)
	if p.awaited == nil {
		p.awaited = make(map[string]bool, len(clients))
	}
	for _, c := range clients {
		p.awaited[c] = true
	}
	return true
}

// clientBack notes a write from client at now: once every client the
// hold waits for is back, the hold ends.
func (p *pacer) clientBack(client string, now time.Time) {
	if at, ok := p.answeredAt[client]; ok {
		p.returns.add(now.Sub(at) <= p.hold)
		delete(p.answeredAt, client)
	}
	if len(p.awaited) == 0 || !p.awaited[client] {
		return
	}
	delete(p.awaited, client)
	if len(p.awaited) == 0 {
		p.holdUntil = time.Time{}
	}
}

// refused backs off dispatching after the core refused a proposal.
func (p *pacer) refused(now time.Time) { p.backoff = now.Add(p.retry) }

// roleChanged forgets the rounds in flight and the round trips: a new
// role answers none of them (a deposed leader's proposals may never
// commit, a follower's new leader never saw its forwards), and its round
// trips are other ones.
func (p *pacer) roleChanged() {
	p.inflight = p.inflight[:0]
	p.minRTT, p.minRTTAt = 0, time.Time{}
}

// latest returns the latest of ts.
func latest(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}
