package zab

import (
	"fmt"
	"log/slog"

	"zabkafka/election"
	"zabkafka/election/quorum"
)

// Config configures a Peer. Durations are in ticks: the caller decides
// how long a tick is.
type Config struct {
	ID      PeerID   // this peer
	Peers   []PeerID // every voting peer, this one included
	Storage Storage  // durable state at start-up, and old history
	Logger  *slog.Logger

	// InitLimit bounds discovery and synchronisation, and an election that
	// has been won but not established (ZooKeeper's initLimit).
	InitLimit int
	// SyncLimit is how long a follower or leader goes without hearing from
	// the other side before it gives up (ZooKeeper's syncLimit).
	SyncLimit int
	// HeartbeatTicks is how long the leader lets a synced follower go
	// without any message before it sends a PING (pingQuiet).
	HeartbeatTicks int
	// ResendTicks is how long the leader waits for an ACK before resending
	// a follower's proposals from its last ACK (docs/differences.md); it
	// also paces re-sends of NEWLEADER and of a follower's FOLLOWERINFO
	// and ACKEPOCH.
	ResendTicks int
	// MaxInflight bounds the proposals sent to one follower and not yet
	// ACKed; beyond it proposals wait in the leader's log until ACKs
	// make room.
	MaxInflight int
	// MaxTxnsPerMessage bounds how many proposals one PROPOSAL message
	// carries. A NEWLEADER is self-contained and carries the whole sync.
	MaxTxnsPerMessage int
	// InitialCounter, when non-zero, is the counter a new leader starts
	// from instead of 0. Only tests set it (counter roll-over).
	InitialCounter uint32

	// MaxUncommitted bounds the proposals a leader holds that are not yet
	// committed; Propose returns ErrProposalDropped beyond it (a memory
	// bound while no quorum acknowledges). 0 means 8192.
	MaxUncommitted int
	// Election configures phase 0, the Fast Leader Election the peer runs
	// while LOOKING. NewPeer fills in its ID and Voters from ID and Peers:
	// leave those zero. Election.Rand is the only source of randomness
	// the core uses (resend jitter); the caller seeds it, so that a
	// simulation replays from its seed; nil means no jitter. Durations
	// left at zero default to FinalizeTicks 2, MinResendTicks 1 and
	// MaxResendTicks 4*InitLimit.
	Election election.Config

	// LazyFanoutTicks, when positive, makes the leader pace its followers
	// (lazy fan-out, fanout.go): the proposals made since the last Ready
	// go at once only to as many followers as a quorum needs (plus
	// FanoutSpare), those served least recently first; every other
	// follower gets what accumulated for it, in one message, at its next
	// turn, or LazyFanoutTicks ticks after it was last sent anything. 0
	// (the default) sends every follower everything at every Ready.
	LazyFanoutTicks int
	// FanoutSpare is how many followers beyond a quorum's need each paced
	// round reaches at once, so one slow follower does not hold up the
	// commit. Used only with LazyFanoutTicks.
	FanoutSpare int

	// TailEntries is how many recent entries the peer keeps in memory
	// beyond what it has made durable and delivered; older ones are read
	// back from Storage, and once compacted there a follower that needs
	// them is synchronised by SNAP. 0 means 4096. Tests set it small so
	// that SNAP syncs, otherwise rare, happen often.
	TailEntries int

	// MaxBytesPerMessage bounds the payload bytes (Txn.Data) one PROPOSAL
	// message carries, besides MaxTxnsPerMessage; a single larger
	// transaction still travels, alone. 0 means 16 MiB.
	MaxBytesPerMessage int

	// TestingKnobs, when non-nil, switches off chosen safety checks. Only
	// tests set it, to show that a scenario fails without the check
	// (a deliberately broken twin).
	TestingKnobs *TestingKnobs
}

// TestingKnobs are switches that deliberately break the protocol, for
// tests that prove a check is needed (the idea of CockroachDB's
// TestingKnobs). A production peer never has any set.
type TestingKnobs struct {
	// AcceptStaleSyncSessions makes a follower accept a LEADERINFO or
	// NEWLEADER of any follow attempt, and apply a NEWLEADER without
	// checking it against what it reported in ACKEPOCH: the core as it
	// was before sync sessions were bound to follow attempts
	// (docs/safety.md, "Late messages cannot replay a sync").
	AcceptStaleSyncSessions bool
}

// Defaults for Config fields left at zero. They follow ZooKeeper's sample
// configuration ratios (initLimit 10, syncLimit 5 ticks; conf/zoo_sample.cfg).
const (
	defaultInitLimit         = 10
	defaultSyncLimit         = 5
	defaultHeartbeatTicks    = 1
	defaultResendTicks       = 3
	defaultMaxInflight       = 1024
	defaultMaxTxnsPerMessage = 256
	defaultMaxUncommitted    = 8192
	defaultMaxBytesPerMsg    = 16 << 20
	defaultFinalizeTicks     = 2
	defaultMinResendTicks    = 1
)

// normalize checks cfg and fills in defaults. It returns the voters.
func normalize(cfg *Config) (quorum.Set, error) {
	if cfg.ID == 0 {
		return quorum.Set{}, fmt.Errorf("%w: ID 0 is reserved for \"no leader\"", ErrInvalidConfig)
	}
	if cfg.Storage == nil {
		return quorum.Set{}, fmt.Errorf("%w: no Storage", ErrInvalidConfig)
	}
	voters := quorum.NewSet(cfg.Peers)
	if voters.Has(0) {
		return quorum.Set{}, fmt.Errorf("%w: peer ID 0", ErrInvalidConfig)
	}
	if !voters.Has(cfg.ID) {
		return quorum.Set{}, fmt.Errorf("%w: ID %d is not among Peers", ErrInvalidConfig, cfg.ID)
	}
	if cfg.Election.ID != 0 || len(cfg.Election.Voters) > 0 {
		return quorum.Set{}, fmt.Errorf("%w: Election.ID and Election.Voters come from ID and Peers; leave them zero", ErrInvalidConfig)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.InitLimit, defaultInitLimit)
	def(&cfg.SyncLimit, defaultSyncLimit)
	def(&cfg.HeartbeatTicks, defaultHeartbeatTicks)
	def(&cfg.ResendTicks, defaultResendTicks)
	def(&cfg.MaxInflight, defaultMaxInflight)
	def(&cfg.MaxTxnsPerMessage, defaultMaxTxnsPerMessage)
	def(&cfg.MaxUncommitted, defaultMaxUncommitted)
	def(&cfg.MaxBytesPerMessage, defaultMaxBytesPerMsg)
	def(&cfg.TailEntries, defaultTailEntries)
	def(&cfg.Election.FinalizeTicks, defaultFinalizeTicks)
	def(&cfg.Election.MinResendTicks, defaultMinResendTicks)
	def(&cfg.Election.MaxResendTicks, 4*cfg.InitLimit)
	cfg.Election.ID, cfg.Election.Voters = cfg.ID, voters.IDs()
	// Pacing is off unless asked for; a negative value means off too.
	cfg.LazyFanoutTicks = max(cfg.LazyFanoutTicks, 0)
	cfg.FanoutSpare = max(cfg.FanoutSpare, 0)
	if cfg.InitialCounter >= MaxCounter {
		return quorum.Set{}, fmt.Errorf("%w: InitialCounter %#x leaves no counter to assign", ErrInvalidConfig, cfg.InitialCounter)
	}
	return voters, nil
}
