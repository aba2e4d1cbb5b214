package node

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"
)

// Config holds every knob of a node. The core's timeouts are counted in
// ticks (zab.Config); Tick says how long one tick is in wall time.
type Config struct {
	// Tick is the wall-clock length of one core tick.
	Tick time.Duration
	// InitLimit bounds discovery and synchronisation, in ticks
	// (ZooKeeper's initLimit).
	InitLimit int
	// SyncLimit is how many ticks a follower or leader waits without
	// hearing from the other side before it gives up (syncLimit).
	SyncLimit int
	// Heartbeat is the interval between leader PINGs, in ticks.
	Heartbeat int
	// Resend is how many ticks the leader waits for an ACK before it
	// resends a follower's queue (design.md decision 3).
	Resend int
	// MaxInflight bounds the proposals sent to one follower and not yet
	// acknowledged.
	MaxInflight int
	// MaxTxnsPerMessage bounds the proposals one PROPOSAL message carries.
	MaxTxnsPerMessage int
	// MaxUncommitted bounds the leader's proposals not yet committed;
	// beyond it operations wait in the queue (0: the core's default).
	MaxUncommitted int
	// ElectionFinalize is how many ticks an election waits for a better
	// vote after reaching a quorum (FLE's finalizeWait).
	ElectionFinalize int
	// ElectionMaxResend caps the back-off between election
	// re-broadcasts, in ticks.
	ElectionMaxResend int
	// LazyFanout paces the leader's followers (zab.Config.
	// LazyFanoutTicks): each batch goes at once to a quorum's worth of
	// followers, the others get what accumulated at their next turn or
	// after this many ticks. 0 sends everything to everyone at once.
	LazyFanout int
	// FanoutSpare is how many followers beyond a quorum's need get each
	// batch at once (zab.Config.FanoutSpare).
	FanoutSpare int

	// BatchInterval is the batching window: client operations wait at
	// most this long before they are proposed (leader) or forwarded
	// (follower), and a node sends its coalesced node-to-node messages at
	// most once per window. Zero sends at the end of every event-loop
	// iteration.
	BatchInterval time.Duration
	// AckHold is how long a follower holds its outgoing messages after it
	// answered clients, so that their next operations, which a client
	// sends as soon as it has its answer, ride to the leader with the
	// ACK instead of in a message of their own. It is cut to
	// BatchInterval when that is shorter and positive: a longer hold
	// would stall the follower's stream instead of shaping it. Zero
	// sends at once.
	AckHold time.Duration
	// MaxBatch is the most client operations one proposal carries.
	MaxBatch int
	// MaxBatchBytes bounds one proposal's encoded batch, and one batch of
	// operations forwarded to the leader (log.OpSize plans them). An
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
	// RequestTimeout is a client request's deadline. Maelstrom's client
	// gives up after 5 s and a reply after that can silence the node
	// (maelstrom-kafka-spec 2.3), so a request still pending at this age
	// is answered with an indefinite error and then forgotten.
	RequestTimeout time.Duration
	// PollCap is the most messages one poll returns per key.
	PollCap int
	// SnapshotEvery is how many applied client operations separate two
	// snapshots of the kafka state; the log is compacted behind the
	// previous snapshot, so memory stays bounded. Zero disables it.
	SnapshotEvery int

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

// DefaultConfig returns the defaults the binary starts with. A lost
// leader is noticed within a second (SyncLimit) and replaced within a
// couple more, so a healed partition or a lost leader is repaired long
// before Maelstrom's final 10 s phase ends. The 10 ms batching window
// was measured with the workbench (16 nodes, concurrency 2n, rate 10000,
// 10 s): server messages per operation 2.6 at 5 ms, 1.5 at 10 ms, 1.4 at
// 20 ms, while the median send latency went 23, 26, 42 ms; heartbeats
// every 200 ms keep the idle traffic low.
//
// Lazy fan-out and the follower's ACK hold then took the 20 s run from
// 1.23 to 0.65-0.67 server messages per operation, median send 22 ms to
// 20 ms (docs in zab/fanout.go; either alone: 1.15 with the median send
// at 40 ms, or 1.40 in a 10 s run): each batch goes
// to a quorum's worth of followers, each follower is served every other
// batch or so, and it answers with one message that carries its ACK and
// its clients' next operations. An 8-tick lazy bound beat 4 (0.76-0.86)
// and 2 (1.34: the bound fired before the follower's turn came); a 5 ms
// hold beat 2 ms (too short for the clients' next operations to arrive)
// and 8 ms (the ACK missed the next batch: median send 38 ms); a spare
// eager follower per batch cost more (0.93) than it saved.
//
// Batches are capped at 2 MiB. Every stage downstream must take one:
// the log's records (log.MaxEntrySize, 64 MiB), the input line of the
// node that receives it (256 MiB, run.go), and a Zab PROPOSAL, which
// carries up to MaxTxnsPerMessage (64) transactions, base64-encoded in
// JSON (4/3 the size): 64 x 2 MiB x 4/3 = 171 MiB still fits one line,
// with room for the message's other fields. The workload's operations
// are tens of bytes, so a batch of MaxBatch (4096) operations is about
// 100 KiB and the cap only shapes bursts of large keys; the largest
// operation accepted (about 2 MiB: a key that long, or a commit_offsets
// of some 150 000 keys) is far beyond anything the workload sends.
func DefaultConfig() Config {
	return Config{
		Tick:              10 * time.Millisecond,
		InitLimit:         100,
		SyncLimit:         100,
		Heartbeat:         20,
		Resend:            20,
		MaxInflight:       1000,
		MaxTxnsPerMessage: 64,
		ElectionFinalize:  3,
		ElectionMaxResend: 40,
		LazyFanout:        8,
		BatchInterval:     10 * time.Millisecond,
		AckHold:           5 * time.Millisecond,
		MaxBatch:          4096,
		MaxBatchBytes:     2 << 20,
		MaxQueue:          100000,
		MaxQueueBytes:     256 << 20,
		HoldTimeout:       time.Second,
		RequestTimeout:    3500 * time.Millisecond,
		PollCap:           100,
		SnapshotEvery:     50000,
		LogLevel:          slog.LevelInfo,
		StatsInterval:     10 * time.Second,
	}
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
	fs.IntVar(&c.InitLimit, "init-limit", c.InitLimit, "ticks allowed for discovery and synchronisation")
	fs.IntVar(&c.SyncLimit, "sync-limit", c.SyncLimit, "ticks of silence after which a leader or follower gives up")
	fs.IntVar(&c.Heartbeat, "heartbeat", c.Heartbeat, "ticks between leader heartbeats")
	fs.IntVar(&c.Resend, "resend", c.Resend, "ticks without an ACK before the leader resends a follower's queue")
	fs.IntVar(&c.MaxInflight, "max-inflight", c.MaxInflight, "proposals in flight to one follower")
	fs.IntVar(&c.MaxTxnsPerMessage, "max-txns-per-message", c.MaxTxnsPerMessage, "proposals carried by one message")
	fs.IntVar(&c.MaxUncommitted, "max-uncommitted", c.MaxUncommitted, "leader proposals not yet committed (0: core default)")
	fs.IntVar(&c.ElectionFinalize, "election-finalize", c.ElectionFinalize, "ticks an election waits for a better vote after a quorum agrees")
	fs.IntVar(&c.ElectionMaxResend, "election-max-resend", c.ElectionMaxResend, "cap on the back-off between election re-broadcasts, in ticks")
	fs.IntVar(&c.LazyFanout, "lazy-fanout", c.LazyFanout, "leader paces followers: each batch goes at once to a quorum's worth, the rest within this many ticks (0: all at once)")
	fs.IntVar(&c.FanoutSpare, "fanout-spare", c.FanoutSpare, "followers beyond a quorum's need that get each batch at once (with --lazy-fanout)")
	fs.DurationVar(&c.AckHold, "ack-hold", c.AckHold, "how long a follower holds its messages after answering clients, for their next operations to ride along (at most --batch-interval; 0: none)")
	fs.DurationVar(&c.BatchInterval, "batch-interval", c.BatchInterval, "batching window for client ops and node-to-node messages (0: every loop iteration)")
	fs.IntVar(&c.MaxBatch, "max-batch", c.MaxBatch, "client operations per proposal")
	fs.IntVar(&c.MaxBatchBytes, "max-batch-bytes", c.MaxBatchBytes, "bytes per proposal or forwarded batch; a bigger operation is refused")
	fs.IntVar(&c.MaxQueue, "max-queue", c.MaxQueue, "client operations waiting to be proposed or forwarded")
	fs.IntVar(&c.MaxQueueBytes, "max-queue-bytes", c.MaxQueueBytes, "bytes of client operations waiting to be proposed or forwarded")
	fs.DurationVar(&c.HoldTimeout, "hold", c.HoldTimeout, "how long an op waits for a known leader before a definite error")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "a client request still pending at this age is answered indefinite and forgotten (keep under 5s)")
	fs.IntVar(&c.PollCap, "poll-cap", c.PollCap, "messages returned per key by one poll")
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
	positive("init-limit", c.InitLimit)
	positive("sync-limit", c.SyncLimit)
	positive("heartbeat", c.Heartbeat)
	positive("resend", c.Resend)
	positive("max-inflight", c.MaxInflight)
	positive("max-txns-per-message", c.MaxTxnsPerMessage)
	positive("election-finalize", c.ElectionFinalize)
	positive("election-max-resend", c.ElectionMaxResend)
	positive("max-batch", c.MaxBatch)
	positive("max-queue", c.MaxQueue)
	if c.MaxBatchBytes < MinBatchBytes || c.MaxBatchBytes > MaxBatchBytesLimit {
		errs = append(errs, fmt.Errorf("max-batch-bytes must be in [%d, %d], got %d", MinBatchBytes, MaxBatchBytesLimit, c.MaxBatchBytes))
	}
	if c.MaxQueueBytes < c.MaxBatchBytes {
		errs = append(errs, fmt.Errorf("max-queue-bytes must be at least max-batch-bytes (%d), got %d", c.MaxBatchBytes, c.MaxQueueBytes))
	}
	positive("poll-cap", c.PollCap)
	if c.BatchInterval < 0 {
		errs = append(errs, fmt.Errorf("batch-interval must not be negative, got %v", c.BatchInterval))
	}
	if c.LazyFanout < 0 {
		errs = append(errs, fmt.Errorf("lazy-fanout must not be negative, got %d", c.LazyFanout))
	}
	if c.FanoutSpare < 0 {
		errs = append(errs, fmt.Errorf("fanout-spare must not be negative, got %d", c.FanoutSpare))
	}
	if c.AckHold < 0 {
		errs = append(errs, fmt.Errorf("ack-hold must not be negative, got %v", c.AckHold))
	}
	if c.MaxUncommitted < 0 {
		errs = append(errs, fmt.Errorf("max-uncommitted must not be negative, got %d", c.MaxUncommitted))
	}
	if c.StatsInterval < 0 {
		errs = append(errs, fmt.Errorf("stats-interval must not be negative, got %v", c.StatsInterval))
	}
	if c.SnapshotEvery < 0 {
		errs = append(errs, fmt.Errorf("snapshot-every must not be negative, got %d", c.SnapshotEvery))
	}
	if c.RequestTimeout <= 0 || c.RequestTimeout >= 5*time.Second {
		// Maelstrom's client times out at 5 s (spec 1.7); a reply after
		// that may go to a closed client.
		errs = append(errs, fmt.Errorf("request-timeout must be in (0, 5s), got %v", c.RequestTimeout))
	}
	if c.HoldTimeout <= 0 || c.HoldTimeout >= c.RequestTimeout {
		errs = append(errs, fmt.Errorf("hold must be positive and below request-timeout, got %v", c.HoldTimeout))
	}
	return errors.Join(errs...)
}
