package sim

import (
	"log/slog"

	"zabkafka/zab"
)

// Config describes a World.
type Config struct {
	// Seed drives every random choice of the run.
	Seed int64
	// Peers is the number of voting peers, with ids 1..Peers.
	Peers int
	// TickEvery is how many time units make one tick (default 10).
	TickEvery int64
	// Net is the network's behaviour (default: 1..TickEvery units of
	// delay, no loss, no duplication).
	Net NetConfig
	// Zab is the template of every peer's configuration; ID, Peers,
	// Storage, Rand and Logger are filled in by the World. Zero timings
	// take the core's defaults.
	Zab zab.Config
	// Tune, if set, adjusts one peer's configuration before each
	// (re)start, e.g. to give a leader an InitialCounter near the limit.
	Tune func(id zab.PeerID, c *zab.Config)
	// SnapshotEvery is how many deliveries a peer applies between
	// snapshots of its state (SaveSnapshot then Compact); 0: never.
	SnapshotEvery int
	// RetainEntries is how many applied entries Compact keeps behind a
	// snapshot, so that a slightly lagging follower still gets a DIFF.
	RetainEntries int
	// NoCheck turns the invariant checker off (benchmarks).
	NoCheck bool
	// KeepTrace keeps every trace event, not just the recent ones.
	KeepTrace bool
	// Logger receives the peers' logs; nil discards them.
	Logger *slog.Logger
	// Disk is how a crash treats each peer's unsynced writes (default:
	// all of them are lost).
	Disk DiskConfig
	// Faults deliberately break the Ready contract, to prove that a
	// scenario can see the bug it guards against.
	Faults Faults
}

// DiskConfig is the crash model of the simulated disks.
type DiskConfig struct {
	// PartialCrash makes a crash keep a prefix of the peer's unsynced
	// writes, its length drawn uniformly from none to all
	// (log.MemStore.CrashPartial), instead of losing them all. A file log
	// writes in order but promises nothing before fsync: a crash may
	// leave some of the appended records, or an unsynced truncation
	// without the appends that followed it. Zab may rely on nothing it
	// has not synced, and must survive whatever part of it did reach the
	// disk; losing everything unsynced is only the kindest case.
	PartialCrash bool
	// Torn is the probability that the last record a partial crash keeps
	// is torn, and so cut off when the log is opened again.
	Torn float64
}

// Faults are deliberate violations of the Ready handling contract
// (zab/ready.go). A correct run sets none of them.
type Faults struct {
	// EpochsBeforeHistory writes Ready.Epochs before the snapshot,
	// truncation, appends and sync of the same Ready: the ordering of
	// ZOOKEEPER-4643.
	EpochsBeforeHistory bool
	// SendBeforeSync sends Ready.Messages before the appends are synced:
	// an ACK that vouches for a write a crash can still lose
	// (ZOOKEEPER-3911, ZOOKEEPER-4646).
	SendBeforeSync bool
}

func (c *Config) fillDefaults() {
	if c.Peers <= 0 {
		c.Peers = 3
	}
	if c.TickEvery <= 0 {
		c.TickEvery = 10
	}
	if c.Net.MaxDelay <= 0 {
		c.Net.MinDelay, c.Net.MaxDelay = 1, c.TickEvery
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}
