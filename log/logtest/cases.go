package logtest

import (
	"bytes"
	"testing"

	zlog "zabkafka/log"
)

// cases are the deterministic conformance scenarios, one rule each.
var cases = []testCase{
	{"EmptyStore", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		wantLast(t, s, 0)
		if f := s.FirstZxid(); f != 0 {
			t.Fatalf("FirstZxid = %x, want 0", f)
		}
		wantEntries(t, s, 0, 0, nil)
		if a, c := s.Epochs(); a != 0 || c != 0 {
			t.Fatalf("Epochs = %d,%d, want 0,0", a, c)
		}
		if _, ok := s.Snapshot(); ok {
			t.Fatal("empty store has a snapshot")
		}
		must(t, s.Sync(), "Sync on empty store")
		return s
	}},

	{"AppendAndRead", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		// Zxids are sparse and cross an epoch, as after a leader change.
		all := ents(zx(1, 1), zx(1, 2), zx(1, 5), zx(2, 1), zx(2, 2))
		must(t, s.Append(all[:2]...), "Append")
		must(t, s.Append(all[2:]...), "Append")
		wantLast(t, s, zx(2, 2))
		if f := s.FirstZxid(); f != zx(1, 1) {
			t.Fatalf("FirstZxid = %x, want %x", f, zx(1, 1))
		}
		wantEntries(t, s, 0, 0, all)
		wantEntries(t, s, 0, -1, all)
		wantEntries(t, s, 0, 2, all[:2])
		wantEntries(t, s, zx(1, 2), 0, all[2:])
		wantEntries(t, s, zx(1, 3), 0, all[2:]) // between two zxids
		wantEntries(t, s, zx(1, 5), 1, all[3:4])
		wantEntries(t, s, zx(2, 2), 0, nil)
		wantEntries(t, s, zx(9, 9), 0, nil)
		must(t, s.Append(), "empty Append")
		wantLast(t, s, zx(2, 2))
		return s
	}},

	{"AppendEmptyData", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(zlog.Entry{Zxid: 1}, zlog.Entry{Zxid: 2, Data: []byte{}}), "Append")
		must(t, s.Sync(), "Sync")
		s = h.Crash(t, s)
		wantEntries(t, s, 0, 0, []zlog.Entry{{Zxid: 1}, {Zxid: 2}})
		return s
	}},

	{"AppendRejectsOutOfOrder", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(5, 6)...), "Append")
		for _, bad := range [][]zlog.Entry{
			ents(6),       // equal to last
			ents(4),       // below last
			ents(7, 7),    // repeated inside the batch
			ents(8, 7),    // decreasing inside the batch
			ents(9, 0),    // zero zxid
			{{Zxid: 0}},   // zero zxid alone
			ents(7, 8, 3), // valid prefix, bad tail: nothing may be appended
		} {
			mustErr(t, s.Append(bad...), zlog.ErrOutOfOrder, "Append "+describe(bad))
		}
		wantEntries(t, s, 0, 0, ents(5, 6))
		return s
	}},

	{"AppendRejectsOversizedEntry", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		big := zlog.Entry{Zxid: 1, Data: make([]byte, zlog.MaxEntrySize+1)}
		mustErr(t, s.Append(big), zlog.ErrTooLarge, "Append oversized")
		wantLast(t, s, 0)
		return s
	}},

	{"AppendCopiesCallerData", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		data := []byte("original")
		must(t, s.Append(zlog.Entry{Zxid: 1, Data: data}), "Append")
		copy(data, "CHANGED!")
		got, err := s.Entries(0, 0)
		must(t, err, "Entries")
		if string(got[0].Data) != "original" {
			t.Fatalf("store kept the caller's slice: %q", got[0].Data)
		}
		return s
	}},

	{"TruncateAfter", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(1, 2, 3, 4, 5)...), "Append")
		must(t, s.TruncateAfter(9), "TruncateAfter beyond the end")
		wantEntries(t, s, 0, 0, ents(1, 2, 3, 4, 5))
		must(t, s.TruncateAfter(3), "TruncateAfter(3)")
		wantLast(t, s, 3)
		wantEntries(t, s, 0, 0, ents(1, 2, 3))
		// The log continues after the cut; zxids below the old end are
		// fine again (a new leader's history replaces the dropped tail).
		must(t, s.Append(ents(4, zx(2, 1))...), "Append after truncation")
		wantEntries(t, s, 0, 0, ents(1, 2, 3, 4, zx(2, 1)))
		must(t, s.TruncateAfter(0), "TruncateAfter(0)")
		wantLast(t, s, 0)
		wantEntries(t, s, 0, 0, nil)
		if f := s.FirstZxid(); f != 0 {
			t.Fatalf("FirstZxid after truncating everything = %x", f)
		}
		return s
	}},

	{"TruncateBetweenZxids", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(10, 20, 30)...), "Append")
		must(t, s.TruncateAfter(25), "TruncateAfter(25)")
		wantEntries(t, s, 0, 0, ents(10, 20))
		wantLast(t, s, 20)
		return s
	}},

	{"TruncateDurableAfterSync", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(1, 2, 3, 4)...), "Append")
		must(t, s.Sync(), "Sync")
		must(t, s.TruncateAfter(2), "TruncateAfter")
		must(t, s.Append(ents(zx(1, 1), zx(1, 2))...), "Append")
		must(t, s.Sync(), "Sync")
		s = h.Crash(t, s)
		wantEntries(t, s, 0, 0, ents(1, 2, zx(1, 1), zx(1, 2)))
		return s
	}},

	{"TruncateDropsNewerSnapshot", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		// ZOOKEEPER-1549: a snapshot beyond the cut must go with the cut,
		// durably, or it resurrects the truncated entries after a restart.
		must(t, s.Append(ents(1, 2, 3, 4, 5)...), "Append")
		must(t, s.Sync(), "Sync")
		must(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 4, Data: []byte("s4")}), "SaveSnapshot")
		must(t, s.TruncateAfter(2), "TruncateAfter")
		if _, ok := s.Snapshot(); ok {
			t.Fatal("snapshot newer than the cut survived TruncateAfter")
		}
		wantLast(t, s, 2)
		must(t, s.Sync(), "Sync")
		s = h.Crash(t, s)
		if _, ok := s.Snapshot(); ok {
			t.Fatal("snapshot newer than the cut came back after a crash")
		}
		wantEntries(t, s, 0, 0, ents(1, 2))
		return s
	}},

	{"TruncateKeepsOlderSnapshot", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(1, 2, 3, 4, 5)...), "Append")
		must(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 2, Data: []byte("s2")}), "SaveSnapshot")
		must(t, s.TruncateAfter(3), "TruncateAfter")
		snap, ok := s.Snapshot()
		if !ok || snap.Zxid != 2 || string(snap.Data) != "s2" {
			t.Fatalf("Snapshot = %+v, %v; want zxid 2", snap, ok)
		}
		must(t, s.TruncateAfter(2), "TruncateAfter at the snapshot")
		if _, ok := s.Snapshot(); !ok {
			t.Fatal("TruncateAfter at the snapshot's zxid dropped it")
		}
		wantLast(t, s, 2)
		return s
	}},

	{"TruncateBelowInstalledSnapshot", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		// After a SNAP the history before the snapshot is gone: a cut
		// below it cannot be honoured, and nothing may change.
		must(t, s.InstallSnapshot(zlog.Snapshot{Zxid: 100, Data: []byte("s")}), "InstallSnapshot")
		must(t, s.Append(ents(101, 102, 103, 104)...), "Append")
		mustErr(t, s.TruncateAfter(50), zlog.ErrCompacted, "TruncateAfter below the snapshot")
		must(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 103, Data: []byte("s103")}), "SaveSnapshot")
		mustErr(t, s.TruncateAfter(102), zlog.ErrCompacted, "TruncateAfter dropping a snapshot over a trimmed log")
		wantEntries(t, s, 100, 0, ents(101, 102, 103, 104))
		if snap, _ := s.Snapshot(); snap.Zxid != 103 {
			t.Fatalf("snapshot changed by a refused TruncateAfter: %x", snap.Zxid)
		}
		must(t, s.TruncateAfter(103), "TruncateAfter above the snapshot")
		wantEntries(t, s, 100, 0, ents(101, 102, 103))
		return s
	}},

	{"UnsyncedTruncateThenAppendThenCrash", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		// The new tail must not overwrite the synced one in place: until
		// the next Sync a crash must find either the old log or the new.
		must(t, s.Append(ents(1, 2, 3, 4)...), "Append")
		must(t, s.Sync(), "Sync")
		must(t, s.TruncateAfter(2), "TruncateAfter")
		must(t, s.Append(ents(zx(1, 1))...), "Append")
		s = h.Crash(t, s)
		got, err := s.Entries(0, 0)
		must(t, err, "Entries")
		if !equalEntries(got, ents(1, 2, 3, 4)) && !equalEntries(got, ents(1, 2, zx(1, 1))) {
			t.Fatalf("after crash Entries = %s, want the old log or the new one", describe(got))
		}
		return s
	}},

	{"SyncedEntriesSurviveCrash", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(1, 2, 3)...), "Append")
		must(t, s.Sync(), "Sync")
		must(t, s.Append(ents(4, 5)...), "Append")
		s = h.Crash(t, s)
		got, err := s.Entries(0, 0)
		must(t, err, "Entries")
		// 4 and 5 were never synced: they may or may not be there.
		if !equalEntries(got, ents(1, 2, 3)) && !equalEntries(got, ents(1, 2, 3, 4, 5)) {
			t.Fatalf("after crash Entries = %s, want [1 2 3] or [1 2 3 4 5]", describe(got))
		}
		// The reopened store takes appends after what it kept.
		next := s.LastZxid() + 1
		must(t, s.Append(ents(next)...), "Append after crash")
		must(t, s.Sync(), "Sync")
		s = h.Crash(t, s)
		wantLast(t, s, next)
		return s
	}},

	{"Epochs", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.SetEpochs(3, 2), "SetEpochs(3,2)")
		mustErr(t, s.SetEpochs(3, 4), zlog.ErrEpochs, "current above accepted")
		mustErr(t, s.SetEpochs(2, 2), zlog.ErrEpochs, "accepted moving back")
		mustErr(t, s.SetEpochs(3, 1), zlog.ErrEpochs, "current moving back")
		must(t, s.SetEpochs(3, 2), "SetEpochs unchanged")
		must(t, s.SetEpochs(4, 3), "SetEpochs(4,3)")
		// Durable on return: no Sync before the crash.
		s = h.Crash(t, s)
		if a, c := s.Epochs(); a != 4 || c != 3 {
			t.Fatalf("after crash Epochs = %d,%d, want 4,3", a, c)
		}
		return s
	}},

	{"FollowAttempt", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		if n := s.FollowAttempt(); n != 0 {
			t.Fatalf("new store FollowAttempt = %d, want 0", n)
		}
		must(t, s.SetEpochs(2, 1), "SetEpochs(2,1)")
		must(t, s.SetFollowAttempt(5), "SetFollowAttempt(5)")
		mustErr(t, s.SetFollowAttempt(5), zlog.ErrEpochs, "attempt reused")
		mustErr(t, s.SetFollowAttempt(4), zlog.ErrEpochs, "attempt moving back")
		must(t, s.SetEpochs(3, 2), "SetEpochs(3,2)")
		// Durable on return, and neither write undoes the other.
		s = h.Crash(t, s)
		if n := s.FollowAttempt(); n != 5 {
			t.Fatalf("after crash FollowAttempt = %d, want 5", n)
		}
		if a, c := s.Epochs(); a != 3 || c != 2 {
			t.Fatalf("after crash Epochs = %d,%d, want 3,2", a, c)
		}
		must(t, s.SetFollowAttempt(6), "SetFollowAttempt(6)")
		return s
	}},

	{"SaveSnapshot", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(1, 2, 3)...), "Append")
		mustErr(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 4}), zlog.ErrSnapshotRange, "snapshot beyond the log")
		data := []byte("state@2")
		must(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 2, Data: data}), "SaveSnapshot(2)")
		copy(data, "XXXXXXX")
		mustErr(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 1}), zlog.ErrSnapshotRange, "snapshot going back")
		must(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 2, Data: []byte("again@2")}), "SaveSnapshot same zxid")
		// Durable on return, and it does not touch the log.
		s = h.Crash(t, s)
		snap, ok := s.Snapshot()
		if !ok || snap.Zxid != 2 || string(snap.Data) != "again@2" {
			t.Fatalf("after crash Snapshot = %+v, %v", snap, ok)
		}
		return s
	}},

	{"InstallSnapshotReplacesLog", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		// ZOOKEEPER-2832: after a SNAP no entry of the old log may remain,
		// even ones above the snapshot's zxid, even after a crash.
		must(t, s.Append(ents(zx(1, 1), zx(1, 2), zx(1, 3), zx(1, 4))...), "Append")
		must(t, s.Sync(), "Sync")
		must(t, s.InstallSnapshot(zlog.Snapshot{Zxid: zx(1, 2), Data: []byte("leader state")}), "InstallSnapshot")
		check := func(s zlog.Store) {
			t.Helper()
			wantLast(t, s, zx(1, 2))
			if f := s.FirstZxid(); f != 0 {
				t.Fatalf("FirstZxid after install = %x, want 0", f)
			}
			wantEntries(t, s, zx(1, 2), 0, nil)
			_, err := s.Entries(zx(1, 1), 0)
			mustErr(t, err, zlog.ErrCompacted, "Entries before the installed snapshot")
			snap, ok := s.Snapshot()
			if !ok || snap.Zxid != zx(1, 2) || string(snap.Data) != "leader state" {
				t.Fatalf("Snapshot = %+v, %v", snap, ok)
			}
		}
		check(s)
		s = h.Crash(t, s)
		check(s)
		mustErr(t, s.Append(ents(zx(1, 2))...), zlog.ErrOutOfOrder, "Append at the snapshot zxid")
		must(t, s.Append(ents(zx(2, 1))...), "Append after install")
		must(t, s.Sync(), "Sync")
		s = h.Crash(t, s)
		wantEntries(t, s, zx(1, 2), 0, ents(zx(2, 1)))
		return s
	}},

	{"InstallSnapshotBehindLog", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(5, 6, 7)...), "Append")
		must(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 6}), "SaveSnapshot")
		must(t, s.InstallSnapshot(zlog.Snapshot{Zxid: 3, Data: []byte("older")}), "InstallSnapshot")
		wantLast(t, s, 3)
		wantEntries(t, s, 3, 0, nil)
		must(t, s.Append(ents(4)...), "Append")
		wantEntries(t, s, 3, 0, ents(4))
		return s
	}},

	{"Compact", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(1, 2, 3, 4, 5, 6)...), "Append")
		must(t, s.Sync(), "Sync")
		mustErr(t, s.Compact(2), zlog.ErrNotCovered, "Compact without a snapshot")
		must(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 4}), "SaveSnapshot")
		mustErr(t, s.Compact(5), zlog.ErrNotCovered, "Compact beyond the snapshot")
		must(t, s.Compact(4), "Compact(4)")
		check := func(s zlog.Store) {
			t.Helper()
			wantEntries(t, s, 4, 0, ents(5, 6))
			if f := s.FirstZxid(); f == 0 || f > 5 {
				t.Fatalf("FirstZxid after compaction = %x, want in [1, 5]", f)
			}
			wantLast(t, s, 6)
			// Older entries may or may not be kept; if asked for, they
			// come back complete or the store says they are gone.
			if got, err := s.Entries(0, 0); err == nil {
				if !equalEntries(got, ents(1, 2, 3, 4, 5, 6)) {
					t.Fatalf("Entries(0) after compaction = %s", describe(got))
				}
			} else {
				mustErr(t, err, zlog.ErrCompacted, "Entries(0) after compaction")
			}
		}
		check(s)
		must(t, s.Compact(1), "Compact below a previous compaction")
		check(s)
		s = h.Crash(t, s)
		check(s)
		return s
	}},

	{"CompactEverything", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(1, 2, 3)...), "Append")
		must(t, s.Sync(), "Sync")
		must(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 3, Data: []byte("s3")}), "SaveSnapshot")
		must(t, s.Compact(3), "Compact(3)")
		wantLast(t, s, 3)
		wantEntries(t, s, 3, 0, nil)
		must(t, s.Append(ents(4)...), "Append after compacting everything")
		must(t, s.Sync(), "Sync")
		s = h.Crash(t, s)
		wantEntries(t, s, 3, 0, ents(4))
		wantLast(t, s, 4)
		return s
	}},

	{"ReturnedDataIsStable", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(1, 2)...), "Append")
		got, err := s.Entries(0, 0)
		must(t, err, "Entries")
		// Later writes must not change what an earlier read returned.
		must(t, s.TruncateAfter(0), "TruncateAfter")
		must(t, s.Append(zlog.Entry{Zxid: 1, Data: []byte("other")}), "Append")
		if !equalEntries(got, ents(1, 2)) {
			t.Fatalf("earlier read changed to %s", describe(got))
		}
		if !bytes.Equal(got[0].Data, []byte("d1")) {
			t.Fatalf("earlier read's data changed to %q", got[0].Data)
		}
		return s
	}},

	{"ClosedStoreRefusesUse", func(t *testing.T, h Harness, s zlog.Store) zlog.Store {
		must(t, s.Append(ents(1)...), "Append")
		must(t, s.Close(), "Close")
		mustErr(t, s.Close(), zlog.ErrClosed, "second Close")
		mustErr(t, s.Append(ents(2)...), zlog.ErrClosed, "Append")
		mustErr(t, s.Sync(), zlog.ErrClosed, "Sync")
		mustErr(t, s.TruncateAfter(0), zlog.ErrClosed, "TruncateAfter")
		mustErr(t, s.SetEpochs(1, 1), zlog.ErrClosed, "SetEpochs")
		mustErr(t, s.SetFollowAttempt(1), zlog.ErrClosed, "SetFollowAttempt")
		mustErr(t, s.SaveSnapshot(zlog.Snapshot{Zxid: 1}), zlog.ErrClosed, "SaveSnapshot")
		mustErr(t, s.InstallSnapshot(zlog.Snapshot{Zxid: 1}), zlog.ErrClosed, "InstallSnapshot")
		mustErr(t, s.Compact(1), zlog.ErrClosed, "Compact")
		_, err := s.Entries(0, 0)
		mustErr(t, err, zlog.ErrClosed, "Entries")
		if s.LastZxid() != 0 || s.FirstZxid() != 0 {
			t.Fatal("closed store reports zxids")
		}
		if _, ok := s.Snapshot(); ok {
			t.Fatal("closed store reports a snapshot")
		}
		return s
	}},
}
