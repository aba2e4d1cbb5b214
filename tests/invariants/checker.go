package invariants

import (
	"fmt"
	"slices"

	"zabkafka/zab"
)

// maxViolations bounds how many violations a Checker keeps: after the
// first few, the rest are usually consequences of the first.
const maxViolations = 32

// entry is one delivered or broadcast transaction as the checker keeps it:
// the value is a string so two can be compared with ==.
type entry struct {
	zxid  zab.Zxid
	value string
}

// broadcast is one element of B, the set of every proposal a leader made
// in its own epoch (see the package comment).
type broadcast struct {
	leader zab.PeerID
	value  string
	k      int // position in the leader's sequence for the epoch; the first is 1
}

// epochRecord is what the checker knows about one epoch: its leader (the
// set E), its broadcasts so far, and Init[e] once the leader first
// broadcast.
type epochRecord struct {
	leader      zab.PeerID
	established bool
	last        zab.Zxid // last zxid broadcast in this epoch; 0 before the first
	k           int      // number of broadcasts so far
	hasInit     bool
	init        []zab.Zxid // Init[e]: what the leader had delivered at its first broadcast
}

// sequence is one delivery sequence D[p][i]: what one incarnation of a
// peer's state machine applied, in order.
type sequence struct {
	peer        zab.PeerID
	incarnation int
	entries     []entry
	// diverged is set after this sequence broke the prefix rule, so that
	// one divergence is reported once rather than at every later delivery.
	diverged bool
}

// Checker accumulates the observations of one run and checks every
// property as each observation arrives. It is not safe for concurrent use;
// the simulation is single-threaded.
type Checker struct {
	broadcasts map[zab.Zxid]broadcast
	epochs     map[zab.Epoch]*epochRecord
	initEpochs []zab.Epoch // epochs whose Init is frozen, ascending

	current map[zab.PeerID]*sequence // each peer's live sequence
	retired []*sequence              // sequences ended by a restart or a snapshot install

	// canon is C, the canonical committed sequence: the longest delivery
	// sequence seen so far. Every sequence must be a prefix of it.
	canon      []entry
	canonFirst []zab.PeerID // who first delivered canon[i], for messages

	durable map[zab.PeerID]zab.Epochs
	// disks is every peer's durable state, nil unless TrackDisks.
	disks *diskTracker

	violations []Violation
	total      int // violations seen, including those not kept
}

// New returns an empty Checker.
func New() *Checker {
	return &Checker{
		broadcasts: make(map[zab.Zxid]broadcast),
		epochs:     make(map[zab.Epoch]*epochRecord),
		current:    make(map[zab.PeerID]*sequence),
		durable:    make(map[zab.PeerID]zab.Epochs),
	}
}

// fail records a violation and returns it as an error.
func (c *Checker) fail(r Rule, p zab.PeerID, z zab.Zxid, format string, args ...any) error {
	v := Violation{Rule: r, Peer: p, Zxid: z, Detail: fmt.Sprintf(format, args...)}
	c.total++
	if len(c.violations) < maxViolations {
		c.violations = append(c.violations, v)
	}
	return &v
}

// Violations returns the violations recorded so far (at most the first
// 32), oldest first.
func (c *Checker) Violations() []Violation { return slices.Clone(c.violations) }

// Err returns the first violation, or nil if every check passed.
func (c *Checker) Err() error {
	if len(c.violations) == 0 {
		return nil
	}
	v := c.violations[0]
	if c.total > 1 {
		v.Detail += fmt.Sprintf(" (and %d more violations)", c.total-1)
	}
	return &v
}

// epoch returns the record of e, creating it.
func (c *Checker) epoch(e zab.Epoch) *epochRecord {
	r := c.epochs[e]
	if r == nil {
		r = &epochRecord{}
		c.epochs[e] = r
	}
	return r
}

// checkCounter enforces RuleCounterRange on z.
func (c *Checker) checkCounter(p zab.PeerID, z zab.Zxid, where string) error {
	if z.Counter() == 0 || z.Counter() > zab.MaxCounter {
		return c.fail(RuleCounterRange, p, z, "%s holds counter %#x", where, z.Counter())
	}
	return nil
}

// Establish records that leader reached BROADCAST in epoch e (an element
// of E). Reporting the same pair again is harmless.
func (c *Checker) Establish(e zab.Epoch, leader zab.PeerID) error {
	r := c.epoch(e)
	if r.established {
		if r.leader != leader {
			return c.fail(RuleOneLeaderPerEpoch, leader, 0,
				"establishes epoch %d, which peer %d already established", e, r.leader)
		}
		return nil
	}
	r.established, r.leader = true, leader
	return nil
}

// Leader returns the peer that established e, if any.
func (c *Checker) Leader(e zab.Epoch) (zab.PeerID, bool) {
	r := c.epochs[e]
	if r == nil || !r.established {
		return 0, false
	}
	return r.leader, true
}

// Broadcast records that leader proposed t in its own epoch (an element
// of B). The first broadcast of an epoch freezes Init[e] as the leader's
// current delivery sequence. Reporting the same proposal again is
// harmless.
func (c *Checker) Broadcast(leader zab.PeerID, t zab.Txn) error {
	z, v := t.Zxid, string(t.Data)
	if err := c.checkCounter(leader, z, "broadcast"); err != nil {
		return err
	}
	if b, ok := c.broadcasts[z]; ok {
		if b.value != v || b.leader != leader {
			return c.fail(RuleZxidUnique, leader, z,
				"broadcast %q, but peer %d broadcast %q with this zxid", v, b.leader, b.value)
		}
		return nil
	}
	e := z.Epoch()
	r := c.epoch(e)
	if !r.established {
		return c.fail(RuleOneLeaderPerEpoch, leader, z, "broadcast in epoch %d, which no leader established", e)
	}
	if r.leader != leader {
		return c.fail(RuleOneLeaderPerEpoch, leader, z, "broadcast in epoch %d, established by peer %d", e, r.leader)
	}
	if r.last != 0 && z != r.last+1 {
		return c.fail(RuleLocalPrimaryOrder, leader, z, "broadcast after %v: counters not contiguous", r.last)
	}
	if !r.hasInit {
		if err := c.freezeInit(leader, e, r); err != nil {
			return err
		}
	}
	r.last = z
	r.k++
	c.broadcasts[z] = broadcast{leader: leader, value: v, k: r.k}
	return nil
}

// freezeInit records Init[e] at the leader's first broadcast of e and
// checks it holds every committed transaction of an older epoch: the
// primary-integrity property and "every later leader's Init has it".
func (c *Checker) freezeInit(leader zab.PeerID, e zab.Epoch, r *epochRecord) error {
	r.hasInit = true
	s := c.seq(leader)
	r.init = make([]zab.Zxid, len(s.entries))
	for i, en := range s.entries {
		r.init[i] = en.zxid
	}
	i, _ := slices.BinarySearch(c.initEpochs, e)
	c.initEpochs = slices.Insert(c.initEpochs, i, e)
	// canon is strictly increasing, so the committed transactions of older
	// epochs are exactly its first `older` entries.
	older, _ := slices.BinarySearchFunc(c.canon, zab.MakeZxid(e, 0), func(en entry, z zab.Zxid) int {
		return cmpZxid(en.zxid, z)
	})
	if s.diverged || len(s.entries) >= older {
		return nil
	}
	lost := c.canon[len(s.entries)]
	return c.fail(RuleCommittedLost, leader, lost.zxid,
		"leader of epoch %d began broadcasting having delivered %d transactions; committed %v (first delivered by peer %d) is not in its initial history",
		e, len(s.entries), lost.zxid, c.canonFirst[len(s.entries)])
}

// Init returns Init[e], the zxids e's leader had delivered at its first
// broadcast of e; ok is false before that broadcast.
func (c *Checker) Init(e zab.Epoch) (init []zab.Zxid, ok bool) {
	r := c.epochs[e]
	if r == nil || !r.hasInit {
		return nil, false
	}
	return slices.Clone(r.init), true
}

func cmpZxid(a, b zab.Zxid) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// seq returns p's live delivery sequence, starting incarnation 0 if p has
// none yet.
func (c *Checker) seq(p zab.PeerID) *sequence {
	s := c.current[p]
	if s == nil {
		s = &sequence{peer: p}
		c.current[p] = s
	}
	return s
}

// Restart ends p's delivery sequence: a new incarnation starts whose state
// machine holds exactly prefix (the transactions of its durable snapshot,
// nil if it has none). The prefix counts as delivered and is checked.
func (c *Checker) Restart(p zab.PeerID, prefix []zab.Txn) error {
	return c.reset(p, prefix)
}

// InstallSnapshot records that p's state machine was replaced by a
// snapshot holding exactly prefix (a SNAP sync). Delivering a snapshot's
// prefix is delivering each of its transactions; the replaced state ends
// its sequence, as a restart does.
func (c *Checker) InstallSnapshot(p zab.PeerID, prefix []zab.Txn) error {
	return c.reset(p, prefix)
}

func (c *Checker) reset(p zab.PeerID, prefix []zab.Txn) error {
	inc := 0
	if old := c.current[p]; old != nil {
		c.retired = append(c.retired, old)
		inc = old.incarnation + 1
	}
	c.current[p] = &sequence{peer: p, incarnation: inc}
	var first error
	for _, t := range prefix {
		if err := c.Deliver(p, t); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Sequence returns p's live delivery sequence.
func (c *Checker) Sequence(p zab.PeerID) []zab.Txn {
	s := c.current[p]
	if s == nil {
		return nil
	}
	return toTxns(s.entries)
}

// Committed returns C, the canonical committed sequence: the longest
// sequence any peer has delivered.
func (c *Checker) Committed() []zab.Txn { return toTxns(c.canon) }

// CommittedLen is len(Committed()) without the copy.
func (c *Checker) CommittedLen() int { return len(c.canon) }

// Broadcasts is the number of distinct proposals recorded.
func (c *Checker) Broadcasts() int { return len(c.broadcasts) }

func toTxns(es []entry) []zab.Txn {
	out := make([]zab.Txn, len(es))
	for i, e := range es {
		out[i] = zab.Txn{Zxid: e.zxid, Data: []byte(e.value)}
	}
	return out
}
