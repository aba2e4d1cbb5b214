// Package zabstore connects the zab core to a log.Store. It is the one
// place that carries out the durable half of the Ready contract (zab
// ready.go, steps 1-5), so the node and the recovery simulation persist in
// exactly the same order.
//
// The two packages keep their own types on purpose: package log knows
// nothing of the protocol, and zab/ does no I/O. This adapter, the one
// package under log/ that knows the core, converts between zab.Zxid and
// zab.Txn and the plain numbers of log/. It lives beside the log, as
// etcd's write-ahead log knows raft's entry types and raft knows no
// write-ahead log: the core stays free of storage, and both the node and
// tests/sim reach it without going through the node.
package zabstore

import (
	"fmt"

	"zabkafka/log"
	"zabkafka/zab"
)

// view is the read-only zab.Storage over a log.Store.
type view struct{ s log.Store }

// New returns the core's read-only view of s.
func New(s log.Store) zab.Storage { return view{s} }

// Epochs implements zab.Storage.
func (v view) Epochs() zab.Epochs {
	a, c := v.s.Epochs()
	return zab.Epochs{Accepted: zab.Epoch(a), Current: zab.Epoch(c)}
}

// FollowAttempt implements zab.Storage.
func (v view) FollowAttempt() uint64 { return v.s.FollowAttempt() }

// LastZxid implements zab.Storage.
func (v view) LastZxid() zab.Zxid { return zab.Zxid(v.s.LastZxid()) }

// FirstZxid implements zab.Storage.
func (v view) FirstZxid() zab.Zxid { return zab.Zxid(v.s.FirstZxid()) }

// Entries implements zab.Storage, converting log.Entry to zab.Txn (the
// data is shared, not copied).
func (v view) Entries(after zab.Zxid, max int) ([]zab.Txn, error) {
	es, err := v.s.Entries(uint64(after), max)
	if err != nil {
		return nil, err
	}
	txns := make([]zab.Txn, len(es))
	for i, e := range es {
		txns[i] = zab.Txn{Zxid: zab.Zxid(e.Zxid), Data: e.Data}
	}
	return txns, nil
}

// Snapshot implements zab.Storage.
func (v view) Snapshot() (zab.Snapshot, bool) {
	s, ok := v.s.Snapshot()
	if !ok {
		return zab.Snapshot{}, false
	}
	return zab.Snapshot{Zxid: zab.Zxid(s.Zxid), Data: s.Data}, true
}

// Persist carries out steps 1-5 of the Ready contract on s, in order:
// install the snapshot, truncate, append, sync, write the epochs and
// the follow attempt. Only
// after it returns nil may the caller send rd.Messages: each ACK,
// ACKEPOCH and NEWLEADER ack among them vouches for what was written here
// (docs/safety.md). The one exception is a Ready that says SendFirst: a
// leader's proposals, which vouch for nothing and may go before. An error is a storage failure; the
// caller must stop (fail-stop) rather than send
// (docs/rules.md#a-failed-write-stops-the-peer).
func Persist(s log.Store, rd *zab.Ready) error {
	if rd.Snapshot != nil {
		snap := log.Snapshot{Zxid: uint64(rd.Snapshot.Zxid), Data: rd.Snapshot.Data}
		if err := s.InstallSnapshot(snap); err != nil {
			return fmt.Errorf("install snapshot %v: %w", rd.Snapshot.Zxid, err)
		}
	}
	if rd.Truncate {
		if err := s.TruncateAfter(uint64(rd.TruncateAfter)); err != nil {
			return fmt.Errorf("truncate after %v: %w", rd.TruncateAfter, err)
		}
	}
	if len(rd.Append) > 0 {
		entries := make([]log.Entry, len(rd.Append))
		for i, t := range rd.Append {
			entries[i] = log.Entry{Zxid: uint64(t.Zxid), Data: t.Data}
		}
		if err := s.Append(entries...); err != nil {
			return fmt.Errorf("append %v..%v: %w", rd.Append[0].Zxid, rd.Append[len(rd.Append)-1].Zxid, err)
		}
	}
	if rd.MustSync {
		if err := s.Sync(); err != nil {
			return fmt.Errorf("sync: %w", err)
		}
	}
	if rd.Epochs != nil {
		if err := s.SetEpochs(uint32(rd.Epochs.Accepted), uint32(rd.Epochs.Current)); err != nil {
			return fmt.Errorf("write epochs %+v: %w", *rd.Epochs, err)
		}
	}
	if rd.FollowAttempt != 0 {
		if err := s.SetFollowAttempt(rd.FollowAttempt); err != nil {
			return fmt.Errorf("write follow attempt %d: %w", rd.FollowAttempt, err)
		}
	}
	return nil
}
