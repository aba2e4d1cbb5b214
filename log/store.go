package log

import (
	"errors"
	"fmt"
)

// Entry is one transaction in the log: its zxid and the opaque payload (a
// batch of client ops, see EncodeBatch). A real entry never has zxid 0.
type Entry struct {
	Zxid uint64
	Data []byte
}

// Snapshot is the applied state of every transaction up to and including
// Zxid, serialized by the state machine (Kafka.Snapshot). It serves SNAP
// synchronisation and lets the log drop the entries it covers.
type Snapshot struct {
	Zxid uint64
	Data []byte
}

// Store is everything one peer keeps durably: the transaction log, the two
// epochs, and the latest snapshot. Implementations: *MemStore and
// *FileStore. Both are safe for concurrent use, although the node drives
// them from one goroutine.
//
// Slices handed to a Store are copied or written out before the call
// returns, so the caller may reuse them. Slices a Store returns (entry and
// snapshot data) are shared with the store and must not be modified.
//
// After any write fails with an I/O error, the store is broken: every later
// call returns that error. The caller must stop rather than send anything
// that vouches for the failed write
// (docs/rules.md#a-failed-write-stops-the-peer).
type Store interface {
	// Append adds entries at the end of the log. Their zxids must be
	// non-zero, strictly increasing and above LastZxid(); otherwise
	// nothing is appended and the error wraps ErrOutOfOrder. The entries
	// are durable only after the next Sync.
	Append(entries ...Entry) error
	// TruncateAfter drops every entry with Zxid > zxid, and the snapshot
	// too if it is newer than zxid (ZOOKEEPER-1549). The cut is durable
	// after the next Sync; dropping the snapshot is durable on return. If
	// the cut needs history this store has already discarded (it falls
	// below the start of the log, or would drop a snapshot the log has
	// been trimmed behind), nothing changes and the error wraps
	// ErrCompacted: only a SNAP can repair the peer then.
	TruncateAfter(zxid uint64) error
	// Sync makes every earlier Append and TruncateAfter durable (fsync).
	Sync() error
	// LastZxid is the last entry's zxid, or the snapshot's zxid if no
	// entry follows it, or 0 if the store is empty.
	LastZxid() uint64
	// FirstZxid is the zxid of the first entry still in the log, 0 if the
	// log is empty. Entries at or below the snapshot's zxid may have been
	// trimmed (Compact, InstallSnapshot).
	FirstZxid() uint64
	// Entries returns the entries with Zxid > after, ascending, at most
	// max of them (max <= 0: all). If some of them have been trimmed the
	// error wraps ErrCompacted; the caller must send a snapshot instead.
	Entries(after uint64, max int) ([]Entry, error)
	// Epochs returns the durable acceptedEpoch and currentEpoch
	// (docs/glossary.md); both are 0 in a new store.
	Epochs() (accepted, current uint32)
	// SetEpochs stores both epochs, durable on return. It refuses, with
	// ErrEpochs, a current epoch above the accepted one and any epoch
	// that would move backwards: Zab never lowers either.
	SetEpochs(accepted, current uint32) error
	// FollowAttempt returns the number of the peer's last attempt to
	// follow a leader (0 in a new store). The core names every attempt
	// with a number it never used before, even across restarts, so that
	// a leader's reply to an earlier attempt can be told from a reply to
	// this one (docs/safety.md#late-messages-cannot-replay-a-sync).
	FollowAttempt() uint64
	// SetFollowAttempt stores n, durable on return. It refuses, with
	// ErrEpochs, an n that is not above the stored one: an attempt
	// number is never reused.
	SetFollowAttempt(n uint64) error
	// Snapshot returns the latest snapshot, if any.
	Snapshot() (Snapshot, bool)
	// InstallSnapshot replaces the state and the whole log with s, durable
	// on return: the log is empty afterwards and continues after s.Zxid.
	// Doing both in one step is what keeps a stale log suffix from
	// outliving a SNAP (ZOOKEEPER-2832). s.Zxid may be below LastZxid().
	InstallSnapshot(s Snapshot) error
	// SaveSnapshot stores s as the latest snapshot, durable on return. The
	// caller promises that s.Zxid is committed and applied; log entries
	// up to s.Zxid may then be trimmed with Compact. s.Zxid must lie
	// between the current snapshot's zxid and LastZxid() (ErrSnapshotRange).
	SaveSnapshot(s Snapshot) error
	// Compact trims entries with Zxid <= upTo. It refuses, with
	// ErrNotCovered, to trim anything the snapshot does not cover. A
	// store may keep some covered entries (a file store trims whole
	// segments only); Entries and FirstZxid reflect what it kept.
	Compact(upTo uint64) error
	// Close releases the store. It does not Sync: what was not synced may
	// be lost. Every later call returns ErrClosed.
	Close() error
}

// Errors a Store returns. Each is wrapped with details; test with
// errors.Is.
var (
	// ErrOutOfOrder: an appended zxid is zero, not increasing, or not
	// above LastZxid().
	ErrOutOfOrder = errors.New("log: zxid out of order")
	// ErrCompacted: the requested history was trimmed behind a snapshot.
	ErrCompacted = errors.New("log: history compacted")
	// ErrNotCovered: Compact asked to trim entries no snapshot covers.
	ErrNotCovered = errors.New("log: not covered by a snapshot")
	// ErrSnapshotRange: SaveSnapshot's zxid is older than the current
	// snapshot or newer than the log.
	ErrSnapshotRange = errors.New("log: snapshot zxid out of range")
	// ErrEpochs: SetEpochs would break current <= accepted or lower an
	// epoch, or SetFollowAttempt would not raise the attempt number.
	ErrEpochs = errors.New("log: invalid epochs")
	// ErrTooLarge: an entry or snapshot exceeds the size a record can hold.
	ErrTooLarge = errors.New("log: record too large")
	// ErrCorrupt: a file the store cannot repair failed its checks. A
	// FileStore wraps it in a *CorruptError naming the file and byte.
	ErrCorrupt = errors.New("log: corrupt data")
	// ErrClosed: the store was closed (or crashed, for a MemStore).
	ErrClosed = errors.New("log: store closed")
)

// checkAppend reports whether entries may follow a log whose last zxid is
// last: every zxid non-zero and strictly above its predecessor.
func checkAppend(last uint64, entries []Entry) error {
	prev := last
	for i, e := range entries {
		if e.Zxid == 0 || e.Zxid <= prev {
			return fmt.Errorf("%w: entry %d has zxid %#x, after %#x", ErrOutOfOrder, i, e.Zxid, prev)
		}
		if len(e.Data) > MaxEntrySize {
			return fmt.Errorf("%w: entry %#x has %d bytes, limit %d", ErrTooLarge, e.Zxid, len(e.Data), MaxEntrySize)
		}
		prev = e.Zxid
	}
	return nil
}

// checkEpochs enforces currentEpoch <= acceptedEpoch and that neither
// epoch moves backwards (docs/rules.md#currentepoch-never-above-acceptedepoch).
func checkEpochs(oldAccepted, oldCurrent, accepted, current uint32) error {
	switch {
	case current > accepted:
		return fmt.Errorf("%w: current %d above accepted %d", ErrEpochs, current, accepted)
	case accepted < oldAccepted:
		return fmt.Errorf("%w: accepted %d below stored %d", ErrEpochs, accepted, oldAccepted)
	case current < oldCurrent:
		return fmt.Errorf("%w: current %d below stored %d", ErrEpochs, current, oldCurrent)
	}
	return nil
}

// checkFollowAttempt enforces that attempt numbers only grow.
func checkFollowAttempt(old, n uint64) error {
	if n <= old {
		return fmt.Errorf("%w: follow attempt %d not above stored %d", ErrEpochs, n, old)
	}
	return nil
}

// checkSaveSnapshot enforces that a saved snapshot neither goes back behind
// the current one nor claims state beyond the log.
func checkSaveSnapshot(cur *Snapshot, last uint64, s Snapshot) error {
	if cur != nil && s.Zxid < cur.Zxid {
		return fmt.Errorf("%w: %#x is older than the current snapshot %#x", ErrSnapshotRange, s.Zxid, cur.Zxid)
	}
	if s.Zxid > last {
		return fmt.Errorf("%w: %#x is beyond the last zxid %#x (use InstallSnapshot)", ErrSnapshotRange, s.Zxid, last)
	}
	return checkSnapshotSize(s)
}

// checkSnapshotSize bounds a snapshot so that its file can be read back.
func checkSnapshotSize(s Snapshot) error {
	if len(s.Data) > MaxSnapshotSize {
		return fmt.Errorf("%w: snapshot has %d bytes, limit %d", ErrTooLarge, len(s.Data), MaxSnapshotSize)
	}
	return nil
}

// checkCompact enforces that only what the snapshot covers is trimmed.
func checkCompact(snap *Snapshot, upTo uint64) error {
	if snap == nil || snap.Zxid < upTo {
		have := uint64(0)
		if snap != nil {
			have = snap.Zxid
		}
		return fmt.Errorf("%w: compact up to %#x, snapshot at %#x", ErrNotCovered, upTo, have)
	}
	return nil
}

// lastZxid combines the log's last entry and the snapshot as LastZxid
// defines it.
func lastZxid(lastEntry uint64, snap *Snapshot) uint64 {
	if snap != nil && snap.Zxid > lastEntry {
		return snap.Zxid
	}
	return lastEntry
}

// Size limits. They keep a corrupted length field from making a reader
// allocate gigabytes, and they bound what one Append or snapshot may hold.
const (
	// MaxEntrySize is the largest Entry.Data a store accepts.
	MaxEntrySize = 64 << 20
	// MaxSnapshotSize is the largest Snapshot.Data a store accepts.
	MaxSnapshotSize = 1 << 30
)
