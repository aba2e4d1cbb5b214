package node

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"zabkafka/zab"
)

// Config holds every knob of a node. The core's timeouts are counted in
// ticks (Config.Zab); Tick says how long one tick is in wall time.
type Config struct {
	// Tick is the wall-clock length of one core tick.
	Tick time.Duration
	// Zab holds the core's knobs, counted in ticks: InitLimit, SyncLimit,
	// HeartbeatTicks, ResendTicks, MaxInflight, MaxTxnsPerMessage,
	// MaxUncommitted, LazyFanoutTicks, FanoutSpare and the election's
	// FinalizeTicks and MaxResendTicks are bound to flags
	// (RegisterFlags). The node fills in ID, Peers, Storage, Logger and
	// Election.Rand when it starts.
	Zab zab.Config

	// RoundWait bounds how long queued client operations wait for the
	// round in flight (the leader's last proposal to commit, a
	// follower's last forward to be answered) before they go out anyway,
	// pipelined behind it. While nothing is in flight they go at once
	// (pacer.go, "Self-clocking"). Zero never waits: every event-loop
	// iteration dispatches what it has.
	RoundWait time.Duration
	// BatchInterval is an optional batching window: client operations
	// are dispatched, and a node's coalesced node-to-node messages sent,
	// at most once per window. Zero (the default) leaves the pacing to
	// self-clocking.
	BatchInterval time.Duration
	// AckHold bounds how long a follower holds its outgoing messages
	// after it answered clients, waiting for each of them to send its
	// next write, which then rides to the leader with the ACK instead of
	// in a message of its own (pacer.go, "The hold"). There is no hold
	// while rounds are pipelined, nor while fewer than half the clients
	// answered lately were back within it. It is cut to BatchInterval when that
	// is shorter and positive: a longer hold would stall the follower's
	// stream instead of shaping it. Zero sends at once.
	AckHold time.Duration
	// MaxBatch is the most client operations one proposal carries.
	MaxBatch int
	// MaxBatchBytes bounds one proposal's encoded batch, and one batch of
	// operations forwarded to the leader (kafka.OpSize plans them). An
	// operation too big for a batch of its own is refused to its client
	// (12, definite) before it goes anywhere. See DefaultConfig for the
	// choice of size; it may not exceed MaxBatchBytesLimit.
	MaxBatchBytes int
	// MaxQueue bounds the client operations waiting to be proposed or
	// forwarded; beyond it a new send is refused with a definite error.
	MaxQueue int
	// MaxQueueBytes bounds the same queue by the operations' size, so
	// that a burst of large operations cannot exhaust memory.
	MaxQueueBytes int
	// HoldTimeout is how long a client operation waits for a leader to be
	// known before it is refused with temporarily-unavailable (definite:
	// it never left this node).
	HoldTimeout time.Duration
	// MaxStaleness bounds how old the state a read (poll,
	// list_committed_offsets) is served from may be: a follower that has
	// not heard from its leader, or a leader that has not heard from a
	// quorum, for this long refuses reads with temporarily-unavailable,
	// as does a node with no established leader (fresh.go). Zero serves
	// reads from whatever state the node has.
	MaxStaleness time.Duration
	// RequestTimeout is a client request's deadline. Maelstrom's client
	// gives up after 5 s and a reply after that can silence the node
	// (docs/running.md#nothing-to-a-client-after-it-gave-up), so a
	// request still pending at this age is answered with an indefinite
	// error and then forgotten.
	RequestTimeout time.Duration
	// LeaderReplies lets the leader answer the clients of the sends
	// followers forward, straight from the leader, when it applies them
	// (delegate.go): a follower's client waits one hop less.
	LeaderReplies bool
	// PollCap is the most messages one poll returns per key.
	PollCap int
	// PollStep bounds the work of one step of answering a poll, in keys
	// read plus messages returned: a poll that needs more is answered
	// over several iterations of the event loop, which handles other
	// input between two steps (pollJob).
	PollStep int
	// PollStepGap is how long after a step of a poll the next one is
	// due (0: a microsecond, so node.Run goes straight on). There is no
	// flag: simulations make it long, so that messages, ticks and
	// faults come between two steps, as they do on a loaded machine.
	PollStepGap time.Duration
	// SnapshotEvery is how many applied client operations separate two
	// snapshots of the kafka state; the log is compacted behind the
	// previous snapshot, so memory stays bounded. Zero disables it.
	SnapshotEvery int
	// DedupeWindow is how many of each origin's latest requests the
	// kafka state remembers to apply each once (kafka.NewWindow); 0
	// means kafka.DedupeWindow. Every node of a cluster must use the
	// same, as it decides results; there is no flag. Tests make it small
	// so that requests fall out of it, which at the default takes
	// thousands of requests from one node while one waits.
	DedupeWindow int

	// DataDir, when set, keeps each node's log in DataDir/<node id> on
	// disk (log.FileStore); empty means an in-memory log.
	DataDir string
	// LogLevel filters the node's stderr log.
	LogLevel slog.Level
	// StatsInterval is how often the node logs its traffic counters at
	// Info (0: never).
	StatsInterval time.Duration
	// Seed seeds the election jitter; 0 derives it from the clock at init.
	Seed int64
}

// DefaultConfig returns the defaults the binary starts with; what each is
// for:
//
//   - Tick, 10 ms: the unit of the core's timers, fine enough for the
//     limits below.
//   - SyncLimit and InitLimit, 35 ticks, with a heartbeat every 5: a lost
//     leader or follower is noticed within 350 ms, in broadcast or while
//     a new leader is being established, and replaced soon after (a cut
//     is recovered from within half a second), while a quiet follower
//     still hears from the leader seven times within the limit. 25 ticks
//     recovered sooner, but on two cores shared by sixteen nodes the
//     final phase of the kafka workload delayed messages past it and
//     caused spurious elections; 35 did not, in the runs measured
//     (docs/tuning.md, "Elections").
//   - ResendTicks, 5: a FOLLOWERINFO that reached the new leader before
//     it knew it had won, and unacknowledged proposals, are sent again
//     after 50 ms; to a follower that stays silent, ever less often
//     (zab/broadcast.go).
//   - RoundWait, 5 ms, and no BatchInterval: self-clocking (pacer.go)
//     sends at once when nothing is in flight and batches everything
//     that arrives during a round trip, so latency stays near the
//     network's round trips at low load and messages per operation fall
//     as load grows. Round trips longer than RoundWait even at their
//     shortest are the network's, not the load's, and are pipelined.
//   - LazyFanoutTicks, 8: each round goes to a quorum's worth of
//     followers, those owed a commit for their clients first
//     (zab/fanout.go); a follower nobody waits on still hears everything
//     within 80 ms. A round then costs two messages per follower it
//     needs, not per follower.
//   - AckHold, 5 ms at most: a follower that answered clients sends its
//     ACK once they are back with their next writes, which ride along
//     and make the next round (pacer.go, "The hold"); the bound only
//     matters for a client that does not come back, and when most do
//     not (a light load) there is no hold.
//   - MaxStaleness, 250 ms, under SyncLimit: a node cut off from the
//     leader stops serving reads before it would give up on the leader,
//     even if its ticks run late.
//   - MaxInflight and MaxTxnsPerMessage bound what one follower has
//     outstanding and what one message carries; MaxBatch, MaxQueue and
//     MaxQueueBytes bound memory.
//   - RequestTimeout, 3.5 s, under Maelstrom's 5 s client timeout;
//     HoldTimeout, 1 s, leaves a client time for an answer after a
//     definite refusal.
//
// Batches are capped at 2 MiB because every stage downstream must take
// one: the log's records (log.MaxEntrySize, 64 MiB), the input line of
// the node that receives it (256 MiB, run.go), and a Zab PROPOSAL, which
// carries up to MaxTxnsPerMessage (64) transactions, base64-encoded in
// JSON (4/3 the size): 64 x 2 MiB x 4/3 = 171 MiB still fits one line,
// with room for the message's other fields. The workload's operations
// are tens of bytes, so a batch of MaxBatch (4096) operations is about
// 100 KiB and the cap only shapes bursts of large keys; the largest
// operation accepted (about 2 MiB: a key that long, or a commit_offsets
// of some 150 000 keys) is far beyond anything the workload sends.
//
// docs/tuning.md has the measurements behind these choices, and the
// settings that trade latency for fewer messages.
func DefaultConfig() Config {
	c := Config{
		Tick: 10 * time.Millisecond,
		Zab: zab.Config{
			InitLimit:         35,
			SyncLimit:         35,
			HeartbeatTicks:    5,
			ResendTicks:       5,
			MaxInflight:       1000,
			MaxTxnsPerMessage: 64,
			LazyFanoutTicks:   8,
		},
		RoundWait:      5 * time.Millisecond,
		AckHold:        5 * time.Millisecond,
		MaxStaleness:   250 * time.Millisecond,
		MaxBatch:       4096,
		MaxBatchBytes:  2 << 20,
		MaxQueue:       100000,
		MaxQueueBytes:  256 << 20,
		HoldTimeout:    time.Second,
		RequestTimeout: 3500 * time.Millisecond,
		PollCap:        100,
		PollStep:       4096,
		SnapshotEvery:  50000,
		LogLevel:       slog.LevelInfo,
		StatsInterval:  10 * time.Second,
	}
	c.Zab.Election.FinalizeTicks, c.Zab.Election.MaxResendTicks = 3, 40
	return c
}

// The range of Config.MaxBatchBytes. The upper limit keeps a batch at a
// quarter of the log's record limit (log.MaxEntrySize), and a PROPOSAL of
// ten such batches, base64-encoded, within one input line (run.go,
// maxLine); the lower one leaves room for ordinary operations.
const (
	MinBatchBytes      = 4 << 10
	MaxBatchBytesLimit = 16 << 20
)

// RegisterFlags binds c's fields to command-line flags on fs; the current
// values of c are the flags' defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.Tick, "tick", c.Tick, "wall-clock length of one core tick")
	z := &c.Zab
	fs.IntVar(&z.InitLimit, "init-limit", z.InitLimit, "ticks allowed for discovery and synchronisation")
	fs.IntVar(&z.SyncLimit, "sync-limit", z.SyncLimit, "ticks of silence after which a leader or follower gives up")
	fs.IntVar(&z.HeartbeatTicks, "heartbeat", z.HeartbeatTicks, "ticks between leader heartbeats")
	fs.IntVar(&z.ResendTicks, "resend", z.ResendTicks, "ticks without an ACK before the leader resends a follower's queue")
	fs.IntVar(&z.MaxInflight, "max-inflight", z.MaxInflight, "proposals in flight to one follower")
	fs.IntVar(&z.MaxTxnsPerMessage, "max-txns-per-message", z.MaxTxnsPerMessage, "proposals carried by one message")
	fs.IntVar(&z.MaxUncommitted, "max-uncommitted", z.MaxUncommitted, "leader proposals not yet committed (0: core default)")
	fs.IntVar(&z.Election.FinalizeTicks, "election-finalize", z.Election.FinalizeTicks, "ticks an election waits for a better vote after a quorum agrees")
	fs.IntVar(&z.Election.MaxResendTicks, "election-max-resend", z.Election.MaxResendTicks, "cap on the back-off between election re-broadcasts, in ticks")
	fs.IntVar(&z.LazyFanoutTicks, "lazy-fanout", z.LazyFanoutTicks, "leader paces followers: each round goes at once to a quorum's worth, those owed a commit first, the rest within this many ticks (0: all at once)")
	fs.IntVar(&z.FanoutSpare, "fanout-spare", z.FanoutSpare, "followers beyond a quorum's need that get each batch at once (with --lazy-fanout)")
	fs.DurationVar(&c.AckHold, "ack-hold", c.AckHold, "longest a follower holds its messages after answering clients, until they are back with their next writes, which ride along (at most --batch-interval; 0: none)")
	fs.DurationVar(&c.RoundWait, "round-wait", c.RoundWait, "longest queued ops wait for the round in flight before going out pipelined (0: never wait)")
	fs.DurationVar(&c.BatchInterval, "batch-interval", c.BatchInterval, "batching window: at most one dispatch and one flush of node-to-node messages per window (0: self-clocked only)")
	fs.DurationVar(&c.MaxStaleness, "max-staleness", c.MaxStaleness, "refuse reads after this long without hearing from the leader (follower) or a quorum (leader) (0: always serve)")
	fs.IntVar(&c.MaxBatch, "max-batch", c.MaxBatch, "client operations per proposal")
	fs.IntVar(&c.MaxBatchBytes, "max-batch-bytes", c.MaxBatchBytes, "bytes per proposal or forwarded batch; a bigger operation is refused")
	fs.IntVar(&c.MaxQueue, "max-queue", c.MaxQueue, "client operations waiting to be proposed or forwarded")
	fs.IntVar(&c.MaxQueueBytes, "max-queue-bytes", c.MaxQueueBytes, "bytes of client operations waiting to be proposed or forwarded")
	fs.DurationVar(&c.HoldTimeout, "hold", c.HoldTimeout, "how long an op waits for a known leader before a definite error")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "a client request still pending at this age is answered indefinite and forgotten (under 4.5s)")
	fs.BoolVar(&c.LeaderReplies, "leader-replies", c.LeaderReplies, "the leader answers the clients of the sends followers forward")
	fs.IntVar(&c.PollCap, "poll-cap", c.PollCap, "messages returned per key by one poll")
	fs.IntVar(&c.PollStep, "poll-step", c.PollStep, "keys plus messages one step of a poll reads before the node handles other input")
	fs.IntVar(&c.SnapshotEvery, "snapshot-every", c.SnapshotEvery, "applied operations between snapshots (0: never)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "keep the log on disk under this directory (one subdirectory per node); empty: in memory")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "stderr log level: debug, info, warn, error")
	fs.DurationVar(&c.StatsInterval, "stats-interval", c.StatsInterval, "how often to log traffic counters (0: never)")
	fs.Int64Var(&c.Seed, "seed", c.Seed, "election jitter seed (0: from the clock)")
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	positive := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", name, v))
		}
	}
	if c.Tick <= 0 {
		errs = append(errs, fmt.Errorf("tick must be positive, got %v", c.Tick))
	}
	positive("init-limit", c.Zab.InitLimit)
	positive("sync-limit", c.Zab.SyncLimit)
	positive("heartbeat", c.Zab.HeartbeatTicks)
	positive("resend", c.Zab.ResendTicks)
	positive("max-inflight", c.Zab.MaxInflight)
	positive("max-txns-per-message", c.Zab.MaxTxnsPerMessage)
	positive("election-finalize", c.Zab.Election.FinalizeTicks)
	positive("election-max-resend", c.Zab.Election.MaxResendTicks)
	positive("max-batch", c.MaxBatch)
	positive("max-queue", c.MaxQueue)
	if c.MaxBatchBytes < MinBatchBytes || c.MaxBatchBytes > MaxBatchBytesLimit {
		errs = append(errs, fmt.Errorf("max-batch-bytes must be in [%d, %d], got %d", MinBatchBytes, MaxBatchBytesLimit, c.MaxBatchBytes))
	}
	if c.MaxQueueBytes < c.MaxBatchBytes {
		errs = append(errs, fmt.Errorf("max-queue-bytes must be at least max-batch-bytes (%d), got %d", c.MaxBatchBytes, c.MaxQueueBytes))
	}
	positive("poll-cap", c.PollCap)
	positive("poll-step", c.PollStep)
	if c.PollStepGap < 0 {
		errs = append(errs, fmt.Errorf("PollStepGap must not be negative, got %v", c.PollStepGap))
	}
	if c.BatchInterval < 0 {
		errs = append(errs, fmt.Errorf("batch-interval must not be negative, got %v", c.BatchInterval))
	}
	if c.RoundWait < 0 {
		errs = append(errs, fmt.Errorf("round-wait must not be negative, got %v", c.RoundWait))
	}
	if c.MaxStaleness < 0 {
		errs = append(errs, fmt.Errorf("max-staleness must not be negative, got %v", c.MaxStaleness))
	}
	if c.Zab.LazyFanoutTicks < 0 {
		errs = append(errs, fmt.Errorf("lazy-fanout must not be negative, got %d", c.Zab.LazyFanoutTicks))
	}
	if c.Zab.FanoutSpare < 0 {
		errs = append(errs, fmt.Errorf("fanout-spare must not be negative, got %d", c.Zab.FanoutSpare))
	}
	if c.AckHold < 0 {
		errs = append(errs, fmt.Errorf("ack-hold must not be negative, got %v", c.AckHold))
	}
	if c.Zab.MaxUncommitted < 0 {
		errs = append(errs, fmt.Errorf("max-uncommitted must not be negative, got %d", c.Zab.MaxUncommitted))
	}
	if c.StatsInterval < 0 {
		errs = append(errs, fmt.Errorf("stats-interval must not be negative, got %v", c.StatsInterval))
	}
	if c.SnapshotEvery < 0 {
		errs = append(errs, fmt.Errorf("snapshot-every must not be negative, got %d", c.SnapshotEvery))
	}
	if c.DedupeWindow < 0 || c.DedupeWindow&(c.DedupeWindow-1) != 0 {
		errs = append(errs, fmt.Errorf("dedupe window must be 0 or a power of two, got %d", c.DedupeWindow))
	}
	if c.RequestTimeout <= 0 || c.RequestTimeout >= lastReplyAge {
		// Maelstrom's client times out at 5 s (Maelstrom's
		// src/maelstrom/client.clj); a reply after that may go to a
		// closed client, and no reply leaves past lastReplyAge.
		errs = append(errs, fmt.Errorf("request-timeout must be in (0, %v), got %v", lastReplyAge, c.RequestTimeout))
	}
	if c.HoldTimeout <= 0 || c.HoldTimeout >= c.RequestTimeout {
		errs = append(errs, fmt.Errorf("hold must be positive and below request-timeout, got %v", c.HoldTimeout))
	}
	return errors.Join(errs...)
}
