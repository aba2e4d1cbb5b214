package nodesim

import (
	"log/slog"
	"math/rand/v2"
	"time"
)

// NetConfig is how the simulated network treats lines while the faults
// run. Node-to-node lines get the whole fault model; lines between a
// client and a node get delay, loss and late delivery, but are never
// duplicated and never cut by a partition, as in Maelstrom, whose
// network duplicates nothing and whose partitions are between nodes
// (src/maelstrom/net.clj; Faults.DupClientRequests shows why duplicating
// a client's request would be wrong).
type NetConfig struct {
	// MinDelay and MaxDelay bound a node-to-node line's delay; each line
	// draws one uniformly, so lines overtake each other.
	MinDelay, MaxDelay time.Duration
	// Loss is the probability that a node-to-node line is dropped.
	Loss float64
	// Dup is the probability that a node-to-node line is delivered
	// twice, each copy with its own delay.
	Dup float64
	// Replay is how many copies of past node-to-node lines the network
	// keeps per link and message kind, for late delivery: a release
	// delivers some of them much later, in later sessions, epochs and
	// runs of the nodes, any number of times (0: none).
	Replay int
	// Late is the probability that a node-to-node line goes only to the
	// late pool: it arrives if and when a release picks it (needs
	// Replay).
	Late float64

	// ClientMinDelay and ClientMaxDelay bound the delay of a line
	// between a client and a node.
	ClientMinDelay, ClientMaxDelay time.Duration
	// ClientLoss is the probability that a client's request or a node's
	// reply is lost: the client's RPC times out, an indefinite result.
	ClientLoss float64
	// ClientLate is the probability that a client's request or a reply
	// arrives 1 to 8 s late: after the client gave up, possibly after
	// its node restarted.
	ClientLate float64
	// ClientDup is the probability that a node's reply is delivered
	// twice; the client takes the first.
	ClientDup float64
}

// Plan is one seed's run: its size, its workload and how hostile it is
// (swarm testing: each seed draws which faults are on and how often).
// Probabilities are per chaos turn (every ChaosEvery) unless noted.
type Plan struct {
	Nodes       int
	Concurrency int           // client threads; thread i talks to node i mod Nodes
	Rate        float64       // client operations per simulated second
	TimeLimit   time.Duration // the main phase: workload and faults

	Net NetConfig

	Partition float64 // start a new random partition
	Heal      float64 // heal every link
	// OneWay cuts one directed link, or every link out of one node (it
	// hears, nobody hears it), or every link into one (it is heard,
	// hears nobody). Heal reopens them.
	OneWay  float64
	Crash   float64 // kill a random running node between two of its steps
	Restart float64 // restart a random crashed node over its disk
	// WriteCrash is the probability, per write a node makes to its log
	// (append, truncate, sync, epochs, snapshot, compaction), of the
	// process dying right there, before the write: the crash lands
	// between the steps of the Ready contract, and whatever the node
	// had not yet flushed to stdout never leaves.
	WriteCrash float64
	// PartialCrash makes a crash keep a random prefix of the unsynced
	// writes (log.MemStore.CrashPartial) instead of none; Torn is the
	// probability that the last record kept is torn and cut off.
	PartialCrash bool
	Torn         float64
	// ReleaseLate is the probability of delivering 1 to 4 random pooled
	// copies, each up to LateWithin later; FlushOnStart is the
	// probability that a node starting over its disk first gets every
	// pooled copy addressed to it, oldest first, as a stale connection
	// would flush them.
	ReleaseLate  float64
	LateWithin   time.Duration
	FlushOnStart float64
	// Pause is the probability of stopping a random running node's
	// process, as SIGSTOP does, for one of PauseFor (drawn per pause).
	// A stopped process reads nothing, writes nothing and does not see
	// time pass; what is sent to it waits, and it reads it all at once
	// when it resumes, its clock then jumped by the pause.
	Pause float64

	// The node's own knobs that change what it sends (node.Config).
	BatchInterval time.Duration
	AckHold       time.Duration
	LazyFanout    int
	SnapshotEvery int
	RoundWait     time.Duration
	MaxStaleness  time.Duration
	LeaderReplies bool
	// TailEntries is how many recent entries each node's core keeps in
	// memory (zab.Config.TailEntries; 0: its default of 4096). Small, a
	// leader soon reads older entries back from its log, and, once it
	// compacted them behind a snapshot (SnapshotEvery), has to bring a
	// follower that needs them up to date by SNAP.
	TailEntries int
	// DedupeWindow is how many of each origin's latest requests the
	// kafka state remembers (node.Config.DedupeWindow; 0: its default of
	// 8192). Small, a copy of a request that arrives after enough newer
	// ones from its node is refused as stale, and a client still waiting
	// for it must be told its outcome is unknown.
	DedupeWindow int
	// PollStep is how much of a poll a node reads in one step of its
	// event loop (node.Config.PollStep; 0: its default of 4096). Small,
	// every poll of more than a key or two is answered over several
	// steps, while messages, ticks and faults come in between.
	PollStep int
	// PollStepGap is the time between two steps of a poll
	// (node.Config.PollStepGap; 0: a microsecond). Long, messages,
	// ticks and faults come between the steps of a poll.
	PollStepGap time.Duration
}

// ChaosEvery is how often the fault schedule draws during the main
// phase.
const ChaosEvery = 100 * time.Millisecond

// PauseFor are the lengths a pause draws from: shorter than a tick,
// longer than the followers' patience with a silent leader, and longer
// than a client's 5 s timeout, so that a leader holding sends it took
// over from followers (Plan.LeaderReplies) resumes after their
// deadlines.
var PauseFor = []time.Duration{5 * time.Millisecond, 300 * time.Millisecond, 2 * time.Second, 6 * time.Second}

// DrawPlan draws the plan of a seed. Every fault is on for most seeds
// and off for some, so that a failure can be told apart from the fault
// that needs it.
func DrawPlan(seed int64) Plan {
	r := rand.New(rand.NewPCG(uint64(seed), 0x91a7))
	pick := func(xs ...float64) float64 { return xs[r.IntN(len(xs))] }
	dur := func(xs ...time.Duration) time.Duration { return xs[r.IntN(len(xs))] }
	p := Plan{
		Nodes:     []int{3, 3, 5}[r.IntN(3)],
		Rate:      pick(100, 300, 1000),
		TimeLimit: dur(3*time.Second, 5*time.Second, 8*time.Second),
	}
	p.Concurrency = p.Nodes * (1 + r.IntN(4)) // n .. 4n; Maelstrom runs often use 2n
	maxDelay := dur(time.Millisecond, 5*time.Millisecond, 20*time.Millisecond, 50*time.Millisecond)
	p.Net = NetConfig{
		MinDelay: maxDelay / 10, MaxDelay: maxDelay,
		Loss: pick(0, 0.01, 0.05, 0.15), Dup: pick(0, 0.02, 0.1),
		Replay:         []int{0, 2, 4}[r.IntN(3)],
		ClientMinDelay: 100 * time.Microsecond, ClientMaxDelay: dur(time.Millisecond, 5*time.Millisecond),
		ClientLoss: pick(0, 0, 0.01, 0.05), ClientLate: pick(0, 0, 0.01), ClientDup: pick(0, 0.02),
	}
	if p.Net.Replay > 0 {
		p.Net.Late = pick(0, 0.005, 0.02)
		p.ReleaseLate = pick(0.05, 0.2, 0.5)
		p.LateWithin = dur(maxDelay, 500*time.Millisecond, 3*time.Second)
		p.FlushOnStart = pick(0, 0.5, 1)
	}
	p.Partition = pick(0, 0.03, 0.08, 0.15)
	p.Heal = pick(0.05, 0.1, 0.3)
	p.OneWay = pick(0, 0, 0.03, 0.08)
	p.Crash = pick(0, 0, 0.02, 0.05)
	p.Restart = pick(0.05, 0.2, 0.5)
	p.WriteCrash = pick(0, 0.0005, 0.002, 0.005)
	p.PartialCrash = r.IntN(4) > 0
	p.Torn = pick(0, 0.3)
	p.BatchInterval = dur(0, 0, 10*time.Millisecond)
	p.AckHold = dur(0, 5*time.Millisecond)
	p.LazyFanout = []int{0, 8, 8}[r.IntN(3)]
	p.SnapshotEvery = []int{0, 20, 100}[r.IntN(3)]
	// Drawn last, so that the draws above stay those of earlier plans.
	p.RoundWait = dur(0, 5*time.Millisecond, 5*time.Millisecond, time.Second)
	p.MaxStaleness = dur(0, 250*time.Millisecond, 250*time.Millisecond)
	p.LeaderReplies = r.IntN(2) == 0
	p.Pause = pick(0, 0.01, 0.02, 0.05)
	p.TailEntries = []int{0, 0, 8}[r.IntN(3)]
	p.DedupeWindow = []int{0, 0, 4}[r.IntN(3)]
	p.PollStep = []int{0, 0, 3}[r.IntN(3)]
	p.PollStepGap = dur(0, 2*time.Millisecond, 5*time.Millisecond)
	return p
}

// Faults deliberately break the system under test or the harness's
// promises, to prove that a check can see the bug it guards against. A
// correct run sets none of them.
type Faults struct {
	// NoSync makes every disk's Sync do nothing: writes never become
	// durable, yet the node goes on as if they had, so its
	// acknowledgements vouch for nothing a crash cannot take.
	NoSync bool
	// DupClientRequests delivers every client send twice. A node cannot
	// tell a duplicated request from a client that sent its value again
	// (Maelstrom's protocol gives requests no idempotency key), so the
	// value lands at two offsets: the kafka checker's duplicate anomaly.
	// This is why the network never duplicates client lines.
	DupClientRequests bool
	// NoHeal leaves every node cut off from every other after the main
	// phase, so nothing new can commit: the final phase or the
	// convergence probe must report it.
	NoHeal bool
	// SlowClocks gives every node a clock that runs at half speed, which
	// Maelstrom, whose nodes share one host's clock, never does: a node
	// then lets a request wait twice its deadline, and answers it after
	// the client gave up. The harness must say so (host.checkReply).
	SlowClocks bool
}

// RunOptions are the knobs of Run that do not change what happens, only
// what is kept of it, plus the deliberate faults of the broken twins.
type RunOptions struct {
	// KeepTrace keeps every trace event (for a failure report), not just
	// the most recent.
	KeepTrace bool
	// Logger receives the nodes' logs; nil discards them.
	Logger *slog.Logger
	// Faults are deliberate bugs (Faults).
	Faults Faults
}
