package nodesim

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"zabkafka/node"
	"zabkafka/tests/invariants"
	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/kafka"
	"zabkafka/zab"
)

// epoch is the simulated clock's origin: the nodes see epoch + the
// simulated time. Nothing here reads the real clock.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// never is a time no run reaches.
const never = time.Duration(1<<63 - 1)

// Sim is one simulated run: the nodes (real node.Servers), the network
// between them and their clients, the simulated disks, the client threads
// and the history they record, all on one simulated clock driven by one
// event queue. It is single-threaded: the client threads' goroutines run
// only while the Sim waits for them (clients.go).
type Sim struct {
	seed int64
	plan Plan
	opts RunOptions

	now   time.Duration
	queue eventQueue
	seq   uint64

	hosts  []*host
	byName map[string]*host
	names  []string
	net    *network
	trace  *Trace
	inv    *invariants.Checker
	logger *slog.Logger

	// Independent random streams, so that one part's draws do not shift
	// another's.
	chaosRng, diskRng *rand.Rand
	// pauseRng draws the pauses, apart from chaosRng so that adding
	// them left every other fault of a seed where it was.
	pauseRng *rand.Rand
	// leading is the node that last sent a proposal or a commit: the
	// leader, as far as the harness can tell from the wire, for faults
	// that target it.
	leading *host

	// chaos is true while the fault schedule runs (the main phase).
	chaos bool
	// writeCrash is Plan.WriteCrash while the faults run, then 0.
	writeCrash float64

	clients
	admin admin

	// afterWriteCrash, if set, is called as a process dies at a write
	// (tests: to write what a dead process must not send).
	afterWriteCrash func(*host)

	stats Stats
	// failed is the first failure; fatal failures also stop the run.
	failed error
	fatal  bool
}

// Stats counts what a run did.
type Stats struct {
	Ops, OK, Info, Fail int // client completions
	Partitions, OneWay  int
	Crashes             int // processes killed between steps
	WriteCrashes        int // processes killed at a write to their log
	Restarts            int
	Pauses              int // processes stopped and later resumed
	// What the crashes did to the unsynced writes: kept (a partial
	// crash's prefix), lost, and kept records torn (and so lost).
	UnsyncedKept, UnsyncedLost, TornRecords int
	LateReleases                            int // releases of late copies
	// SnapInstalls counts snapshots installed from a leader (SNAP
	// syncs): the catch-up that replaces a follower's state wholesale.
	SnapInstalls int
	// StaleReplies counts replies to clients that say the request was
	// refused as too old to apply (kafka.ErrStale).
	StaleReplies int
	// FinalUnfinished counts client threads whose final polls did not
	// reach every target before the cut-off (finalPhase).
	FinalUnfinished int
	// Unjudged counts runs in which no client operation succeeded, so
	// the kafka checker had nothing to judge (nothingToJudge).
	Unjudged int
	Net      NetStats
}

// add sums b into a.
func (a *Stats) add(b Stats) {
	a.Ops += b.Ops
	a.OK += b.OK
	a.Info += b.Info
	a.Fail += b.Fail
	a.Partitions += b.Partitions
	a.OneWay += b.OneWay
	a.Crashes += b.Crashes
	a.WriteCrashes += b.WriteCrashes
	a.Restarts += b.Restarts
	a.Pauses += b.Pauses
	a.UnsyncedKept += b.UnsyncedKept
	a.UnsyncedLost += b.UnsyncedLost
	a.TornRecords += b.TornRecords
	a.LateReleases += b.LateReleases
	a.SnapInstalls += b.SnapInstalls
	a.StaleReplies += b.StaleReplies
	a.Unjudged += b.Unjudged
	a.FinalUnfinished += b.FinalUnfinished
	a.Net.add(b.Net)
}

// newSim builds the run of a seed; nothing happens until run.
func newSim(seed int64, plan Plan, opts RunOptions) *Sim {
	s := &Sim{
		seed: seed, plan: plan, opts: opts,
		byName:   map[string]*host{},
		trace:    newTrace(opts.KeepTrace),
		inv:      invariants.New(),
		logger:   opts.Logger,
		chaosRng: rand.New(rand.NewPCG(uint64(seed), 0xc4a05)),
		diskRng:  rand.New(rand.NewPCG(uint64(seed), 0xd15c)),
		pauseRng: rand.New(rand.NewPCG(uint64(seed), 0x9a05e)),
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	ids := make([]zab.PeerID, plan.Nodes)
	for i := range plan.Nodes {
		name := fmt.Sprintf("n%d", i)
		h := &host{s: s, name: name, id: zab.PeerID(i + 1), index: i}
		h.disk = newDisk(h)
		s.hosts = append(s.hosts, h)
		s.byName[name] = h
		s.names = append(s.names, name)
		ids[i] = h.id
	}
	s.inv.TrackDisks(ids)
	s.net = newNetwork(s, plan.Net,
		rand.New(rand.NewPCG(uint64(seed), 0x4e7)), rand.New(rand.NewPCG(uint64(seed), 0x1a7e)))
	s.clients.init(s)
	s.admin.init(s)
	return s
}

// at schedules fn at simulated time t (now if t is in the past).
func (s *Sim) at(t time.Duration, fn func()) {
	s.seq++
	s.queue.push(event{at: max(t, s.now), seq: s.seq, fn: fn})
}

// wall is the nodes' view of now (running at half speed under
// Faults.SlowClocks).
func (s *Sim) wall() time.Time {
	if s.opts.Faults.SlowClocks {
		return epoch.Add(s.now / 2)
	}
	return epoch.Add(s.now)
}

// wallToSim is the simulated time at which the nodes' clock shows at.
func (s *Sim) wallToSim(at time.Time) time.Duration {
	w := at.Sub(epoch)
	if s.opts.Faults.SlowClocks {
		return 2 * w
	}
	return w
}

// record adds an event to the trace at the current time.
func (s *Sim) record(e Event) {
	e.At = s.now
	s.trace.add(e)
}

// fail records a failure. A fatal one also stops the run: the harness
// cannot go on (a node panicked, wrote a line that is not a message).
func (s *Sim) fail(fatal bool, format string, args ...any) {
	err := fmt.Errorf(format, args...)
	if s.failed == nil {
		s.failed = err
	}
	s.record(Event{Kind: KindViolation, Note: err.Error()})
	if fatal {
		s.fatal = true
	}
}

// noteViolation records the invariant checker's verdict on one
// observation, in the trace where it happened.
func (s *Sim) noteViolation(err error) {
	if err != nil {
		s.record(Event{Kind: KindViolation, Note: err.Error()})
	}
}

// guard runs fn, turning a panic of the code under test into a fatal
// failure with its stack, so that the report still names the seed.
func (s *Sim) guard(who string, fn func()) {
	defer func() {
		if p := recover(); p != nil {
			s.fail(true, "%s panicked: %v\n%s", who, p, debug.Stack())
		}
	}()
	fn()
}

// runUntil handles events in time order until the next one is later than
// until (the clock then stands at until), or stop reports true, or the
// run stopped. It reports whether stop became true.
func (s *Sim) runUntil(until time.Duration, stop func() bool) bool {
	for !s.fatal {
		if stop != nil && stop() {
			return true
		}
		if s.queue.len() == 0 || s.queue.peek().at > until {
			if until != never {
				s.now = max(s.now, until)
			}
			return stop != nil && stop()
		}
		e := s.queue.pop()
		s.now = e.at
		e.fn()
	}
	return false
}

// nodeConfig is the configuration of one run of a node: the defaults the
// binary starts with, the plan's knobs, and an election seed drawn from
// the run's seed (a different one for every start of every node).
func (s *Sim) nodeConfig(h *host) node.Config {
	c := node.DefaultConfig()
	c.Seed = int64(uint64(s.seed)*1_000_003+uint64(h.index)*7919+uint64(h.starts)*104_729) & (1<<62 - 1)
	if c.Seed == 0 {
		c.Seed = 1
	}
	c.BatchInterval = s.plan.BatchInterval
	c.AckHold = s.plan.AckHold
	c.Zab.LazyFanoutTicks = s.plan.LazyFanout
	c.SnapshotEvery = s.plan.SnapshotEvery
	c.Zab.TailEntries = s.plan.TailEntries
	c.DedupeWindow = s.plan.DedupeWindow
	if s.plan.PollStep > 0 {
		c.PollStep = s.plan.PollStep
	}
	c.PollStepGap = s.plan.PollStepGap
	c.RoundWait = s.plan.RoundWait
	c.MaxStaleness = s.plan.MaxStaleness
	c.LeaderReplies = s.plan.LeaderReplies
	c.StatsInterval = 0
	return c
}

// rpcTimeout is Maelstrom's client timeout.
const rpcTimeout = kafka.RPCTimeout

// recordOp stamps op with the next index and the current time and
// appends it to the history.
func (s *Sim) recordOp(op *history.Op) {
	op.Index = len(s.hist)
	op.Time = int64(s.now)
	s.hist = append(s.hist, *op)
}
