package log

import (
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
)

// FileStore is a Store in a directory:
//
//	gen-base.seg   log segments, records framed as in record.go
//	epochs         acceptedEpoch, currentEpoch and the follow attempt, replaced atomically
//	snapshot       the log generation and the latest snapshot, replaced atomically
//	manifest       the log generation and the first and last segment, replaced atomically
//	synced         how far Syncs have made the log durable, two slots written in turn (synced.go)
//
// Appends go to the last segment with one write per call; Sync writes a
// sync mark after them and fsyncs the segments written since the last
// Sync and, when files were created or deleted, the directory. An
// in-memory index of (zxid, offset) per record serves reads; the data is
// read back from the files and checked again. doc.go ("Torn writes and
// damage") says what recovery repairs and what it refuses.
type FileStore struct {
	mu   sync.Mutex
	dir  string
	opts FileOptions
	log  *slog.Logger

	// gen is the log generation (see snapshotState); every segment in segs
	// belongs to it.
	gen  uint64
	snap *Snapshot
	// segs is never empty; the last one takes appends. Invariants: each
	// segment's base is the last zxid of the one before it; segs[0].base
	// is 0 or covered by snap; the manifest names segs[0] and the last.
	segs     []*segment
	epochs   epochsState
	synced   *syncedPoint // the synced file (synced.go)
	torn     *tornTail    // found at open, cut by repair
	dirDirty bool         // segments created or deleted since the last directory fsync
	wbuf     []byte       // reused encoding buffer for Append
	failed   error        // sticky: the first I/O error of a write
	closed   bool
}

var _ Store = (*FileStore)(nil)

// maxKeptWriteBuffer bounds the encoding buffer kept between appends, so
// one huge batch does not pin its memory for the life of the store.
const maxKeptWriteBuffer = 1 << 20

// Dir is the directory the store lives in.
func (s *FileStore) Dir() string { return s.dir }

// lock takes the store's lock and fails if the store is closed or broken.
// The caller must unlock on success.
func (s *FileStore) lock() error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return ErrClosed
	case s.failed != nil:
		err := s.failed
		s.mu.Unlock()
		return err
	}
	return nil
}

// fail records err as the store's sticky failure and returns it.
func (s *FileStore) fail(err error) error {
	if err != nil && s.failed == nil {
		s.failed = fmt.Errorf("log: file store %s broken: %w", s.dir, err)
		s.log.Error("storage failure; the store refuses further use", "err", err)
	}
	return err
}

// active is the segment appends go to.
func (s *FileStore) active() *segment { return s.segs[len(s.segs)-1] }

// lastEntry is the zxid of the last record in the log, 0 if none.
func (s *FileStore) lastEntry() uint64 {
	for i := len(s.segs) - 1; i >= 0; i-- {
		if n := len(s.segs[i].idx); n > 0 {
			return s.segs[i].idx[n-1].zxid
		}
	}
	return 0
}

// logEnd is the zxid the segments reach: the last entry, or with none
// the first segment's base (the zxid of the snapshot the log was
// installed from, or of the last entry before a compaction that removed
// them all). A snapshot does not count: one saved at the last entry
// must not hide a log cut short below it (synced.go).
func (s *FileStore) logEnd() uint64 {
	return max(s.lastEntry(), s.segs[0].base)
}

// Append implements Store: one write per segment touched, no fsync.
func (s *FileStore) Append(entries ...Entry) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := checkAppend(lastZxid(s.lastEntry(), s.snap), entries); err != nil {
		return err
	}
	buf, pending := s.wbuf[:0], make([]recordPos, 0, len(entries))
	prev := s.active().last()
	for _, e := range entries {
		act := s.active()
		start := act.size + int64(len(buf))
		if start > 0 && start+int64(recordSize(e)) > s.opts.SegmentSize {
			if err := s.write(act, buf, pending); err != nil {
				return err
			}
			buf, pending = buf[:0], pending[:0]
			if err := s.roll(); err != nil {
				return err
			}
			start = 0
		}
		pending = append(pending, recordPos{zxid: e.Zxid, off: start})
		buf = appendRecord(buf, prev, e)
		prev = e.Zxid
	}
	err := s.write(s.active(), buf, pending)
	if cap(buf) <= maxKeptWriteBuffer {
		s.wbuf = buf[:0]
	}
	return err
}

// write appends buf, the encoded records listed in pending, to seg.
func (s *FileStore) write(seg *segment, buf []byte, pending []recordPos) error {
	if len(buf) == 0 {
		return nil
	}
	if _, err := seg.f.WriteAt(buf, seg.size); err != nil {
		return s.fail(err)
	}
	noteDisk(diskWrote, seg.path)
	seg.idx = append(seg.idx, pending...)
	seg.size += int64(len(buf))
	seg.dirty, seg.marked = true, false
	return nil
}

// roll fsyncs the active segment and starts a new one after it. Syncing
// first keeps torn records out of every segment but the last, which is
// what lets recovery treat any bad record elsewhere as damage. The new
// segment is durable before the manifest names it, and the manifest
// names it before anything is written to it: a crash in between leaves
// an empty segment past the manifest's last, which open deletes.
func (s *FileStore) roll() error {
	act := s.active()
	if err := act.f.Sync(); err != nil {
		return s.fail(err)
	}
	noteDisk(diskFsynced, act.path)
	act.dirty = false
	seg, err := createSegment(s.dir, s.gen, act.last())
	if err != nil {
		return s.fail(err)
	}
	if err := syncDir(s.dir); err != nil {
		_ = seg.close()
		return s.fail(err)
	}
	if err := s.writeManifest(s.segs[0].base, seg.base); err != nil {
		_ = seg.close()
		return err
	}
	s.segs = append(s.segs, seg)
	return nil
}

// writeManifest records that the log runs from the segment based at first
// to the one based at last. The caller holds s.mu.
func (s *FileStore) writeManifest(first, last uint64) error {
	if err := writeFileAtomic(s.dir, manifestFile, encodeManifest(manifestState{gen: s.gen, first: first, last: last})); err != nil {
		return s.fail(err)
	}
	return nil
}

// Sync implements Store.
func (s *FileStore) Sync() error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	return s.syncAll()
}

// syncAll writes a sync mark after the last entry if none follows it, so
// that every entry this Sync makes durable has an intact record after it
// (record.go), then fsyncs every dirty segment, and the directory if
// needed, and last moves the synced point (synced.go) up to the end of
// the log, now durable.
func (s *FileStore) syncAll() error {
	if act := s.active(); !act.marked {
		if err := act.writeMark(); err != nil {
			return s.fail(err)
		}
	}
	for _, seg := range s.segs {
		if !seg.dirty {
			continue
		}
		if err := seg.f.Sync(); err != nil {
			return s.fail(err)
		}
		noteDisk(diskFsynced, seg.path)
		seg.dirty = false
	}
	if s.dirDirty {
		if err := syncDir(s.dir); err != nil {
			return s.fail(err)
		}
		s.dirDirty = false
	}
	if end := s.logEnd(); end > s.synced.zxid {
		if err := s.synced.set(end); err != nil {
			return s.fail(err)
		}
	}
	return nil
}

// lowerSynced moves the synced point down to zxid, durably, before an
// operation cuts the log back to end there: a crash after the cut must
// not find a point the log no longer reaches.
func (s *FileStore) lowerSynced(zxid uint64) error {
	if zxid >= s.synced.zxid {
		return nil
	}
	if err := s.synced.set(zxid); err != nil {
		return s.fail(err)
	}
	return nil
}

// endAfterCut is the logEnd the log will have once cut after zxid (at
// or above its first segment's base): the last entry at or before zxid,
// or the base if there is none.
func (s *FileStore) endAfterCut(zxid uint64) uint64 {
	for i := len(s.segs) - 1; i >= 0; i-- {
		if j := s.segs[i].firstAfter(zxid); j > 0 {
			return max(s.segs[i].idx[j-1].zxid, s.segs[0].base)
		}
	}
	return s.segs[0].base
}

// TruncateAfter implements Store: it cuts the segment holding the first
// dropped record and deletes every later segment. It does more than the
// contract asks: the cut is durable on return. Cuts are rare (a follower
// told to TRUNC), and one that has not reached the disk must not mix with
// the records appended after it (segment.cut).
func (s *FileStore) TruncateAfter(zxid uint64) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if zxid >= lastZxid(s.lastEntry(), s.snap) {
		return nil
	}
	base := s.segs[0].base
	if zxid < base {
		return fmt.Errorf("%w: truncate after %#x, log starts after %#x", ErrCompacted, zxid, base)
	}
	if s.snap != nil && s.snap.Zxid > zxid && base != 0 {
		return fmt.Errorf("%w: truncate after %#x drops snapshot %#x, the log before it is trimmed", ErrCompacted, zxid, s.snap.Zxid)
	}
	if err := s.lowerSynced(s.endAfterCut(zxid)); err != nil {
		return err
	}
	if s.snap != nil && s.snap.Zxid > zxid {
		// ZOOKEEPER-1549: a snapshot beyond the cut would resurrect the
		// cut entries at the next open. Drop it first, durably.
		if err := writeFileAtomic(s.dir, snapshotFile, encodeSnapshotFile(snapshotState{gen: s.gen})); err != nil {
			return s.fail(err)
		}
		s.snap = nil
	}
	// k: the last segment whose base <= zxid; it holds the cut.
	k := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].base > zxid }) - 1
	seg := s.segs[k]
	if k+1 < len(s.segs) {
		// The manifest first: a crash after it leaves the later
		// segments outside the log, where open deletes them.
		if err := s.writeManifest(s.segs[0].base, s.segs[k].base); err != nil {
			return err
		}
		if err := removeAll(s.segs[k+1:]); err != nil {
			return s.fail(err)
		}
		clear(s.segs[k+1:])
		s.segs = s.segs[:k+1]
		s.dirDirty = true
	}
	if i := seg.firstAfter(zxid); i < len(seg.idx) {
		if err := seg.cut(i, seg.idx[i].off); err != nil {
			return s.fail(err)
		}
	}
	// Now the last segment, it gets a mark after its last entry (perhaps
	// a second one: harmless).
	seg.marked = len(seg.idx) == 0
	return s.syncAll()
}

// LastZxid implements Store. It returns 0 on a closed or broken store.
func (s *FileStore) LastZxid() uint64 {
	if s.lock() != nil {
		return 0
	}
	defer s.mu.Unlock()
	return lastZxid(s.lastEntry(), s.snap)
}

// FirstZxid implements Store. It returns 0 on a closed or broken store.
func (s *FileStore) FirstZxid() uint64 {
	if s.lock() != nil {
		return 0
	}
	defer s.mu.Unlock()
	for _, seg := range s.segs {
		if len(seg.idx) > 0 {
			return seg.idx[0].zxid
		}
	}
	return 0
}

// Entries implements Store. Each segment's share is read with one ReadAt
// and every record is checked again (CRC and zxid), so bit rot after open
// surfaces as ErrCorrupt instead of as wrong data.
func (s *FileStore) Entries(after uint64, max int) ([]Entry, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if base := s.segs[0].base; after < base {
		return nil, fmt.Errorf("%w: entries after %#x, log starts after %#x", ErrCompacted, after, base)
	}
	var out []Entry
	k := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].base > after }) - 1
	for _, seg := range s.segs[k:] {
		from := seg.firstAfter(after)
		to := len(seg.idx)
		if max > 0 && to-from > max-len(out) {
			to = from + max - len(out)
		}
		if from >= to {
			continue
		}
		buf := make([]byte, seg.end(to-1)-seg.idx[from].off)
		if _, err := seg.f.ReadAt(buf, seg.idx[from].off); err != nil {
			return nil, fmt.Errorf("log: reading %s: %w", seg.path, err)
		}
		off := seg.idx[from].off
		for i := from; i < to; {
			h, n, problem := readRecord(buf)
			if problem == "" && !h.isMark() && h.zxid != seg.idx[i].zxid {
				problem = fmt.Sprintf("record holds zxid %s where the index has %s", zxidString(h.zxid), zxidString(seg.idx[i].zxid))
			}
			if problem != "" {
				return nil, corruptAt(seg.path, off, "%s (found on read, after open)", problem)
			}
			if !h.isMark() {
				out = append(out, Entry{Zxid: h.zxid, Data: buf[recordHeaderSize:n]})
				i++
			}
			buf, off = buf[n:], off+int64(n)
		}
		if max > 0 && len(out) >= max {
			break
		}
	}
	return out, nil
}

// Epochs implements Store. It returns zeros on a closed or broken store.
func (s *FileStore) Epochs() (accepted, current uint32) {
	if s.lock() != nil {
		return 0, 0
	}
	defer s.mu.Unlock()
	return s.epochs.accepted, s.epochs.current
}

// SetEpochs implements Store: the epochs file is replaced atomically and
// durably before it returns (docs/rules.md#durability).
func (s *FileStore) SetEpochs(accepted, current uint32) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := checkEpochs(s.epochs.accepted, s.epochs.current, accepted, current); err != nil {
		return err
	}
	st := s.epochs
	st.accepted, st.current = accepted, current
	return s.writeEpochs(st)
}

// FollowAttempt implements Store. It returns 0 on a closed or broken store.
func (s *FileStore) FollowAttempt() uint64 {
	if s.lock() != nil {
		return 0
	}
	defer s.mu.Unlock()
	return s.epochs.attempt
}

// SetFollowAttempt implements Store: it shares the epochs file, replaced
// atomically and durably before it returns.
func (s *FileStore) SetFollowAttempt(n uint64) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := checkFollowAttempt(s.epochs.attempt, n); err != nil {
		return err
	}
	st := s.epochs
	st.attempt = n
	return s.writeEpochs(st)
}

// writeEpochs replaces the epochs file with st. The caller holds s.mu.
func (s *FileStore) writeEpochs(st epochsState) error {
	if err := writeFileAtomic(s.dir, epochsFile, encodeEpochs(st)); err != nil {
		return s.fail(err)
	}
	s.epochs = st
	return nil
}

// Snapshot implements Store.
func (s *FileStore) Snapshot() (Snapshot, bool) {
	if s.lock() != nil {
		return Snapshot{}, false
	}
	defer s.mu.Unlock()
	if s.snap == nil {
		return Snapshot{}, false
	}
	return *s.snap, true
}

// InstallSnapshot implements Store. The rename of the snapshot file, which
// carries a new log generation, is the single atomic step that replaces
// both state and log: from then on the old segments are dead, and if the
// process dies before deleting them, the next open does (ZOOKEEPER-2832).
func (s *FileStore) InstallSnapshot(snap Snapshot) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := checkSnapshotSize(snap); err != nil {
		return err
	}
	snap.Data = slices.Clone(snap.Data)
	if err := s.lowerSynced(snap.Zxid); err != nil {
		return err
	}
	gen := s.gen + 1
	if err := writeFileAtomic(s.dir, snapshotFile, encodeSnapshotFile(snapshotState{gen: gen, snap: &snap})); err != nil {
		return s.fail(err)
	}
	s.gen, s.snap = gen, &snap
	old := s.segs
	s.segs = nil
	if err := removeAll(old); err != nil {
		return s.fail(err)
	}
	seg, err := createSegment(s.dir, gen, snap.Zxid)
	if err != nil {
		return s.fail(err)
	}
	s.segs = []*segment{seg}
	if err := syncDir(s.dir); err != nil {
		return s.fail(err)
	}
	s.dirDirty = false
	// Until this lands, the manifest names the old generation and open
	// finishes the install from the snapshot file (filestore_open.go).
	return s.writeManifest(seg.base, seg.base)
}

// SaveSnapshot implements Store.
func (s *FileStore) SaveSnapshot(snap Snapshot) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := checkSaveSnapshot(s.snap, lastZxid(s.lastEntry(), s.snap), snap); err != nil {
		return err
	}
	snap.Data = slices.Clone(snap.Data)
	if err := writeFileAtomic(s.dir, snapshotFile, encodeSnapshotFile(snapshotState{gen: s.gen, snap: &snap})); err != nil {
		return s.fail(err)
	}
	s.snap = &snap
	return nil
}

// Compact implements Store. It deletes whole segments only: those whose
// records all lie at or below upTo. If that is every record, the active
// segment is first rolled so that an empty segment remains to append to.
// The manifest moves its first segment before any is deleted, so a crash
// in the middle leaves segments before the manifest's first, which open
// deletes as leftovers.
func (s *FileStore) Compact(upTo uint64) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := checkCompact(s.snap, upTo); err != nil {
		return err
	}
	if act := s.active(); len(act.idx) > 0 && act.last() <= upTo {
		if err := s.roll(); err != nil {
			return err
		}
	}
	// Segment i holds only zxids <= segs[i+1].base.
	n := 0
	for n+1 < len(s.segs) && s.segs[n+1].base <= upTo {
		n++
	}
	if n == 0 {
		return nil
	}
	if err := s.writeManifest(s.segs[n].base, s.active().base); err != nil {
		return err
	}
	if err := removeAll(s.segs[:n]); err != nil {
		return s.fail(err)
	}
	s.segs = slices.Delete(s.segs, 0, n)
	s.dirDirty = true
	return s.syncAll()
}

// Close implements Store. It does not fsync; the operating system still
// writes what was appended, but only what Sync covered is promised.
func (s *FileStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	return s.closeFiles()
}

// closeFiles closes every segment file and the synced file, reporting
// the first error.
func (s *FileStore) closeFiles() error {
	first := s.synced.close()
	for _, seg := range s.segs {
		if err := seg.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
