package zab

import (
	"errors"
	"fmt"
)

// ErrInvariant is what the core panics with (wrapped, with the details)
// when one of its own invariants is broken. That is a bug in the core,
// never the fault of its input: Step, Tick and Propose check their input
// and refuse or ignore what does not fit. As etcd raft does through its
// logger's Panicf, the core stops loudly rather than persist or send
// anything computed from corrupt state: the check runs before the Ready
// that would carry it is handed out. The caller should let the panic
// end the process (the node does: docs/running.md).
var ErrInvariant = errors.New("zab: invariant broken")

// broken logs the broken invariant at Error through the peer's logger,
// then panics with an error wrapping ErrInvariant.
func (p *Peer) broken(format string, args ...any) {
	err := fmt.Errorf("%w: %s", ErrInvariant, fmt.Sprintf(format, args...))
	p.logger.Error("invariant broken: stopping", "err", err.Error())
	panic(err)
}

// checkInvariants checks the invariants that relate the peer's positions
// and epochs, each O(1), as a Ready is handed out:
//
//   - delivered <= committed <= last: nothing is delivered that is not
//     known committed, and nothing is known committed that the log does
//     not hold (a follower takes min(leader's commit point, its last));
//   - currentEpoch <= acceptedEpoch (DSN 2011's f.a <= f.p): a peer only
//     accepts the history of an epoch it has promised.
func (p *Peer) checkInvariants() {
	if last := p.log.last(); p.delivered > p.committed || p.committed > last {
		p.broken("delivered %v <= committed %v <= last %v does not hold", p.delivered, p.committed, last)
	}
	if p.epochs.Current > p.epochs.Accepted {
		p.broken("currentEpoch %d above acceptedEpoch %d", p.epochs.Current, p.epochs.Accepted)
	}
}
