package log

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// A segment is one file of the log: gen-base.seg, both 16 hex digits. base
// is the zxid the segment's records follow: the last zxid of the segment
// before it when it was created, or the snapshot's zxid for the first
// segment after InstallSnapshot, or 0 for the very first one. So the first
// segment's base tells where the retained log starts, and consecutive
// segments must chain (base of one == last zxid of the previous). Names
// sort by generation, then base.
type segment struct {
	gen, base uint64
	path      string
	f         *os.File
	size      int64       // bytes of valid records and marks; writes go here
	idx       []recordPos // one per entry record (not marks), ascending zxid
	dirty     bool        // written since its last fsync
	// marked: no entry follows the segment's last sync mark (or it has
	// no entries). Sync writes a mark when it is false.
	marked bool
}

// recordPos locates one record of a segment.
type recordPos struct {
	zxid uint64
	off  int64
}

const segmentSuffix = ".seg"

// segmentName is the file name of the segment (gen, base).
func segmentName(gen, base uint64) string {
	return fmt.Sprintf("%016x-%016x%s", gen, base, segmentSuffix)
}

// parseSegmentName inverts segmentName; ok is false for any other name.
func parseSegmentName(name string) (gen, base uint64, ok bool) {
	stem, found := strings.CutSuffix(name, segmentSuffix)
	if !found || len(stem) != 33 || stem[16] != '-' {
		return 0, 0, false
	}
	gen, err1 := strconv.ParseUint(stem[:16], 16, 64)
	base, err2 := strconv.ParseUint(stem[17:], 16, 64)
	return gen, base, err1 == nil && err2 == nil
}

// listSegments returns the segments found in dir, sorted by (gen, base),
// with no file opened yet.
func listSegments(dir string) ([]*segment, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var segs []*segment
	for _, de := range des {
		gen, base, ok := parseSegmentName(de.Name())
		if !ok || de.IsDir() {
			continue
		}
		segs = append(segs, &segment{gen: gen, base: base, path: filepath.Join(dir, de.Name())})
	}
	sort.Slice(segs, func(i, j int) bool {
		if segs[i].gen != segs[j].gen {
			return segs[i].gen < segs[j].gen
		}
		return segs[i].base < segs[j].base
	})
	return segs, nil
}

// createSegment creates the empty segment (gen, base) in dir. The caller
// must fsync dir before relying on its existence.
func createSegment(dir string, gen, base uint64) (*segment, error) {
	path := filepath.Join(dir, segmentName(gen, base))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	noteDisk(diskCreated, path)
	return &segment{gen: gen, base: base, path: path, f: f, marked: true}, nil
}

// last is the zxid of the segment's last record, or its base if it has none.
func (s *segment) last() uint64 {
	if n := len(s.idx); n > 0 {
		return s.idx[n-1].zxid
	}
	return s.base
}

// end is the offset just past record i.
func (s *segment) end(i int) int64 {
	if i+1 < len(s.idx) {
		return s.idx[i+1].off
	}
	return s.size
}

// firstAfter is the index of the first record with zxid > zxid.
func (s *segment) firstAfter(zxid uint64) int {
	return sort.Search(len(s.idx), func(i int) bool { return s.idx[i].zxid > zxid })
}

// open opens the segment's file for reading and writing.
func (s *segment) open() error {
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	s.f = f
	return nil
}

// scan reads the whole file and indexes its entries, checking every
// record and how it chains to the one before it (the first to base).
//
// A segment that is not the last was fsynced whole before the next one
// was created, so nothing in it can be torn: any bad byte is damage. In
// the last segment, a record that fails its checksums may be a write the
// crash cut short, but only if it is the last thing in the file: torn is
// at its offset and the caller cuts it there. If an intact record follows
// it anywhere in the file, the bad one was written whole and then
// damaged, and scan reports a *CorruptError (doc.go, "Torn writes and
// damage"). A record with good checksums that breaks the zxid chain is
// always damage.
func (s *segment) scan(last bool) (torn int64, tornWhy string, err error) {
	fi, err := s.f.Stat()
	if err != nil {
		return -1, "", err
	}
	b := make([]byte, fi.Size())
	if _, err := s.f.ReadAt(b, 0); err != nil {
		return -1, "", fmt.Errorf("log: reading %s: %w", s.path, err)
	}
	s.idx, s.size, s.marked = s.idx[:0], 0, true
	prev := s.base
	for off := 0; off < len(b); {
		h, n, problem := readRecord(b[off:])
		if problem == "" {
			if p := chainProblem(h, prev); p != "" {
				return -1, "", corruptAt(s.path, int64(off), "%s", p)
			}
			if !h.isMark() {
				s.idx = append(s.idx, recordPos{zxid: h.zxid, off: int64(off)})
				prev = h.zxid
			}
			s.marked = h.isMark()
			off += n
			s.size = int64(off)
			continue
		}
		if !last {
			return -1, "", corruptAt(s.path, int64(off), "%s, in a segment that is not the last (it was fsynced whole, so this is not a torn write)", problem)
		}
		if at := findIntactRecord(b, off+1); at >= 0 {
			return -1, "", corruptAt(s.path, int64(off), "%s, and an intact record follows at byte %d, so this is damage, not a torn write", problem, at)
		}
		return int64(off), problem, nil
	}
	return -1, "", nil
}

// cut drops everything from byte at on, which is where record i starts
// (or, for a torn tail, where the indexed records end), and makes the cut
// durable before anything is written after it: bytes of a cut that has
// not reached the disk must never mix with the records appended in their
// place. The caller says whether a sync mark is needed (marked).
func (s *segment) cut(i int, at int64) error {
	if err := s.f.Truncate(at); err != nil {
		return err
	}
	noteDisk(diskTruncated, s.path)
	if err := s.f.Sync(); err != nil {
		return err
	}
	noteDisk(diskFsynced, s.path)
	s.idx, s.size, s.dirty = s.idx[:i], at, false
	return nil
}

// writeMark appends a sync mark after the segment's last entry; it is
// durable with the segment's next fsync.
func (s *segment) writeMark() error {
	if _, err := s.f.WriteAt(appendMark(make([]byte, 0, markSize), s.last()), s.size); err != nil {
		return err
	}
	noteDisk(diskWrote, s.path)
	s.size += markSize
	s.dirty, s.marked = true, true
	return nil
}

// remove closes and deletes the segment's file. The caller must fsync the
// directory before relying on its absence.
func (s *segment) remove() error {
	if s.f != nil {
		_ = s.f.Close() // the file is going away; a close error changes nothing
		s.f = nil
	}
	if err := os.Remove(s.path); err != nil {
		return err
	}
	noteDisk(diskRemoved, s.path)
	return nil
}

// close closes the segment's file if it is open.
func (s *segment) close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}
