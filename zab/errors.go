package zab

import "errors"

// Errors returned by NewPeer and Step. Step returns them for input it
// refuses outright; stale or duplicate protocol messages are not errors,
// they are ignored and Step returns nil (docs/differences.md: over a
// lossy network every message may come late, twice or never).
var (
	// ErrInvalidConfig: NewPeer was given a configuration it cannot run.
	ErrInvalidConfig = errors.New("zab: invalid config")
	// ErrUnknownPeer: a message from a peer that is not a voter, from this
	// peer itself, or addressed to another peer.
	ErrUnknownPeer = errors.New("zab: message from or to an unknown peer")
	// ErrInvalidMessage: a message that is malformed (unknown type, a vote
	// message without a vote, a vote whose sender disagrees with the
	// message's).
	ErrInvalidMessage = errors.New("zab: invalid message")
)

// errStorageOrder: Storage.Entries returned entries out of order.
var errStorageOrder = errors.New("zab: storage returned entries out of order")

// Errors returned to the caller of Propose.
var (
	// ErrNotLeader: this peer is not an established leader in broadcast
	// mode; the proposal was not made and never will be.
	ErrNotLeader = errors.New("zab: not the established leader")
	// ErrProposalDropped: the leader is at its in-flight bound or is
	// stepping down (counter roll-over); the proposal was not made.
	ErrProposalDropped = errors.New("zab: proposal dropped")
)
