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

// crashPartial builds a disk holding 1..5 synced, then the unsynced
// writes of build, and crashes it keeping keep of them.
func crashPartial(t *testing.T, build func(m *MemStore), keep int, torn bool) []uint64 {
	t.Helper()
	m := NewMemStore()
	appendSync(t, m, seq(1, 5))
	build(m)
	m.CrashPartial(keep, torn)
	got, err := m.Reopen().Entries(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return zxidsOf(got)
}

func TestMemStoreCrashPartialKeepsAPrefixOfUnsyncedAppends(t *testing.T) {
	appends := func(m *MemStore) {
		if err := m.Append(seq(6, 8)...); err != nil {
			t.Fatal(err)
		}
		if n := m.Unsynced(); n != 3 {
			t.Fatalf("Unsynced = %d, want one per appended record (3)", n)
		}
	}
	for _, tc := range []struct {
		keep int
		torn bool
		want []uint64
	}{
		{0, false, []uint64{1, 2, 3, 4, 5}},
		{2, false, []uint64{1, 2, 3, 4, 5, 6, 7}},
		{2, true, []uint64{1, 2, 3, 4, 5, 6}}, // record 7 torn: cut on open
		{3, false, []uint64{1, 2, 3, 4, 5, 6, 7, 8}},
		{9, false, []uint64{1, 2, 3, 4, 5, 6, 7, 8}}, // clamped
	} {
		if got := crashPartial(t, appends, tc.keep, tc.torn); !slices.Equal(got, tc.want) {
			t.Errorf("keep %d torn %v: %v, want %v", tc.keep, tc.torn, got, tc.want)
		}
	}
}

// An unsynced truncation followed by appends: the truncation may reach the
// disk without the appends, which leaves the log shorter than both the
// synced log and the handle's view.
func TestMemStoreCrashPartialUnsyncedTruncationThenAppends(t *testing.T) {
	trunc := func(m *MemStore) {
		if err := m.TruncateAfter(2); err != nil {
			t.Fatal(err)
		}
		if err := m.Append(Entry{Zxid: 10}, Entry{Zxid: 11}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		keep int
		torn bool
		want []uint64
	}{
		{0, false, []uint64{1, 2, 3, 4, 5}},
		{1, false, []uint64{1, 2}},
		{1, true, []uint64{1, 2}}, // a truncation is not a record: nothing to tear
		{2, false, []uint64{1, 2, 10}},
		{3, true, []uint64{1, 2, 10}},
		{3, false, []uint64{1, 2, 10, 11}},
	} {
		if got := crashPartial(t, trunc, tc.keep, tc.torn); !slices.Equal(got, tc.want) {
			t.Errorf("keep %d torn %v: %v, want %v", tc.keep, tc.torn, got, tc.want)
		}
	}
}

func TestMemStoreCrashPartialLeavesOldDurableViewsAlone(t *testing.T) {
	m := NewMemStore()
	appendSync(t, m, seq(1, 5))
	before := m.DurableLog()
	if err := m.TruncateAfter(1); err != nil {
		t.Fatal(err)
	}
	if err := m.Append(Entry{Zxid: 9}); err != nil {
		t.Fatal(err)
	}
	m.CrashPartial(2, false)
	if !slices.Equal(zxidsOf(before), []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("a durable view taken before the crash changed: %v", zxidsOf(before))
	}
	if got := zxidsOf(m.DurableLog()); !slices.Equal(got, []uint64{1, 9}) {
		t.Fatalf("durable log after the crash: %v, want [1 9]", got)
	}
	if err := m.Append(Entry{Zxid: 10}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after CrashPartial: %v, want ErrClosed", err)
	}
	if n := m.Unsynced(); n != 0 {
		t.Fatalf("a crashed handle still counts %d unsynced writes", n)
	}
}

func TestMemStoreSyncClearsUnsynced(t *testing.T) {
	m := NewMemStore()
	if err := m.Append(seq(1, 2)...); err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(); err != nil {
		t.Fatal(err)
	}
	if n := m.Unsynced(); n != 0 {
		t.Fatalf("Unsynced after Sync = %d", n)
	}
	m.CrashPartial(5, false)
	if got := m.Reopen().LastZxid(); got != 2 {
		t.Fatalf("LastZxid = %d, want 2", got)
	}
}
