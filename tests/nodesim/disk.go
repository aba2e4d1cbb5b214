package nodesim

import (
	"errors"
	"fmt"

	"zabkafka/log"
	"zabkafka/tests/invariants"
	"zabkafka/zab"
)

// disk is one node's simulated disk across its runs: a log.MemStore,
// whose current handle the running process writes through a store.
type disk struct {
	h   *host
	mem *log.MemStore
	// crashed: the process died at a write of its current run
	// (Plan.WriteCrash); crashNote says where and what survived.
	crashed   bool
	crashNote string
}

func newDisk(h *host) *disk { return &disk{h: h, mem: log.NewMemStore()} }

// open returns the store a new run of the process writes through: a
// fresh handle on what survived the last run.
func (d *disk) open() *store {
	d.mem = d.mem.Reopen()
	d.crashed, d.crashNote = false, ""
	return &store{d: d, mem: d.mem}
}

// crash is a power loss now: the unsynced writes are lost, or, with
// Plan.PartialCrash, a random prefix of them survives, the last record
// possibly torn. The handle is retired: every later call on it fails.
func (d *disk) crash() string {
	s := d.h.s
	unsynced := d.mem.Unsynced()
	// Draw both numbers whatever the plan, so that the plan does not
	// shift later draws.
	keep, torn := s.diskRng.IntN(unsynced+1), s.diskRng.Float64() < s.plan.Torn
	note := fmt.Sprintf("disk lost all %d unsynced writes", unsynced)
	kept := 0
	if s.plan.PartialCrash {
		kept = d.mem.CrashPartial(keep, torn)
		note = fmt.Sprintf("disk kept %d of %d unsynced writes", kept, unsynced)
		if torn && kept < keep {
			note += " (last one torn)"
			s.stats.TornRecords++
		}
	} else {
		d.mem.Crash()
	}
	s.stats.UnsyncedKept += kept
	s.stats.UnsyncedLost += unsynced - kept
	d.observe()
	return note
}

// observe shows the invariant checker what the disk now holds durably
// (invariants.Checker.Disk: no durable log ever loses a committed
// entry).
func (d *disk) observe() {
	acc, cur := d.mem.DurableEpochs()
	snap, _ := d.mem.DurableSnapshot()
	d.h.s.noteViolation(d.h.s.inv.Disk(d.h.id, invariants.DiskState{
		Epochs:   zab.Epochs{Accepted: zab.Epoch(acc), Current: zab.Epoch(cur)},
		Snapshot: zab.Zxid(snap),
		Log:      d.mem.DurableLog(),
	}))
}

// errCrashed is what the write that crashed the process returns; the
// process is dead by then, and nothing it does afterwards leaves it.
var errCrashed = errors.New("simulated crash")

// store is the log.Store one run of a node writes through. It forwards
// to its MemStore handle, shows every durable write to the invariant
// checker, and can kill the process at any write (Plan.WriteCrash): the
// write does not happen, the disk crashes, and the host throws away what
// the process wrote to stdout from then on.
type store struct {
	d   *disk
	mem *log.MemStore
}

var _ log.Store = (*store)(nil)

// point is a crash point: before each write, the process may die.
func (st *store) point(what string) error {
	d := st.d
	if d.crashed || d.mem != st.mem {
		return errCrashed
	}
	s := d.h.s
	if s.writeCrash <= 0 || s.diskRng.Float64() >= s.writeCrash {
		return nil
	}
	d.h.crashMark = d.h.out.Len()
	d.crashed = true
	d.crashNote = "at " + what + ": " + d.crash()
	s.stats.WriteCrashes++
	if s.afterWriteCrash != nil {
		s.afterWriteCrash(d.h)
	}
	return errCrashed
}

// Append implements log.Store.
func (st *store) Append(entries ...log.Entry) error {
	if err := st.point("append"); err != nil {
		return err
	}
	return st.mem.Append(entries...)
}

// TruncateAfter implements log.Store; dropping a snapshot is durable at
// once.
func (st *store) TruncateAfter(zxid uint64) error {
	if err := st.point("truncate"); err != nil {
		return err
	}
	err := st.mem.TruncateAfter(zxid)
	st.d.observe()
	return err
}

// Sync implements log.Store (a no-op under Faults.NoSync).
func (st *store) Sync() error {
	if err := st.point("sync"); err != nil {
		return err
	}
	if st.d.h.s.opts.Faults.NoSync {
		return nil
	}
	err := st.mem.Sync()
	st.d.observe()
	return err
}

// SetEpochs implements log.Store.
func (st *store) SetEpochs(accepted, current uint32) error {
	if err := st.point("epochs"); err != nil {
		return err
	}
	err := st.mem.SetEpochs(accepted, current)
	st.d.observe()
	return err
}

// SetFollowAttempt implements log.Store.
func (st *store) SetFollowAttempt(n uint64) error {
	if err := st.point("follow attempt"); err != nil {
		return err
	}
	return st.mem.SetFollowAttempt(n)
}

// InstallSnapshot implements log.Store.
func (st *store) InstallSnapshot(snap log.Snapshot) error {
	if err := st.point("install snapshot"); err != nil {
		return err
	}
	err := st.mem.InstallSnapshot(snap)
	if err == nil {
		st.d.h.s.stats.SnapInstalls++
	}
	st.d.observe()
	return err
}

// SaveSnapshot implements log.Store.
func (st *store) SaveSnapshot(snap log.Snapshot) error {
	if err := st.point("save snapshot"); err != nil {
		return err
	}
	err := st.mem.SaveSnapshot(snap)
	st.d.observe()
	return err
}

// Compact implements log.Store.
func (st *store) Compact(upTo uint64) error {
	if err := st.point("compact"); err != nil {
		return err
	}
	err := st.mem.Compact(upTo)
	st.d.observe()
	return err
}

// Close implements log.Store.
func (st *store) Close() error { return st.mem.Close() }

// LastZxid implements log.Store.
func (st *store) LastZxid() uint64 { return st.mem.LastZxid() }

// FirstZxid implements log.Store.
func (st *store) FirstZxid() uint64 { return st.mem.FirstZxid() }

// Entries implements log.Store.
func (st *store) Entries(after uint64, max int) ([]log.Entry, error) {
	return st.mem.Entries(after, max)
}

// Epochs implements log.Store.
func (st *store) Epochs() (accepted, current uint32) { return st.mem.Epochs() }

// FollowAttempt implements log.Store.
func (st *store) FollowAttempt() uint64 { return st.mem.FollowAttempt() }

// Snapshot implements log.Store.
func (st *store) Snapshot() (log.Snapshot, bool) { return st.mem.Snapshot() }
