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
	size      int64       // bytes of valid records; writes go here
	idx       []recordPos // one per record, ascending zxid
	dirty     bool        // written or truncated since its last fsync
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
	return &segment{gen: gen, base: base, path: path, f: f}, nil
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

// scan reads the whole file, indexing every record up to the first one that
// fails a check. damage is nil if the file ended cleanly; otherwise it
// describes the bad record, which starts at s.size (everything from there
// on must be cut).
func (s *segment) scan() (damage error, err error) {
	fi, err := s.f.Stat()
	if err != nil {
		return nil, err
	}
	if _, err := s.f.Seek(0, 0); err != nil {
		return nil, err
	}
	sc := newRecordScanner(s.f, fi.Size(), s.base)
	s.idx, s.size = s.idx[:0], 0
	for {
		zxid, off, _, rerr := sc.next()
		if rerr == errEndOfRecords {
			s.size = off
			return nil, nil
		}
		if rerr != nil {
			s.size = off
			return rerr, nil
		}
		s.idx = append(s.idx, recordPos{zxid: zxid, off: off})
	}
}

// truncate cuts the file back to its first i records.
func (s *segment) truncate(i int) error {
	off := s.size
	if i < len(s.idx) {
		off = s.idx[i].off
	}
	if err := s.f.Truncate(off); err != nil {
		return err
	}
	s.idx, s.size, s.dirty = s.idx[:i], off, true
	return nil
}

// remove closes and deletes the segment's file. The caller must fsync the
// directory before relying on its absence.
func (s *segment) remove() error {
	if s.f != nil {
		_ = s.f.Close() // the file is going away; a close error changes nothing
		s.f = nil
	}
	return os.Remove(s.path)
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
