package zab

import "testing"

// A peer restarts over a log that was compacted behind an older snapshot
// and then given a newer snapshot before the next compaction: the first
// kept entry lies at or below the newest snapshot. Reading the log from
// zxid 0 would hit the compacted part; the history must start just before
// the first kept entry and still end at the real log end
// (docs/rules.md#a-new-role-starts-from-the-real-end-of-the-log).
func TestNewHistoryAfterPartialCompaction(t *testing.T) {
	s := &memStorage{epochs: Epochs{Accepted: 3, Current: 3}}
	for c := uint32(1); c <= 10; c++ {
		s.entries = append(s.entries, Txn{Zxid: MakeZxid(3, c)})
	}
	s.compact(s.entries, MakeZxid(3, 2))                         // log now starts at e3:c3, base e3:c2
	s.snap = &Snapshot{Zxid: MakeZxid(3, 6), Data: []byte("[]")} // newer snapshot, no compaction yet

	h, err := newHistory(s, defaultTailEntries)
	if err != nil {
		t.Fatalf("newHistory over a partly compacted log: %v", err)
	}
	if got, want := h.last(), MakeZxid(3, 10); got != want {
		t.Fatalf("last = %v, want %v", got, want)
	}
}
