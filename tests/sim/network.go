package sim

import (
	"cmp"
	"math/rand"
	"slices"

	"zabkafka/zab"
)

// NetConfig is the network's behaviour while it is not partitioned.
// Delays are in time units (Config.TickEvery units make a tick).
type NetConfig struct {
	// MinDelay and MaxDelay bound a message's delay; each message draws
	// one uniformly, so messages overtake each other (reordering).
	MinDelay, MaxDelay int64
	// Loss is the probability a message is dropped.
	Loss float64
	// Dup is the probability a message is delivered twice, each copy with
	// its own delay.
	Dup float64

	// Replay is how many copies of past messages the network keeps per
	// link and message type, for late re-delivery (0: none). Real
	// networks deliver arbitrarily late: a message can sit in a router
	// queue or a retransmission buffer, or a stale connection can flush,
	// long after its sender or receiver restarted, in a later session or
	// a later epoch; a peer must judge every message by its content, not
	// by when it arrives. A short delay never shows whether it does: the
	// replay pool keeps old copies around so that World.ReleaseLate and
	// World.FlushLate can deliver them much later, any number of times.
	// Keeping copies per link and type (rather than the last N messages)
	// keeps rare messages such as LEADERINFO and NEWLEADER in the pool
	// beside the stream of PROPOSALs and PINGs. When a (link, type) slot
	// is full, a new copy replaces a random old one, so the pool holds
	// mostly recent copies and some much older ones.
	Replay int
	// Late is the probability that a message is not delivered on time at
	// all: it only goes to the replay pool, and arrives if and when a
	// release picks it (needs Replay > 0).
	Late float64
}

// Verdict is what a scenario's Filter decides for one message.
type Verdict uint8

// The verdicts.
const (
	// Pass lets the network treat the message as usual.
	Pass Verdict = iota
	// Drop loses the message.
	Drop
	// Hold parks the message until Release.
	Hold
	// Duplicate delivers the message twice.
	Duplicate
)

// Filter lets a scenario decide the fate of each message as it is sent.
// It must not modify the message.
type Filter func(m *zab.Message) Verdict

// link is a directed pair of peers.
type link struct{ from, to zab.PeerID }

// NetStats counts what the network did. Late counts messages that went
// only to the replay pool; Replayed counts pooled copies released for
// delivery.
type NetStats struct {
	Sent, Delivered, Dropped, Duplicated, Held, Late, Replayed int
}

// poolKey is one replay-pool slot: a directed link and a message type.
type poolKey struct {
	from, to zab.PeerID
	typ      zab.MsgType
}

// pooled is one copy in the replay pool.
type pooled struct {
	seq    uint64 // send order
	sentAt int64
	msg    zab.Message
}

// Network is the simulated message layer between peers: per-message
// delay, loss and duplication drawn from the World's seeded source,
// directed link blocks (partitions, one-way failures), holds (messages
// parked, not lost, and released later), a scenario Filter, and the
// replay pool of old copies that late delivery draws from.
type Network struct {
	cfg     NetConfig
	rng     *rand.Rand
	blocked map[link]bool
	holding map[link]bool
	held    []zab.Message
	// Filter, if set, is asked about every message before the network's
	// own loss and duplication.
	Filter Filter
	Stats  NetStats

	// The replay pool. lateRng is a stream of its own, so that turning
	// late delivery on or off leaves every other draw of a seed as it
	// was. keys lists the slots in creation order: picks never range over
	// a map, whose order Go randomises.
	lateRng *rand.Rand
	pool    map[poolKey][]pooled
	keys    []poolKey
	sendSeq uint64
}

func newNetwork(cfg NetConfig, rng, lateRng *rand.Rand) *Network {
	if cfg.MaxDelay < cfg.MinDelay {
		cfg.MaxDelay = cfg.MinDelay
	}
	return &Network{cfg: cfg, rng: rng, lateRng: lateRng, blocked: map[link]bool{}, holding: map[link]bool{}, pool: map[poolKey][]pooled{}}
}

// Config returns the current network behaviour.
func (n *Network) Config() NetConfig { return n.cfg }

// SetConfig changes the network behaviour for messages sent from now on.
func (n *Network) SetConfig(cfg NetConfig) {
	if cfg.MaxDelay < cfg.MinDelay {
		cfg.MaxDelay = cfg.MinDelay
	}
	n.cfg = cfg
}

// Block drops every message from one peer to another, including those
// already in flight when they arrive.
func (n *Network) Block(from, to zab.PeerID) { n.blocked[link{from, to}] = true }

// Unblock reopens the link from one peer to another.
func (n *Network) Unblock(from, to zab.PeerID) { delete(n.blocked, link{from, to}) }

// Blocked reports whether the link from one peer to another is blocked.
func (n *Network) Blocked(from, to zab.PeerID) bool { return n.blocked[link{from, to}] }

// Partition blocks every link between peers of different groups, in both
// directions. Links inside a group are left as they were.
func (n *Network) Partition(groups ...[]zab.PeerID) {
	for i, g := range groups {
		for j, h := range groups {
			if i == j {
				continue
			}
			for _, a := range g {
				for _, b := range h {
					n.Block(a, b)
				}
			}
		}
	}
}

// Heal unblocks every link. Held messages stay held until Release.
func (n *Network) Heal() { clear(n.blocked) }

// HoldLink parks every message from one peer to another, from now on,
// instead of delivering it.
func (n *Network) HoldLink(from, to zab.PeerID) { n.holding[link{from, to}] = true }

// HeldCount is how many messages are parked.
func (n *Network) HeldCount() int { return len(n.held) }

// releaseHeld stops holding every link and returns the parked messages in
// the order they were sent.
func (n *Network) releaseHeld() []zab.Message {
	clear(n.holding)
	out := n.held
	n.held = nil
	return out
}

// route decides what happens to a message being sent at time now: the
// delays of the copies to deliver (none if it is lost, held or late).
// Unless a scenario's Filter dropped or held it, a copy also goes to the
// replay pool, even when the link is blocked or the message is lost: it
// may still arrive, much later.
func (n *Network) route(m *zab.Message, now int64) (delays []int64, why string) {
	n.Stats.Sent++
	v := Pass
	if n.Filter != nil {
		v = n.Filter(m)
	}
	switch {
	case v == Drop:
		n.Stats.Dropped++
		return nil, "filter"
	case v == Hold || n.holding[link{m.From, m.To}]:
		n.Stats.Held++
		n.held = append(n.held, cloneMessage(*m))
		return nil, "held"
	}
	late := false
	if n.cfg.Replay > 0 {
		n.remember(m, now)
		late = n.cfg.Late > 0 && n.lateRng.Float64() < n.cfg.Late
	}
	if n.blocked[link{m.From, m.To}] {
		n.Stats.Dropped++
		return nil, "partition"
	}
	// Draw every random number in a fixed order whatever the outcome, so
	// that changing Loss does not shift the rest of the schedule.
	lost := n.rng.Float64() < n.cfg.Loss
	dup := n.rng.Float64() < n.cfg.Dup || v == Duplicate
	d1, d2 := n.delay(), n.delay()
	if late {
		n.Stats.Late++
		return nil, "late"
	}
	if lost {
		n.Stats.Dropped++
		return nil, "loss"
	}
	if dup {
		n.Stats.Duplicated++
		return []int64{d1, d2}, ""
	}
	return []int64{d1}, ""
}

// remember puts a copy of m in its replay-pool slot, replacing a random
// older copy when the slot is full.
func (n *Network) remember(m *zab.Message, now int64) {
	n.sendSeq++
	k := poolKey{m.From, m.To, m.Type}
	slot, ok := n.pool[k]
	if !ok {
		n.keys = append(n.keys, k)
	}
	// Not cloned here: the core builds every message's slices afresh and
	// no receiver writes into them; take clones each copy it releases.
	c := pooled{seq: n.sendSeq, sentAt: now, msg: *m}
	if len(slot) < n.cfg.Replay {
		n.pool[k] = append(slot, c)
		return
	}
	slot[n.lateRng.Intn(len(slot))] = c
}

// PoolSize is how many copies the replay pool holds.
func (n *Network) PoolSize() int {
	total := 0
	for _, k := range n.keys {
		total += len(n.pool[k])
	}
	return total
}

// ClearPool forgets every pooled copy and stops pooling new ones.
func (n *Network) ClearPool() {
	clear(n.pool)
	n.keys = nil
	n.cfg.Replay, n.cfg.Late = 0, 0
}

// take returns the copy at index i of slot k, and removes it from the
// pool with probability one half: a copy left in the pool may be
// delivered again by a later release (a message duplicated any number of
// times, each copy late).
func (n *Network) take(k poolKey, i int) pooled {
	slot := n.pool[k]
	c := slot[i]
	if n.lateRng.Intn(2) == 0 {
		n.pool[k] = slices.Delete(slot, i, i+1)
	}
	c.msg = cloneMessage(c.msg) // each delivery its own slices
	return c
}

// pickLate takes up to count copies, each from a uniformly chosen
// non-empty slot (so every kind of message on every link gets the same
// chance, however many of its kind were sent), then a uniform copy in it.
func (n *Network) pickLate(count int) []pooled {
	var out []pooled
	for range count {
		live := 0
		for _, k := range n.keys {
			if len(n.pool[k]) > 0 {
				live++
			}
		}
		if live == 0 {
			break
		}
		j := n.lateRng.Intn(live)
		for _, k := range n.keys {
			if len(n.pool[k]) == 0 {
				continue
			}
			if j == 0 {
				out = append(out, n.take(k, n.lateRng.Intn(len(n.pool[k]))))
				break
			}
			j--
		}
	}
	return out
}

// drainPool returns every pooled copy, slot by slot, empties the pool and
// stops pooling.
func (n *Network) drainPool() []pooled {
	var out []pooled
	for _, k := range n.keys {
		out = append(out, n.pool[k]...)
	}
	n.ClearPool()
	return out
}

// lateOnLink takes every pooled copy sent from `from` to `to` (from 0:
// from anyone), oldest first: what a stale connection would flush.
func (n *Network) lateOnLink(from, to zab.PeerID) []pooled {
	var out []pooled
	for _, k := range n.keys {
		if k.to != to || (from != 0 && k.from != from) {
			continue
		}
		for i := len(n.pool[k]) - 1; i >= 0; i-- {
			out = append(out, n.take(k, i))
		}
	}
	slices.SortFunc(out, func(a, b pooled) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

func (n *Network) delay() int64 {
	return n.cfg.MinDelay + n.rng.Int63n(n.cfg.MaxDelay-n.cfg.MinDelay+1)
}

// cloneMessage copies the slices a receiver could keep, so that two
// deliveries of one message never share a backing array.
func cloneMessage(m zab.Message) zab.Message {
	m.Txns = slices.Clone(m.Txns)
	if m.Snapshot != nil {
		s := *m.Snapshot
		m.Snapshot = &s
	}
	if m.Vote != nil {
		v := *m.Vote
		m.Vote = &v
	}
	return m
}
