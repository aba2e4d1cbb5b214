package log

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// FileOptions configures a FileStore. The zero value is usable.
type FileOptions struct {
	// SegmentSize is the size at which the log rolls to a new segment
	// file. A record larger than it gets a segment to itself. Zero means
	// DefaultSegmentSize.
	SegmentSize int64
	// Logger receives a warning for every repair made at open (a torn
	// tail cut, a leftover segment deleted). Nil discards them.
	Logger *slog.Logger
}

// DefaultSegmentSize is the segment size used when FileOptions leaves it 0.
const DefaultSegmentSize = 16 << 20

// OpenFileStore opens the store in dir, creating dir (durably:
// mkdirDurable) and an empty store if needed. It repairs what a crash can
// leave behind, and refuses what only damage can explain (doc.go, "Torn
// writes and damage").
//
// Repairs, each logged as a warning and durable before OpenFileStore
// returns:
//
//  1. temp files of interrupted atomic writes are deleted;
//  2. a store whose creation was interrupted (no manifest yet, and no
//     data anywhere) is created afresh;
//  3. an InstallSnapshot interrupted after its snapshot file landed (the
//     manifest still names the previous generation) is finished: every
//     segment is deleted and an empty one started after the snapshot;
//  4. segments of an older generation than the manifest's (an
//     InstallSnapshot that crashed before deleting them), before the
//     manifest's first segment (an interrupted Compact) or after its last
//     (an interrupted roll or TruncateAfter) are deleted;
//  5. a torn write at the end of the last segment is cut: a record that
//     fails its checks with no intact record after it in the file;
//  6. a sync mark is written after the last entry if none follows it.
//
// Everything else is refused with a *CorruptError (wrapping ErrCorrupt)
// that names the file, the byte offset and the problem, and nothing in
// dir is changed: a missing or damaged epochs, snapshot or manifest file;
// a segment missing from the manifest's range, or not starting where the
// one before it ends, or of a generation newer than the manifest's; a
// record failing its checks anywhere but at the very end of the last
// segment; a record breaking the zxid chain; a log starting after a zxid
// no snapshot covers.
func OpenFileStore(dir string, opts FileOptions) (*FileStore, error) {
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = DefaultSegmentSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := mkdirDurable(dir); err != nil {
		return nil, err
	}
	s := &FileStore{dir: dir, opts: opts, log: opts.Logger.With("dir", dir)}
	if err := s.recover(); err != nil {
		s.closeFiles()
		return nil, err
	}
	return s, nil
}

// mkdirDurable creates dir and any missing parents, and fsyncs the
// directory above dir and above each directory it created. Without that,
// a power loss could take the store's directory away, name and all,
// after writes in it were acknowledged; the next open would then create
// an empty store without a word. The directory above dir is fsynced at
// every open, not only when dir is new: an earlier open that created it
// may have crashed before its fsync.
func mkdirDurable(dir string) error {
	dir = filepath.Clean(dir)
	var created []string // what MkdirAll will create, deepest first
	for d := dir; ; d = filepath.Dir(d) {
		_, err := os.Stat(d)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if len(created) == 0 {
		created = []string{dir} // only for the fsync of the one above
	}
	for _, d := range created {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return fmt.Errorf("log: making %s durable in %s: %w", filepath.Base(d), filepath.Dir(d), err)
		}
	}
	return nil
}

// metaFiles is what the four small files of a store hold, and which of
// them exist.
type metaFiles struct {
	epochs                                         epochsState
	snap                                           snapshotState
	manifest                                       manifestState
	syncedNum, syncedZxid                          uint64 // the synced point (synced.go)
	syncedSpoiled                                  string // what is wrong with the other slot, if anything
	haveEpochs, haveSnap, haveManifest, haveSynced bool
}

// path is the path of name in the store's directory.
func (s *FileStore) path(name string) string { return filepath.Join(s.dir, name) }

// readMeta reads the epochs, snapshot, manifest and synced files.
func (s *FileStore) readMeta() (m metaFiles, err error) {
	var b []byte
	var problem string
	if b, m.haveEpochs, err = readMetaFile(s.dir, epochsFile, epochsFileSize); err != nil {
		return m, err
	}
	if m.haveEpochs {
		if m.epochs, problem = decodeEpochs(b); problem != "" {
			return m, corruptAt(s.path(epochsFile), 0, "%s", problem)
		}
	}
	if b, m.haveSnap, err = readMetaFile(s.dir, snapshotFile, snapshotHeaderSize+MaxSnapshotSize+4); err != nil {
		return m, err
	}
	if m.haveSnap {
		if m.snap, problem = decodeSnapshotFile(b); problem != "" {
			return m, corruptAt(s.path(snapshotFile), 0, "%s", problem)
		}
	}
	if b, m.haveManifest, err = readMetaFile(s.dir, manifestFile, manifestFileSize); err != nil {
		return m, err
	}
	if m.haveManifest {
		if m.manifest, problem = decodeManifest(b); problem != "" {
			return m, corruptAt(s.path(manifestFile), 0, "%s", problem)
		}
	}
	if b, m.haveSynced, err = readMetaFile(s.dir, syncedFile, syncedFileSize); err != nil {
		return m, err
	}
	if m.haveSynced {
		if m.syncedNum, m.syncedZxid, m.syncedSpoiled, problem = decodeSyncedFile(b); problem != "" {
			return m, corruptAt(s.path(syncedFile), 0, "%s", problem)
		}
	}
	return m, nil
}

// recover checks the directory and, only if nothing is damaged, makes the
// repairs OpenFileStore lists.
func (s *FileStore) recover() error {
	m, err := s.readMeta()
	if err != nil {
		return err
	}
	found, err := listSegments(s.dir)
	if err != nil {
		return err
	}
	if !m.haveManifest {
		return s.create(m, found)
	}
	if !m.haveEpochs {
		return corruptFile(s.path(epochsFile), "missing, though the manifest shows the store was created with one")
	}
	if !m.haveSnap {
		return corruptFile(s.path(snapshotFile), "missing, though the manifest shows the store was created with one")
	}
	if !m.haveSynced {
		return corruptFile(s.path(syncedFile), "missing, though the manifest shows the store was created with one (or the store was written before this file existed)")
	}
	s.epochs, s.gen, s.snap = m.epochs, m.snap.gen, m.snap.snap
	switch man := m.manifest; {
	case m.snap.gen == man.gen+1 && m.snap.snap != nil:
		if m.syncedZxid > s.snap.Zxid {
			// InstallSnapshot lowers the synced point to the
			// snapshot's zxid before the snapshot file lands.
			return corruptFile(s.path(syncedFile), "says the log was synced up to %s, past the snapshot %s being installed", zxidString(m.syncedZxid), zxidString(s.snap.Zxid))
		}
		if err := s.openSynced(m); err != nil {
			return err
		}
		return s.finishInstall(found)
	case m.snap.gen != man.gen:
		return corruptFile(s.path(manifestFile), "names log generation %d, but the snapshot file belongs to generation %d", man.gen, m.snap.gen)
	}
	leftovers, err := s.checkSegments(m.manifest, found)
	if err != nil {
		return err
	}
	if b := s.segs[0].base; b != 0 && (s.snap == nil || s.snap.Zxid < b) {
		have := "there is no snapshot"
		if s.snap != nil {
			have = "the snapshot covers only up to " + zxidString(s.snap.Zxid)
		}
		return corruptFile(s.path(snapshotFile), "the log starts after %s but %s: the entries in between are lost", zxidString(b), have)
	}
	if end := s.logEnd(); end < m.syncedZxid {
		// What a crash can tear is never synced (synced.go): the
		// entries between are acknowledged ones the segment lost.
		// Unless the synced file's newer slot is spoiled: then the
		// older one may predate a cut (TruncateAfter lowers the point
		// first), and a crash alone cannot leave both.
		if m.syncedSpoiled != "" {
			return corruptFile(s.path(syncedFile), "its newer slot is damaged (%s) and its older one says the log was synced up to %s, but the log ends at %s: either that slot predates a cut, or acknowledged entries at the end of the log are lost", m.syncedSpoiled, zxidString(m.syncedZxid), zxidString(end))
		}
		seg := s.active()
		return corruptAt(seg.path, seg.size, "the log ends at %s, but a Sync had made it durable up to %s (file %s): acknowledged entries at the end of the log are lost", zxidString(end), zxidString(m.syncedZxid), syncedFile)
	}
	if err := s.openSynced(m); err != nil {
		return err
	}
	return s.repair(leftovers)
}

// openSynced opens the synced file for the point's next writes.
func (s *FileStore) openSynced(m metaFiles) error {
	p, err := openSynced(s.dir, m.syncedNum, m.syncedZxid)
	if err != nil {
		return err
	}
	s.synced = p
	return nil
}

// checkSegments opens and scans the segments the manifest names, into
// s.segs, without changing any file. It returns the segments that are
// leftovers of interrupted operations, for repair to delete; the torn
// tail of the last segment, if any, is left in s.torn.
func (s *FileStore) checkSegments(man manifestState, found []*segment) (leftovers []*segment, err error) {
	var kept []*segment
	for _, seg := range found {
		switch {
		case seg.gen > man.gen:
			return nil, corruptFile(seg.path, "segment of log generation %d, newer than the store's %d: no crash leaves one", seg.gen, man.gen)
		case seg.gen < man.gen, seg.base < man.first, seg.base > man.last:
			leftovers = append(leftovers, seg)
		default:
			kept = append(kept, seg)
		}
	}
	expect, reachedLast := man.first, false
	for _, seg := range kept {
		if seg.base != expect {
			if seg.base > expect {
				return nil, corruptFile(filepath.Join(s.dir, segmentName(man.gen, expect)),
					"missing: the log needs a segment starting after %s; the next one present starts after %s", zxidString(expect), zxidString(seg.base))
			}
			return nil, corruptFile(seg.path, "starts after %s, but the segment before it ends at %s", zxidString(seg.base), zxidString(expect))
		}
		if err := seg.open(); err != nil {
			return nil, err
		}
		s.segs = append(s.segs, seg)
		last := seg.base == man.last
		torn, why, err := seg.scan(last)
		if err != nil {
			return nil, err
		}
		if torn >= 0 {
			s.torn = &tornTail{seg: seg, at: torn, why: why}
		}
		if last {
			reachedLast = true
			break
		}
		expect = seg.last()
	}
	if !reachedLast {
		missing, why := expect, "the log needs a segment starting after "+zxidString(expect)
		if expect > man.last {
			missing, why = man.last, "the manifest names it as the log's last segment"
		}
		return nil, corruptFile(filepath.Join(s.dir, segmentName(man.gen, missing)), "missing: %s", why)
	}
	return leftovers, nil
}

// tornTail is where a torn write at the end of the last segment starts.
type tornTail struct {
	seg *segment
	at  int64
	why string
}

// repair makes the repairs of a store checkSegments found undamaged:
// temp files and leftover segments go, a torn tail is cut, a sync mark
// follows the last entry; all of it durable.
func (s *FileStore) repair(leftovers []*segment) error {
	if err := removeTempFiles(s.dir, s.log); err != nil {
		return err
	}
	for _, seg := range leftovers {
		s.log.Warn("deleting a leftover segment of an interrupted operation", "segment", seg.path, "why", leftoverWhy(seg, s.gen, s.segs))
		if err := seg.remove(); err != nil {
			return err
		}
		s.dirDirty = true
	}
	if t := s.torn; t != nil {
		s.log.Warn("cutting a torn write at the end of the log", "segment", t.seg.path, "offset", t.at, "reason", t.why)
		if err := t.seg.cut(len(t.seg.idx), t.at); err != nil {
			return err
		}
		s.torn = nil
	}
	return s.syncAll() // writes the sync mark if the last entry lacks one
}

// leftoverWhy names the interrupted operation a leftover segment comes from.
func leftoverWhy(seg *segment, gen uint64, segs []*segment) string {
	switch {
	case seg.gen < gen:
		return "older log generation: an interrupted snapshot install"
	case seg.base < segs[0].base:
		return "before the log's first segment: an interrupted compaction"
	}
	return "after the log's last segment: an interrupted roll or truncation"
}

// create makes a new store in a directory without a manifest. Only an
// empty directory, or the leftovers of a creation that crashed before its
// manifest (empty segments, meta files in their initial state), may be
// taken for one; anything holding data means the manifest was lost.
func (s *FileStore) create(m metaFiles, found []*segment) error {
	if m.haveEpochs && m.epochs != (epochsState{}) {
		return corruptFile(s.path(manifestFile), "missing, but the epochs file holds epochs %d/%d and follow attempt %d", m.epochs.accepted, m.epochs.current, m.epochs.attempt)
	}
	if m.haveSnap && (m.snap.gen != 0 || m.snap.snap != nil) {
		return corruptFile(s.path(manifestFile), "missing, but the snapshot file holds generation %d and a snapshot: %v", m.snap.gen, m.snap.snap != nil)
	}
	if m.haveSynced && m.syncedZxid != 0 {
		return corruptFile(s.path(manifestFile), "missing, but the synced file says the log was synced up to %s", zxidString(m.syncedZxid))
	}
	for _, seg := range found {
		fi, err := os.Stat(seg.path)
		if err != nil {
			return err
		}
		if seg.gen != 0 || seg.base != 0 || fi.Size() != 0 {
			return corruptFile(s.path(manifestFile), "missing, but segment %s holds data", seg.path)
		}
	}
	if err := removeTempFiles(s.dir, s.log); err != nil {
		return err
	}
	if len(found) > 0 || m.haveEpochs || m.haveSnap || m.haveSynced {
		s.log.Warn("finishing the creation of a store interrupted by a crash")
	}
	if err := removeAll(found); err != nil {
		return err
	}
	// Every file the manifest vouches for is durable before it is written.
	if err := s.startLog(); err != nil {
		return err
	}
	if err := writeFileAtomic(s.dir, epochsFile, encodeEpochs(s.epochs)); err != nil {
		return err
	}
	if err := writeFileAtomic(s.dir, snapshotFile, encodeSnapshotFile(snapshotState{})); err != nil {
		return err
	}
	if err := writeFileAtomic(s.dir, syncedFile, initialSyncedFile()); err != nil {
		return err
	}
	if err := s.openSynced(metaFiles{syncedNum: 1}); err != nil {
		return err
	}
	return s.writeManifest(s.segs[0].base, s.segs[0].base)
}

// finishInstall completes an InstallSnapshot whose snapshot file (of the
// next generation) landed before the manifest did: the old log is dead,
// whatever survived of it goes, and an empty log starts after the
// snapshot.
func (s *FileStore) finishInstall(found []*segment) error {
	for _, seg := range found {
		if seg.gen > s.gen {
			return corruptFile(seg.path, "segment of log generation %d, newer than the snapshot file's %d: no crash leaves one", seg.gen, s.gen)
		}
	}
	if err := removeTempFiles(s.dir, s.log); err != nil {
		return err
	}
	s.log.Warn("finishing a snapshot install interrupted by a crash", "snapshot", zxidString(s.snap.Zxid), "generation", s.gen)
	if err := removeAll(found); err != nil {
		return err
	}
	if err := s.startLog(); err != nil {
		return err
	}
	return s.writeManifest(s.segs[0].base, s.segs[0].base)
}

// startLog creates the first, empty segment of generation s.gen, after
// the snapshot if there is one, and makes it durable.
func (s *FileStore) startLog() error {
	var base uint64
	if s.snap != nil {
		base = s.snap.Zxid
	}
	seg, err := createSegment(s.dir, s.gen, base)
	if err != nil {
		return err
	}
	s.segs = []*segment{seg}
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("log: creating %s: %w", seg.path, err)
	}
	return nil
}

// removeAll deletes every segment of segs.
func removeAll(segs []*segment) error {
	for _, seg := range segs {
		if err := seg.remove(); err != nil {
			return err
		}
	}
	return nil
}
