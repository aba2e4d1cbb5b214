package election

import "zabkafka/election/quorum"

// Config configures an Elector. Durations are in ticks; the caller decides
// how long a tick is.
type Config struct {
	// ID is this peer. It should be one of Voters: a peer outside Voters
	// can never be elected, and its own vote is not counted.
	ID quorum.PeerID
	// Voters are the voting members, this peer included. Duplicates are
	// ignored. Notifications from anyone else, or naming anyone else as
	// leader, are dropped (FastLeaderElection.validVoter).
	Voters []quorum.PeerID
	// FinalizeTicks is how long a peer whose proposal has a quorum waits
	// for a better vote before deciding (finalizeWait, 200 ms in
	// ZooKeeper). 0 decides as soon as the quorum is seen; negative is 0.
	FinalizeTicks int
	// MinResendTicks and MaxResendTicks bound the re-broadcast interval of
	// an undecided peer: it starts at MinResendTicks and doubles up to
	// MaxResendTicks (minNotificationInterval / maxNotificationInterval,
	// 200 ms and 60 s in ZooKeeper). MinResendTicks below 1 is 1;
	// MaxResendTicks below MinResendTicks is MinResendTicks.
	MinResendTicks, MaxResendTicks int
	// Rand spreads resends: each wait gets up to half of itself added at
	// random, so that peers that start together do not stay in lockstep.
	// nil means no jitter.
	Rand interface{ Intn(int) int }
}

// normalized returns c with out-of-range durations replaced as the field
// comments describe.
func (c Config) normalized() Config {
	if c.FinalizeTicks < 0 {
		c.FinalizeTicks = 0
	}
	if c.MinResendTicks < 1 {
		c.MinResendTicks = 1
	}
	if c.MaxResendTicks < c.MinResendTicks {
		c.MaxResendTicks = c.MinResendTicks
	}
	return c
}
