package log

import (
	"fmt"
	"slices"
	"sort"
	"sync"
)

// MemStore is a Store in memory that models a disk: a durable part, which
// survives Crash, and the volatile tail of appends and truncations made
// since the last Sync, which does not. Epochs and snapshots are durable as
// soon as their call returns, as the Store contract says. The recovery
// simulation builds each peer's "disk" from one MemStore.
//
// A MemStore value is a handle on that disk. Crash and Close retire the
// handle (every later call on it returns ErrClosed, so a crashed peer
// cannot keep writing); Reopen returns a new handle on what survived.
//
// Crash loses every unsynced write. CrashPartial models the harsher,
// real behaviour of a file log: the unsynced writes reach the platter in
// the order they were made, so a power loss leaves any prefix of them,
// possibly with the last record torn (see CrashPartial).
type MemStore struct {
	disk *memDisk
	// log is this handle's view of the log: the durable log plus the
	// unsynced appends, minus the unsynced truncations. Guarded by disk.mu.
	log []Entry
	// pending are the writes made since the last Sync, in order, one per
	// appended record and one per truncation: what CrashPartial may keep
	// a prefix of. Guarded by disk.mu.
	pending []memOp
	closed  bool
}

// memOp is one unsynced write: a truncation (every entry after `after`
// goes) or one appended record.
type memOp struct {
	truncate bool
	after    uint64
	entry    Entry
}

// memDisk is what a crash leaves behind.
type memDisk struct {
	mu sync.Mutex
	// log is the log as of the last Sync. Its capacity is clipped to its
	// length, so appends through a handle never write into its array.
	log []Entry
	// base: entries with Zxid <= base may have been trimmed (Compact,
	// InstallSnapshot); every entry above it is in the log. Invariant:
	// base == 0, or snap != nil and snap.Zxid >= base.
	base     uint64
	snap     *Snapshot
	accepted uint32
	current  uint32
	attempt  uint64
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty store on a fresh simulated disk.
func NewMemStore() *MemStore {
	return &MemStore{disk: &memDisk{}}
}

// Crash simulates a power loss: everything appended or truncated since the
// last Sync is forgotten and this handle is retired. Use Reopen to get the
// peer's storage back.
func (m *MemStore) Crash() {
	m.disk.mu.Lock()
	defer m.disk.mu.Unlock()
	m.closed = true
	m.log, m.pending = nil, nil
}

// Unsynced is how many writes (appended records and truncations) were made
// through this handle since its last Sync: CrashPartial's keep ranges over
// 0..Unsynced().
func (m *MemStore) Unsynced() int {
	m.disk.mu.Lock()
	defer m.disk.mu.Unlock()
	return len(m.pending)
}

// CrashPartial simulates a power loss that leaves the first keep unsynced
// writes on the disk, in order, and loses the rest; then the handle is
// retired as by Crash. A file log writes its records and truncations in
// order but only fsync promises any of them, so after a crash any prefix
// of the unsynced writes may be there: an unsynced TruncateAfter may have
// happened while the appends after it did not, or only some of the
// appended records made it. With tornLast, the last kept write, if it is
// an appended record, is torn: a real log finds its checksum wrong on
// open and cuts it off, so that record is lost too (the torn-tail repair
// of a file log; only the tail can be torn, since the writes are in
// order). It returns how many writes survived.
//
// Keeping nothing is Crash; keeping everything is a Sync that happened
// to complete just before the power went.
func (m *MemStore) CrashPartial(keep int, tornLast bool) int {
	m.disk.mu.Lock()
	defer m.disk.mu.Unlock()
	keep = max(0, min(keep, len(m.pending)))
	if tornLast && keep > 0 && !m.pending[keep-1].truncate {
		keep--
	}
	if !m.closed && keep > 0 {
		d := m.disk
		l := slices.Clip(d.log)
		for _, op := range m.pending[:keep] {
			if op.truncate {
				l = slices.Clip(l[:firstAfter(l, op.after)])
				continue
			}
			if op.entry.Zxid > d.base {
				l = append(l, op.entry)
			}
		}
		d.log = slices.Clip(l)
	}
	m.closed = true
	m.log, m.pending = nil, nil
	return keep
}

// DurableLog is the log as a crash that keeps no unsynced write would
// leave it: the synced entries, ascending. The slice is shared with the
// disk and must not be modified; the store never changes an element it
// once returned here, so a caller may keep it to compare with a later
// one. It works on a retired handle too.
func (m *MemStore) DurableLog() []Entry {
	m.disk.mu.Lock()
	defer m.disk.mu.Unlock()
	return m.disk.log
}

// DurableSnapshot is the zxid of the durable snapshot; ok is false if
// there is none. It works on a retired handle too.
func (m *MemStore) DurableSnapshot() (zxid uint64, ok bool) {
	m.disk.mu.Lock()
	defer m.disk.mu.Unlock()
	if m.disk.snap == nil {
		return 0, false
	}
	return m.disk.snap.Zxid, true
}

// DurableEpochs are the durable acceptedEpoch and currentEpoch (Epochs,
// but also on a retired handle).
func (m *MemStore) DurableEpochs() (accepted, current uint32) {
	m.disk.mu.Lock()
	defer m.disk.mu.Unlock()
	return m.disk.accepted, m.disk.current
}

// Reopen retires this handle, if it is not already, and returns a new one
// on the same disk holding only what was durable: the synced log, the
// epochs and the snapshot. Reopen without Crash models a process restart
// that also lost the unsynced tail.
func (m *MemStore) Reopen() *MemStore {
	m.disk.mu.Lock()
	defer m.disk.mu.Unlock()
	m.closed = true
	m.log, m.pending = nil, nil
	return &MemStore{disk: m.disk, log: m.disk.log}
}

// DurableLastZxid is the zxid LastZxid would report after a crash now. The
// recovery simulation's invariant checker uses it ("an ACKed proposal is
// durable").
func (m *MemStore) DurableLastZxid() uint64 {
	m.disk.mu.Lock()
	defer m.disk.mu.Unlock()
	var last uint64
	if n := len(m.disk.log); n > 0 {
		last = m.disk.log[n-1].Zxid
	}
	return lastZxid(last, m.disk.snap)
}

// lock takes the disk lock and fails if this handle is retired. The caller
// must unlock on success.
func (m *MemStore) lock() error {
	m.disk.mu.Lock()
	if m.closed {
		m.disk.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// lastEntry is the zxid of the handle's last entry, 0 if none.
func (m *MemStore) lastEntry() uint64 {
	if n := len(m.log); n > 0 {
		return m.log[n-1].Zxid
	}
	return 0
}

// Append implements Store. It copies the data, so the caller keeps
// ownership of its slices.
func (m *MemStore) Append(entries ...Entry) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.disk.mu.Unlock()
	if err := checkAppend(lastZxid(m.lastEntry(), m.disk.snap), entries); err != nil {
		return err
	}
	for _, e := range entries {
		c := Entry{Zxid: e.Zxid, Data: slices.Clone(e.Data)}
		m.log = append(m.log, c)
		m.pending = append(m.pending, memOp{entry: c})
	}
	return nil
}

// TruncateAfter implements Store.
func (m *MemStore) TruncateAfter(zxid uint64) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.disk.mu.Unlock()
	d := m.disk
	if zxid >= lastZxid(m.lastEntry(), d.snap) {
		return nil
	}
	if zxid < d.base {
		return fmt.Errorf("%w: truncate after %#x, log starts after %#x", ErrCompacted, zxid, d.base)
	}
	if d.snap != nil && d.snap.Zxid > zxid {
		if d.base != 0 {
			return fmt.Errorf("%w: truncate after %#x drops snapshot %#x, the log before it is trimmed", ErrCompacted, zxid, d.snap.Zxid)
		}
		d.snap = nil // ZOOKEEPER-1549: a newer snapshot would resurrect the cut entries
	}
	m.pending = append(m.pending, memOp{truncate: true, after: zxid})
	n := firstAfter(m.log, zxid)
	if n < len(d.log) {
		// The cut reaches into the synced part, whose array d.log shares:
		// clip so that the next append copies instead of overwriting it.
		m.log = m.log[:n:n]
	} else {
		m.log = m.log[:n]
	}
	return nil
}

// Sync implements Store: the handle's log becomes the durable log.
func (m *MemStore) Sync() error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.disk.mu.Unlock()
	m.disk.log = slices.Clip(m.log)
	m.pending = m.pending[:0]
	return nil
}

// LastZxid implements Store. It returns 0 on a retired handle.
func (m *MemStore) LastZxid() uint64 {
	if m.lock() != nil {
		return 0
	}
	defer m.disk.mu.Unlock()
	return lastZxid(m.lastEntry(), m.disk.snap)
}

// FirstZxid implements Store. It returns 0 on a retired handle.
func (m *MemStore) FirstZxid() uint64 {
	if m.lock() != nil {
		return 0
	}
	defer m.disk.mu.Unlock()
	if len(m.log) == 0 {
		return 0
	}
	return m.log[0].Zxid
}

// Entries implements Store.
func (m *MemStore) Entries(after uint64, max int) ([]Entry, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.disk.mu.Unlock()
	if after < m.disk.base {
		return nil, fmt.Errorf("%w: entries after %#x, log starts after %#x", ErrCompacted, after, m.disk.base)
	}
	rest := m.log[firstAfter(m.log, after):]
	if max > 0 && len(rest) > max {
		rest = rest[:max]
	}
	return slices.Clone(rest), nil
}

// Epochs implements Store. It returns zeros on a retired handle.
func (m *MemStore) Epochs() (accepted, current uint32) {
	if m.lock() != nil {
		return 0, 0
	}
	defer m.disk.mu.Unlock()
	return m.disk.accepted, m.disk.current
}

// SetEpochs implements Store.
func (m *MemStore) SetEpochs(accepted, current uint32) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.disk.mu.Unlock()
	if err := checkEpochs(m.disk.accepted, m.disk.current, accepted, current); err != nil {
		return err
	}
	m.disk.accepted, m.disk.current = accepted, current
	return nil
}

// FollowAttempt implements Store. It returns 0 on a retired handle.
func (m *MemStore) FollowAttempt() uint64 {
	if m.lock() != nil {
		return 0
	}
	defer m.disk.mu.Unlock()
	return m.disk.attempt
}

// SetFollowAttempt implements Store; like the epochs, it is durable at
// once.
func (m *MemStore) SetFollowAttempt(n uint64) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.disk.mu.Unlock()
	if err := checkFollowAttempt(m.disk.attempt, n); err != nil {
		return err
	}
	m.disk.attempt = n
	return nil
}

// Snapshot implements Store.
func (m *MemStore) Snapshot() (Snapshot, bool) {
	if m.lock() != nil {
		return Snapshot{}, false
	}
	defer m.disk.mu.Unlock()
	if m.disk.snap == nil {
		return Snapshot{}, false
	}
	return *m.disk.snap, true
}

// InstallSnapshot implements Store: snapshot, durable log and volatile log
// are replaced together.
func (m *MemStore) InstallSnapshot(s Snapshot) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.disk.mu.Unlock()
	if err := checkSnapshotSize(s); err != nil {
		return err
	}
	d := m.disk
	d.snap = &Snapshot{Zxid: s.Zxid, Data: slices.Clone(s.Data)}
	d.log, m.log, m.pending = nil, nil, nil
	d.base = s.Zxid
	return nil
}

// SaveSnapshot implements Store.
func (m *MemStore) SaveSnapshot(s Snapshot) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.disk.mu.Unlock()
	if err := checkSaveSnapshot(m.disk.snap, lastZxid(m.lastEntry(), m.disk.snap), s); err != nil {
		return err
	}
	m.disk.snap = &Snapshot{Zxid: s.Zxid, Data: slices.Clone(s.Data)}
	return nil
}

// Compact implements Store. It trims exactly the entries <= upTo, from the
// volatile and the durable log alike.
func (m *MemStore) Compact(upTo uint64) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.disk.mu.Unlock()
	d := m.disk
	if err := checkCompact(d.snap, upTo); err != nil {
		return err
	}
	if upTo <= d.base {
		return nil
	}
	// Copy the kept part so the trimmed entries can be collected.
	m.log = slices.Clone(m.log[firstAfter(m.log, upTo):])
	d.log = slices.Clip(d.log[firstAfter(d.log, upTo):])
	d.base = upTo
	return nil
}

// Close implements Store. It does not sync: a reopened handle sees only
// what was synced.
func (m *MemStore) Close() error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.disk.mu.Unlock()
	m.closed = true
	m.log, m.pending = nil, nil
	return nil
}

// firstAfter is the index of the first entry of es with Zxid > zxid.
func firstAfter(es []Entry, zxid uint64) int {
	return sort.Search(len(es), func(i int) bool { return es[i].Zxid > zxid })
}
