package zab

import (
	"fmt"
	"log/slog"
	"sort"
)

// Defaults for Config fields left at zero. They follow ZooKeeper's sample
// configuration ratios (initLimit 10, syncLimit 5 ticks; zab-reference
// Appendix B).
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

// normalize checks cfg and fills in defaults. It returns the voters,
// ascending and without duplicates.
func normalize(cfg *Config) ([]PeerID, error) {
	if cfg.ID == 0 {
		return nil, fmt.Errorf("%w: ID 0 is reserved for \"no leader\"", ErrInvalidConfig)
	}
	if cfg.Storage == nil {
		return nil, fmt.Errorf("%w: no Storage", ErrInvalidConfig)
	}
	voters := append([]PeerID(nil), cfg.Peers...)
	sort.Slice(voters, func(i, j int) bool { return voters[i] < voters[j] })
	uniq := voters[:0]
	self := false
	for i, id := range voters {
		if id == 0 {
			return nil, fmt.Errorf("%w: peer ID 0", ErrInvalidConfig)
		}
		if i > 0 && id == voters[i-1] {
			continue
		}
		self = self || id == cfg.ID
		uniq = append(uniq, id)
	}
	if !self {
		return nil, fmt.Errorf("%w: ID %d is not among Peers", ErrInvalidConfig, cfg.ID)
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
	def(&cfg.ElectionFinalizeTicks, defaultFinalizeTicks)
	def(&cfg.ElectionMinResendTicks, defaultMinResendTicks)
	def(&cfg.ElectionMaxResendTicks, 4*cfg.InitLimit)
	// Pacing is off unless asked for; a negative value means off too.
	cfg.LazyFanoutTicks = max(cfg.LazyFanoutTicks, 0)
	cfg.FanoutSpare = max(cfg.FanoutSpare, 0)
	if cfg.InitialCounter >= MaxCounter {
		return nil, fmt.Errorf("%w: InitialCounter %#x leaves no counter to assign", ErrInvalidConfig, cfg.InitialCounter)
	}
	return uniq, nil
}
