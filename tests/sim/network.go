package sim

import (
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

// NetStats counts what the network did.
type NetStats struct {
	Sent, Delivered, Dropped, Duplicated, Held int
}

// Network is the simulated message layer between peers: per-message
// delay, loss and duplication drawn from the World's seeded source,
// directed link blocks (partitions), holds (messages parked, not lost, and
// released later) and a scenario Filter.
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
}

func newNetwork(cfg NetConfig, rng *rand.Rand) *Network {
	if cfg.MaxDelay < cfg.MinDelay {
		cfg.MaxDelay = cfg.MinDelay
	}
	return &Network{cfg: cfg, rng: rng, blocked: map[link]bool{}, holding: map[link]bool{}}
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

// route decides what happens to a message being sent: the delays of the
// copies to deliver (none if it is lost or held).
func (n *Network) route(m *zab.Message) (delays []int64, why string) {
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
	case n.blocked[link{m.From, m.To}]:
		n.Stats.Dropped++
		return nil, "partition"
	}
	// Draw every random number in a fixed order whatever the outcome, so
	// that changing Loss does not shift the rest of the schedule.
	lost := n.rng.Float64() < n.cfg.Loss
	dup := n.rng.Float64() < n.cfg.Dup || v == Duplicate
	d1, d2 := n.delay(), n.delay()
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
