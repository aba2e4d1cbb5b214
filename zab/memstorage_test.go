package zab

import (
	"encoding/json"
	"errors"
	"sort"
)

// memStorage is a test Storage that carries out steps 1-5 of the Ready
// contract itself. Everything it holds is durable: a crash in these tests
// is "drop the Peer, keep the memStorage" (the full crash model with an
// unsynced tail lives in tests/sim).
type memStorage struct {
	epochs  Epochs
	entries []Txn
	snap    *Snapshot
	// base: entries at or below it may have been trimmed; reading after
	// a point below it fails, as log.Store's Entries does (ErrCompacted).
	base Zxid
	// attempt is the durable follow-attempt number.
	attempt uint64
}

var errTestCompacted = errors.New("memStorage: history compacted")

func (s *memStorage) Epochs() Epochs { return s.epochs }

func (s *memStorage) FollowAttempt() uint64 { return s.attempt }

func (s *memStorage) LastZxid() Zxid {
	if n := len(s.entries); n > 0 {
		return s.entries[n-1].Zxid
	}
	if s.snap != nil {
		return s.snap.Zxid
	}
	return 0
}

func (s *memStorage) FirstZxid() Zxid {
	if len(s.entries) > 0 {
		return s.entries[0].Zxid
	}
	return 0
}

func (s *memStorage) Entries(after Zxid, max int) ([]Txn, error) {
	if after < s.base {
		return nil, errTestCompacted
	}
	i := sort.Search(len(s.entries), func(i int) bool { return s.entries[i].Zxid > after })
	rest := s.entries[i:]
	if max > 0 && len(rest) > max {
		rest = rest[:max]
	}
	return append([]Txn(nil), rest...), nil
}

func (s *memStorage) Snapshot() (Snapshot, bool) {
	if s.snap == nil {
		return Snapshot{}, false
	}
	return *s.snap, true
}

// persist applies steps 1-5 of rd.
func (s *memStorage) persist(rd Ready) {
	if rd.Snapshot != nil {
		snap := *rd.Snapshot
		s.snap = &snap
		s.entries = nil
		s.base = snap.Zxid
	}
	if rd.Truncate {
		i := sort.Search(len(s.entries), func(i int) bool { return s.entries[i].Zxid > rd.TruncateAfter })
		s.entries = s.entries[:i:i]
	}
	s.entries = append(s.entries, rd.Append...)
	if rd.Epochs != nil {
		s.epochs = *rd.Epochs
	}
	if rd.FollowAttempt != 0 {
		if rd.FollowAttempt <= s.attempt {
			panic("memStorage: follow attempt reused")
		}
		s.attempt = rd.FollowAttempt
	}
}

// compact saves a snapshot of state (the applied txns up to z) and drops
// the log up to z, as a caller may do.
func (s *memStorage) compact(applied []Txn, z Zxid) {
	var upTo []Txn
	for _, t := range applied {
		if t.Zxid <= z {
			upTo = append(upTo, t)
		}
	}
	data, _ := json.Marshal(upTo)
	s.snap = &Snapshot{Zxid: z, Data: data}
	i := sort.Search(len(s.entries), func(i int) bool { return s.entries[i].Zxid > z })
	s.entries = append([]Txn(nil), s.entries[i:]...)
	s.base = z
}

// clone copies s (for a crash that keeps the disk).
func (s *memStorage) clone() *memStorage {
	c := &memStorage{epochs: s.epochs, entries: append([]Txn(nil), s.entries...), base: s.base, attempt: s.attempt}
	if s.snap != nil {
		snap := *s.snap
		c.snap = &snap
	}
	return c
}
