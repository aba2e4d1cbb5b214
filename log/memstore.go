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
type MemStore struct {
	disk *memDisk
	// log is this handle's view of the log: the durable log plus the
	// unsynced appends, minus the unsynced truncations. Guarded by disk.mu.
	log    []Entry
	closed bool
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
	m.log = nil
}

// Reopen retires this handle, if it is not already, and returns a new one
// on the same disk holding only what was durable: the synced log, the
// epochs and the snapshot. Reopen without Crash models a process restart
// that also lost the unsynced tail.
func (m *MemStore) Reopen() *MemStore {
	m.disk.mu.Lock()
	defer m.disk.mu.Unlock()
	m.closed = true
	m.log = nil
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
		m.log = append(m.log, Entry{Zxid: e.Zxid, Data: slices.Clone(e.Data)})
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
	d.log, m.log = nil, nil
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
	m.log = nil
	return nil
}

// firstAfter is the index of the first entry of es with Zxid > zxid.
func firstAfter(es []Entry, zxid uint64) int {
	return sort.Search(len(es), func(i int) bool { return es[i].Zxid > zxid })
}
