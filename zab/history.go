package zab

import "sort"

// EpochEnd is the last zxid a log holds in one epoch. A list of them, one
// per epoch in ascending order, is a log's "epoch boundary list"
// (docs/logs.md): by the prefix property it pins down where two logs
// diverge without comparing entries.
type EpochEnd struct {
	Epoch Epoch
	Last  Zxid
}

// history is the peer's view of its own log: the durable part read
// through Storage, plus an in-memory tail of entries that are recent or
// not yet durable (written in a Ready that has not been Advanced). It
// mirrors etcd raft's raftLog = stable Storage + unstable tail.
//
// Invariants: floor <= memStart; every tail entry is > memStart, tail is
// ascending; stable <= last().
type history struct {
	storage Storage

	// floor: nothing at or below it can be read as an entry; set by a
	// snapshot installed during this incarnation (the old log is gone).
	floor Zxid
	// memStart: entries in (floor, memStart] are read from storage (they
	// are durable); entries above it are in tail.
	memStart Zxid
	tail     []Txn

	// stable is the highest zxid known durable: every entry up to it has
	// been written in a Ready the caller has Advanced.
	stable Zxid

	// ends is the epoch boundary list of the log (and of the snapshot it
	// starts from), kept incrementally.
	ends []EpochEnd

	// maxTail: once the tail is twice this long, trim keeps this many.
	maxTail int
}

// defaultTailEntries bounds how many durable, delivered entries the tail
// keeps before it drops the oldest (they stay readable from storage):
// Config.TailEntries.
const defaultTailEntries = 4096

// storageReadChunk bounds one Storage.Entries call.
const storageReadChunk = 1024

// newHistory loads the view of s at start-up: the last zxid and the epoch
// boundary list (read once from the whole retained log). The tail keeps
// maxTail entries once it has grown to twice that (trim).
func newHistory(s Storage, maxTail int) (*history, error) {
	h := &history{storage: s, maxTail: maxTail}
	h.memStart = s.LastZxid()
	h.stable = h.memStart
	// Read the log from just before its first kept entry. Entries at or
	// below the compaction point are gone (Storage.Entries refuses to read
	// from there), and what they held is in the snapshot. The log can hold
	// entries at or below the snapshot's zxid (a newer snapshot saved
	// before the next compaction), so the snapshot alone does not say where
	// reading may start.
	after := Zxid(0)
	snap, hasSnap := s.Snapshot()
	if first := s.FirstZxid(); first > 0 {
		after = first - 1
	} else if hasSnap {
		after = snap.Zxid
	}
	for {
		es, err := s.Entries(after, storageReadChunk)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.Zxid <= after {
				return nil, errStorageOrder
			}
			h.noteEnd(e.Zxid)
			after = e.Zxid
		}
	}
	if hasSnap && snap.Zxid > 0 {
		h.insertEnd(snap.Zxid)
	}
	return h, nil
}

// last is the zxid of the last entry (durable or pending), or the
// snapshot's zxid when the log after it is empty.
func (h *history) last() Zxid {
	if n := len(h.tail); n > 0 {
		return h.tail[n-1].Zxid
	}
	return h.memStart
}

// noteEnd records z, appended at the end of the log, in the boundary list.
func (h *history) noteEnd(z Zxid) {
	if n := len(h.ends); n > 0 && h.ends[n-1].Epoch == z.Epoch() {
		h.ends[n-1].Last = z
		return
	}
	h.ends = append(h.ends, EpochEnd{Epoch: z.Epoch(), Last: z})
}

// insertEnd records z (a snapshot point) wherever it falls in the list.
func (h *history) insertEnd(z Zxid) {
	i := sort.Search(len(h.ends), func(i int) bool { return h.ends[i].Epoch >= z.Epoch() })
	if i < len(h.ends) && h.ends[i].Epoch == z.Epoch() {
		if h.ends[i].Last < z {
			h.ends[i].Last = z
		}
		return
	}
	h.ends = append(h.ends, EpochEnd{})
	copy(h.ends[i+1:], h.ends[i:])
	h.ends[i] = EpochEnd{Epoch: z.Epoch(), Last: z}
}

// epochEnds returns a copy of the boundary list.
func (h *history) epochEnds() []EpochEnd { return append([]EpochEnd(nil), h.ends...) }

// prevEpochEnd is the last zxid of the log before the entries of its last
// epoch, 0 if there is none. Everything up to it is committed: entries of
// a later epoch are only ever appended after the initial history of that
// epoch, which was committed when the epoch was established.
func (h *history) prevEpochEnd() Zxid {
	if n := len(h.ends); n >= 2 {
		return h.ends[n-2].Last
	}
	return 0
}

// append adds txns at the end. The caller has checked they extend the log.
func (h *history) append(txns []Txn) {
	for _, t := range txns {
		h.tail = append(h.tail, t)
		h.noteEnd(t.Zxid)
	}
}

// truncate drops every entry after t. t must not be below floor.
func (h *history) truncate(t Zxid) {
	if t >= h.last() {
		return
	}
	if t >= h.memStart {
		i := sort.Search(len(h.tail), func(i int) bool { return h.tail[i].Zxid > t })
		h.tail = h.tail[:i:i] // cap: a later append must not overwrite a slice already sent
	} else {
		h.memStart = t
		h.tail = nil
	}
	if h.stable > t {
		h.stable = t
	}
	for len(h.ends) > 0 && h.ends[len(h.ends)-1].Epoch > t.Epoch() {
		h.ends = h.ends[:len(h.ends)-1]
	}
	if n := len(h.ends); n > 0 && h.ends[n-1].Epoch == t.Epoch() && h.ends[n-1].Last > t {
		h.ends[n-1].Last = t
	}
	if t > 0 && (len(h.ends) == 0 || h.ends[len(h.ends)-1].Epoch < t.Epoch()) {
		h.ends = append(h.ends, EpochEnd{Epoch: t.Epoch(), Last: t})
	}
}

// installSnapshot replaces the whole log by the state up to z (no old
// entry survives under a snapshot, ZOOKEEPER-2832;
// docs/rules.md#a-snapshot-replaces-state-and-log-together).
func (h *history) installSnapshot(z Zxid) {
	h.floor, h.memStart, h.tail = z, z, nil
	if h.stable > z {
		h.stable = z
	}
	h.ends = h.ends[:0]
	if z > 0 {
		h.ends = append(h.ends, EpochEnd{Epoch: z.Epoch(), Last: z})
	}
}

// retainedAfter is the lowest zxid z such that every entry after z can be
// read (from the tail or from storage). A follower whose divergence point
// lies below it cannot be synchronised from the log: it needs a SNAP.
func (h *history) retainedAfter() Zxid {
	if h.memStart <= h.floor {
		return h.floor
	}
	first := h.storage.FirstZxid()
	if first == 0 || first > h.memStart {
		return h.memStart // the storage log holds nothing below the tail
	}
	snap, ok := h.storage.Snapshot()
	if !ok {
		// Never compacted: the storage log is complete from its start.
		return h.floor
	}
	r := first
	if snap.Zxid < r {
		r = snap.Zxid // the store keeps every entry after its snapshot
	}
	if r < h.floor {
		r = h.floor
	}
	return r
}

// entriesAfter returns up to max entries after z, ascending (max <= 0: all),
// and false if the entries right after z are no longer retained. The
// returned slice is fresh: the caller may keep or send it.
func (h *history) entriesAfter(z Zxid, max int) ([]Txn, bool) {
	var out []Txn
	// Only a read that starts in storage can hit a compacted range:
	// retainedAfter() <= memStart always, and skipping it keeps the two
	// Storage calls it makes off the per-Ready reads from the tail.
	if z < h.memStart {
		if z < h.retainedAfter() {
			return nil, false
		}
		es, err := h.storage.Entries(z, max)
		if err != nil {
			return nil, false
		}
		for _, e := range es {
			if e.Zxid > h.memStart {
				break
			}
			out = append(out, e)
		}
		if (max <= 0 || len(out) < max) && (len(out) == 0 || out[len(out)-1].Zxid < h.memStart) {
			return nil, false // storage stopped short of the tail: compacted or stale
		}
		z = h.memStart
	}
	if max > 0 && len(out) >= max {
		return out[:max], true
	}
	i := sort.Search(len(h.tail), func(i int) bool { return h.tail[i].Zxid > z })
	rest := h.tail[i:]
	if max > 0 && len(out)+len(rest) > max {
		rest = rest[:max-len(out)]
	}
	if out == nil {
		out = make([]Txn, 0, len(rest))
	}
	return append(out, rest...), true
}

// between returns the entries in (after, upTo], ascending, at most max of
// them (max <= 0: all). If some are no longer retained it returns those
// read before the gap and false.
func (h *history) between(after, upTo Zxid, max int) ([]Txn, bool) {
	var out []Txn
	for after < upTo && (max <= 0 || len(out) < max) {
		chunk := storageReadChunk
		if max > 0 {
			chunk = max - len(out)
		}
		es, ok := h.entriesAfter(after, chunk)
		if !ok {
			return out, false
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.Zxid > upTo {
				return out, true
			}
			out = append(out, e)
			after = e.Zxid
		}
	}
	return out, true
}

// markStable records that every entry up to z is durable.
func (h *history) markStable(z Zxid) {
	if z > h.last() {
		z = h.last()
	}
	if z > h.stable {
		h.stable = z
	}
}

// trim drops tail entries that are durable and at or below keep, so that
// the tail stays bounded; they remain readable from storage.
func (h *history) trim(keep Zxid) {
	if len(h.tail) <= 2*h.maxTail {
		return
	}
	limit := h.stable
	if keep < limit {
		limit = keep
	}
	n := sort.Search(len(h.tail), func(i int) bool { return h.tail[i].Zxid > limit })
	if over := len(h.tail) - h.maxTail; n > over {
		n = over
	}
	if n <= 0 {
		return
	}
	h.memStart = h.tail[n-1].Zxid
	h.tail = append([]Txn(nil), h.tail[n:]...)
}
