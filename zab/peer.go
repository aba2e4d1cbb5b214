package zab

import (
	"fmt"
	"log/slog"

	"zabkafka/election"
	"zabkafka/election/quorum"
)

// Peer is one Zab participant as a deterministic state machine: inputs
// are messages (Step), logical time (Tick) and proposals (Propose);
// outputs are collected in a Ready the caller handles and then Advances.
// It does no I/O, reads no clock and starts no goroutine; it is not safe
// for concurrent use.
type Peer struct {
	cfg    Config
	id     PeerID
	voters quorum.Set // every loop over peers runs in its ascending order
	logger *slog.Logger

	role   Role
	phase  Phase
	leader PeerID // the leader followed or this peer when leading; 0 while looking
	now    int64  // ticks since NewPeer

	// epochs are the latest epoch values, including a write still in the
	// Ready under construction. Invariant: Current <= Accepted.
	epochs Epochs
	log    *history
	// committed is the highest zxid known committed that this peer's log
	// holds. Invariant: delivered <= committed <= log.last().
	committed Zxid
	// delivered is the highest zxid handed to the caller (in
	// Ready.Committed or as a Ready.Snapshot).
	delivered Zxid

	elector *election.Elector
	// decidedRound is the election round the current role came from.
	decidedRound uint64

	fol  *follower    // non-nil while following
	lead *leaderState // non-nil while leading

	// attempt is the number of the latest attempt to follow a leader,
	// durable or queued for writing in the Ready under construction. Each
	// following takes the next one (becomeFollower).
	attempt uint64
	// acked is the highest zxid this peer has acknowledged (ACK or
	// ACKNEWLEADER) to the leader of acked.epoch in this incarnation. A
	// sync from that leader never cuts below it (checkNewLeader).
	acked struct {
		epoch Epoch
		zxid  Zxid
	}

	draft    readyDraft    // the Ready under construction (ready.go)
	fetched  []readyRecord // Readies handed out and not yet Advanced, oldest first
	lastSoft Status        // the soft state last reported in a Ready
}

// NewPeer creates a peer over the durable state in cfg.Storage. It starts
// LOOKING: its first Ready holds its first election notifications. A
// restarted peer delivers nothing until it is synchronised with a leader;
// its committed point starts at its snapshot's zxid.
func NewPeer(cfg Config) (*Peer, error) {
	voters, err := normalize(&cfg)
	if err != nil {
		return nil, err
	}
	h, err := newHistory(cfg.Storage, cfg.TailEntries)
	if err != nil {
		return nil, fmt.Errorf("zab: reading storage: %w", err)
	}
	p := &Peer{
		cfg:     cfg,
		id:      cfg.ID,
		voters:  voters,
		logger:  cfg.Logger.With("peer", uint64(cfg.ID)),
		epochs:  cfg.Storage.Epochs(),
		log:     h,
		attempt: cfg.Storage.FollowAttempt(),
	}
	// QuorumPeer.loadDataBase refuses to start on these; so do we.
	if p.epochs.Current > p.epochs.Accepted {
		return nil, fmt.Errorf("%w: storage has currentEpoch %d > acceptedEpoch %d",
			ErrInvalidConfig, p.epochs.Current, p.epochs.Accepted)
	}
	// ZooKeeper refuses a log whose last epoch is above currentEpoch. We bound
	// it by acceptedEpoch instead: a follower two or more epochs behind syncs
	// older-epoch history durably before it may write currentEpoch
	// (docs/rules.md#entries-of-the-new-epoch-after-currentepoch), so a crash
	// between the two legally leaves, say, an epoch-7 entry under currentEpoch
	// 6 (ZOOKEEPER-2354). Such a peer is safe to restart: it votes with its old
	// currentEpoch, so it loses every election to the quorum that established
	// the newer epoch (that quorum wrote currentEpoch before acking,
	// ZOOKEEPER-4643;
	// docs/safety.md#4-currentepoch-is-written-only-after-the-synced-history-is-durable).
	if last := h.last(); last.Epoch() > p.epochs.Accepted {
		return nil, fmt.Errorf("%w: storage has last zxid %v beyond acceptedEpoch %d",
			ErrInvalidConfig, last, p.epochs.Accepted)
	}
	if snap, ok := cfg.Storage.Snapshot(); ok {
		p.committed, p.delivered = snap.Zxid, snap.Zxid
	}
	p.elector = election.New(cfg.Election)
	p.logger.Info("starting", "epochs", fmt.Sprintf("%d/%d", p.epochs.Accepted, p.epochs.Current),
		"last", h.last().String(), "committed", p.committed.String(), "peers", voters.Len())
	p.lastSoft = Status{Role: RoleLeading} // differs from anything real: the first Ready reports
	p.becomeLooking("start")
	return p, nil
}

// Step handles one message from another peer. Stale, duplicate and
// out-of-place messages are ignored (nil); a message from an unknown
// sender or a malformed one returns an error. Step never panics.
func (p *Peer) Step(m Message) error {
	if m.To != p.id || m.From == p.id || !p.voters.Has(m.From) {
		return fmt.Errorf("%w: %v from %d to %d", ErrUnknownPeer, m.Type, m.From, m.To)
	}
	switch m.Type {
	case MsgVote:
		return p.stepVote(m)
	case MsgFollowerInfo, MsgAckEpoch, MsgAckNewLeader, MsgAck:
		if p.lead != nil {
			p.stepLeader(m)
		}
	case MsgLeaderInfo, MsgNewLeader, MsgUpToDate, MsgProposal, MsgCommit, MsgPing:
		if p.fol != nil && m.From == p.fol.leader {
			p.stepFollower(m)
		}
	default:
		return fmt.Errorf("%w: type %d", ErrInvalidMessage, m.Type)
	}
	return nil
}

// Tick advances logical time by one unit: election re-sends, timeouts,
// heartbeats and retransmissions are all counted in ticks.
func (p *Peer) Tick() {
	p.now++
	switch p.role {
	case RoleLooking:
		p.tickElection()
	case RoleFollowing:
		p.tickFollower()
	case RoleLeading:
		p.tickLeader()
	}
}

// Status returns the peer's volatile state.
func (p *Peer) Status() Status {
	return Status{
		ID:        p.id,
		Role:      p.role,
		Phase:     p.phase,
		Leader:    p.leader,
		Epochs:    p.epochs,
		LastZxid:  p.log.last(),
		Committed: p.delivered,
	}
}

// CommitPoint returns the highest zxid this peer knows committed. It runs
// ahead of Status().Committed, what has been delivered, from the input
// that moves it until the next Ready delivers up to it.
func (p *Peer) CommitPoint() Zxid { return p.committed }

// Contact returns a mark of the newest sign of life this peer has
// counted from peer id: on a follower, for its leader, the newest stamp
// it received (the leader's tick when it sent it); on a leader, for a
// follower of the current epoch, the newest of its stamps the follower
// echoed. Otherwise, and before any, -1. The mark changes exactly when
// a fresh message from id arrives, or when the role or epoch changes;
// a late copy of an old message does not change it, so a caller that
// notes the time of each change knows when id was last heard from
// (node/fresh.go bounds the staleness of reads with it).
func (p *Peer) Contact(id PeerID) int64 {
	switch {
	case p.fol != nil && id == p.fol.leader:
		return p.fol.stamp
	case p.lead != nil:
		if l := p.lead.learners[id]; l != nil {
			return l.lastHeard
		}
	}
	return -1
}

// knobs returns the testing knobs, all off unless a test set them.
func (p *Peer) knobs() TestingKnobs {
	if k := p.cfg.TestingKnobs; k != nil {
		return *k
	}
	return TestingKnobs{}
}

// becomeLooking leaves any role and starts a new election round. Whatever
// the old role had outstanding is dropped (no writer of the old role
// survives, ZOOKEEPER-4712); the vote carries the real end of the log,
// entries waiting in the Ready under construction included, because those
// are durable before the vote is sent (ZOOKEEPER-2845;
// docs/rules.md#a-new-role-starts-from-the-real-end-of-the-log).
func (p *Peer) becomeLooking(reason string) {
	if p.role != RoleLooking || p.fol != nil || p.lead != nil {
		p.logger.Info("going LOOKING", "reason", reason, "from", p.role.String(),
			"epoch", uint32(p.epochs.Current), "last", p.log.last().String())
	}
	p.role, p.phase, p.leader = RoleLooking, PhaseElection, 0
	p.fol, p.lead = nil, nil
	p.sendVotes(p.elector.Start(p.initialVote()))
	p.checkElection()
}
