package log

import (
	"fmt"
	"log/slog"
	"os"
)

// FileOptions configures a FileStore. The zero value is usable.
type FileOptions struct {
	// SegmentSize is the size at which the log rolls to a new segment
	// file. A record larger than it gets a segment to itself. Zero means
	// DefaultSegmentSize.
	SegmentSize int64
	// Logger receives a warning for every repair made at open (a torn
	// tail cut, a stale segment deleted). Nil discards them.
	Logger *slog.Logger
}

// DefaultSegmentSize is the segment size used when FileOptions leaves it 0.
const DefaultSegmentSize = 16 << 20

// OpenFileStore opens the store in dir, creating dir and an empty store if
// needed, and repairs what a crash may have left:
//
//  1. temp files of interrupted atomic writes are deleted;
//  2. segments of an older generation than the snapshot file's (an
//     InstallSnapshot that crashed before deleting them) are deleted;
//  3. each remaining segment is scanned, record by record; at the first
//     record that is torn, fails its CRC, or does not follow its
//     predecessor's zxid, the segment is cut there and every later
//     segment deleted. Everything before that record is kept: a synced
//     record is never dropped unless it is itself damaged or follows
//     damage;
//  4. a segment that does not chain to the one before it is deleted with
//     everything after it, unless the snapshot covers the gap, in which
//     case it is the earlier segments that are leftovers of an
//     interrupted Compact.
//
// Repairs are made durable before OpenFileStore returns. It fails with
// ErrCorrupt if the epochs or snapshot file is damaged, or if the log
// starts after zxid 0 with no snapshot covering what precedes it.
func OpenFileStore(dir string, opts FileOptions) (*FileStore, error) {
	if opts.SegmentSize <= 0 {
		opts.SegmentSize = DefaultSegmentSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := removeTempFiles(dir); err != nil {
		return nil, err
	}
	s := &FileStore{dir: dir, opts: opts, log: opts.Logger.With("dir", dir)}
	if err := s.loadMeta(); err != nil {
		return nil, err
	}
	if err := s.recoverSegments(); err != nil {
		s.closeFiles()
		return nil, err
	}
	return s, nil
}

// loadMeta reads the epochs and snapshot files.
func (s *FileStore) loadMeta() error {
	b, ok, err := readMetaFile(s.dir, epochsFile, epochsFileSize)
	if err != nil {
		return err
	}
	if ok {
		if s.epochs, err = decodeEpochs(b); err != nil {
			return err
		}
	}
	b, ok, err = readMetaFile(s.dir, snapshotFile, snapshotHeaderSize+MaxSnapshotSize+4)
	if err != nil {
		return err
	}
	if ok {
		st, err := decodeSnapshotFile(b)
		if err != nil {
			return err
		}
		s.gen, s.snap = st.gen, st.snap
	}
	return nil
}

// recoverSegments rebuilds s.segs from the directory (steps 2-4 of
// OpenFileStore) and makes the repairs durable.
func (s *FileStore) recoverSegments() error {
	found, err := listSegments(s.dir)
	if err != nil {
		return err
	}
	repaired := false
	var cur []*segment
	for _, seg := range found {
		if seg.gen == s.gen {
			cur = append(cur, seg)
			continue
		}
		s.log.Warn("deleting segment of another log generation", "segment", seg.path, "generation", s.gen)
		if err := seg.remove(); err != nil {
			return err
		}
		repaired = true
	}
	for i, seg := range cur {
		if n := len(s.segs); n > 0 && seg.base != s.segs[n-1].last() {
			prev := s.segs[n-1].last()
			if seg.base > prev && s.snap != nil && s.snap.Zxid >= seg.base {
				s.log.Warn("deleting segments left by an interrupted compaction", "upto", seg.base)
				for _, old := range s.segs {
					if err := old.remove(); err != nil {
						return err
					}
				}
				s.segs = s.segs[:0]
			} else {
				s.log.Warn("segment does not follow its predecessor; dropping it and later ones",
					"segment", seg.path, "base", seg.base, "previous_last", prev)
				if err := removeAll(cur[i:]); err != nil {
					return err
				}
				repaired = true
				break
			}
			repaired = true
		}
		if err := seg.open(); err != nil {
			return err
		}
		s.segs = append(s.segs, seg)
		damage, err := seg.scan()
		if err != nil {
			return err
		}
		if damage != nil {
			s.log.Warn("cutting damaged log tail", "segment", seg.path, "offset", seg.size, "reason", damage)
			if err := seg.truncate(len(seg.idx)); err != nil {
				return err
			}
			if err := removeAll(cur[i+1:]); err != nil {
				return err
			}
			repaired = true
			break
		}
	}
	if len(s.segs) == 0 {
		var base uint64
		if s.snap != nil {
			base = s.snap.Zxid
		}
		seg, err := createSegment(s.dir, s.gen, base)
		if err != nil {
			return err
		}
		s.segs = append(s.segs, seg)
		repaired = true
	}
	if b := s.segs[0].base; b != 0 && (s.snap == nil || s.snap.Zxid < b) {
		return fmt.Errorf("%w: log starts after %#x but no snapshot covers it", ErrCorrupt, b)
	}
	if repaired {
		return s.syncAll()
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
