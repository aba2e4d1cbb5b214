package log

import (
	"errors"
	"slices"
	"testing"
)

// MemStore-specific behaviour the conformance suite cannot demand of every
// store: exactly the unsynced part is lost, and a crashed handle is dead.

func TestMemStoreCrashLosesExactlyTheUnsyncedTail(t *testing.T) {
	m := NewMemStore()
	appendSync(t, m, seq(1, 3))
	if err := m.Append(seq(4, 5)...); err != nil {
		t.Fatal(err)
	}
	if got := m.DurableLastZxid(); got != 3 {
		t.Fatalf("DurableLastZxid = %d, want 3", got)
	}
	m.Crash()
	r := m.Reopen()
	got, _ := r.Entries(0, 0)
	if !slices.Equal(zxidsOf(got), []uint64{1, 2, 3}) {
		t.Fatalf("after crash: %v, want [1 2 3]", zxidsOf(got))
	}
}

func TestMemStoreUnsyncedTruncationIsUndoneByCrash(t *testing.T) {
	m := NewMemStore()
	appendSync(t, m, seq(1, 5))
	if err := m.TruncateAfter(2); err != nil {
		t.Fatal(err)
	}
	if got := m.DurableLastZxid(); got != 5 {
		t.Fatalf("DurableLastZxid after an unsynced truncation = %d, want 5", got)
	}
	m.Crash()
	r := m.Reopen()
	if got := r.LastZxid(); got != 5 {
		t.Fatalf("LastZxid after crash = %d, want the synced 5", got)
	}
}

func TestMemStoreCrashedHandleRefusesWrites(t *testing.T) {
	// A crashed peer's leftover goroutine must not reach the new disk.
	m := NewMemStore()
	m.Crash()
	if err := m.Append(seq(1, 1)...); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append on a crashed handle: %v", err)
	}
	r := m.Reopen()
	if err := r.Append(seq(1, 1)...); err != nil {
		t.Fatalf("Append on the reopened handle: %v", err)
	}
	if err := m.Sync(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Sync on the old handle: %v", err)
	}
}

func TestMemStoreReopenRetiresLiveHandle(t *testing.T) {
	m := NewMemStore()
	appendSync(t, m, seq(1, 2))
	r := m.Reopen()
	if err := m.Append(seq(3, 3)...); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append on the retired handle: %v", err)
	}
	if got := r.LastZxid(); got != 2 {
		t.Fatalf("LastZxid on the new handle = %d", got)
	}
}

func TestMemStoreCompactTrimsDurableLogToo(t *testing.T) {
	m := NewMemStore()
	appendSync(t, m, seq(1, 6))
	if err := m.SaveSnapshot(Snapshot{Zxid: 4}); err != nil {
		t.Fatal(err)
	}
	if err := m.Compact(4); err != nil {
		t.Fatal(err)
	}
	m.Crash()
	r := m.Reopen()
	if f := r.FirstZxid(); f != 5 {
		t.Fatalf("FirstZxid after crash = %d, want 5", f)
	}
	if _, err := r.Entries(3, 0); !errors.Is(err, ErrCompacted) {
		t.Fatalf("Entries below the compaction: %v", err)
	}
}
