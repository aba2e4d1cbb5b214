package log

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The FileStore tests below reach into the directory to play the crash
// (or the disk fault) the conformance suite cannot: torn writes, flipped
// bits, half-finished installs and compactions.

// openT opens a FileStore in dir or fails the test.
func openT(t *testing.T, dir string, segSize int64) *FileStore {
	t.Helper()
	s, err := OpenFileStore(dir, FileOptions{SegmentSize: segSize})
	if err != nil {
		t.Fatalf("OpenFileStore: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// reopenT closes s and opens its directory again.
func reopenT(t *testing.T, s *FileStore) *FileStore {
	t.Helper()
	_ = s.Close()
	return openT(t, s.dir, s.opts.SegmentSize)
}

// segFiles lists the segment files of dir, sorted.
func segFiles(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if strings.HasSuffix(de.Name(), segmentSuffix) {
			out = append(out, filepath.Join(dir, de.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// seq returns entries with zxids from..to and data "v<zxid>".
func seq(from, to uint64) []Entry {
	var out []Entry
	for z := from; z <= to; z++ {
		out = append(out, Entry{Zxid: z, Data: []byte(fmt.Sprintf("v%d", z))})
	}
	return out
}

// zxidsOf lists the zxids of es.
func zxidsOf(es []Entry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Zxid
	}
	return out
}

// wantZxids checks that the store's whole log has exactly these zxids.
func wantZxids(t *testing.T, s *FileStore, after uint64, want []uint64) {
	t.Helper()
	got, err := s.Entries(after, 0)
	if err != nil {
		t.Fatalf("Entries(%d): %v", after, err)
	}
	if !slices.Equal(zxidsOf(got), want) {
		t.Fatalf("log = %v, want %v", zxidsOf(got), want)
	}
}

// appendSync appends es and syncs.
func appendSync(t *testing.T, s Store, es []Entry) {
	t.Helper()
	if err := s.Append(es...); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := s.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// upto returns 1..n.
func upto(n uint64) []uint64 {
	var out []uint64
	for z := uint64(1); z <= n; z++ {
		out = append(out, z)
	}
	return out
}

func TestFileStoreRollsSegmentsAndChainsThem(t *testing.T) {
	s := openT(t, t.TempDir(), 64) // each record is 28+3 bytes: 2 per segment
	appendSync(t, s, seq(1, 20))
	files := segFiles(t, s.dir)
	if len(files) < 5 {
		t.Fatalf("%d segment files for 20 records of 31 bytes at 64 bytes per segment", len(files))
	}
	// Every segment's base is the previous one's last zxid.
	for i := 1; i < len(s.segs); i++ {
		if s.segs[i].base != s.segs[i-1].last() {
			t.Fatalf("segment %d base %d, previous last %d", i, s.segs[i].base, s.segs[i-1].last())
		}
	}
	s = reopenT(t, s)
	wantZxids(t, s, 0, upto(20))
	wantZxids(t, s, 10, upto(20)[10:])
}

func TestFileStoreRecordLargerThanSegment(t *testing.T) {
	s := openT(t, t.TempDir(), 16)
	big := Entry{Zxid: 2, Data: make([]byte, 100)}
	appendSync(t, s, []Entry{{Zxid: 1}, big, {Zxid: 3}})
	s = reopenT(t, s)
	got, err := s.Entries(0, 0)
	if err != nil || len(got) != 3 || len(got[1].Data) != 100 {
		t.Fatalf("Entries = %v, %v", zxidsOf(got), err)
	}
}

// crashAfterUnsynced syncs 1..synced, appends synced+1..total without a
// Sync and closes the store: the process dies with the last records
// written but never acknowledged. It returns the last segment's path.
func crashAfterUnsynced(t *testing.T, dir string, segSize int64, synced, total uint64) string {
	t.Helper()
	s := openT(t, dir, segSize)
	ackEach(t, s, 1, synced)
	if err := s.Append(named(synced+1, total)...); err != nil {
		t.Fatal(err)
	}
	path := s.active().path
	_ = s.Close()
	return path
}

// fileSize is the size of the file at path.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestFileStoreCutsTornTail(t *testing.T) {
	// A crash in the middle of the last write leaves part of a record.
	// Cutting the file at every byte of the last, unacknowledged record
	// must keep the nine acknowledged before it.
	size := int64(recordSize(named(10, 10)[0]))
	for cut := int64(1); cut < size; cut++ {
		t.Run(fmt.Sprintf("cut%d", cut), func(t *testing.T) {
			dir := t.TempDir()
			path := crashAfterUnsynced(t, dir, 0, 9, 10)
			if err := os.Truncate(path, fileSize(t, path)-cut); err != nil {
				t.Fatal(err)
			}
			s := openT(t, dir, 0)
			wantZxids(t, s, 0, upto(9))
			// The torn bytes are gone from the file, so what is appended
			// now is readable after the next open.
			appendSync(t, s, seq(10, 11))
			s = reopenT(t, s)
			wantZxids(t, s, 0, upto(11))
		})
	}
}

func TestFileStoreTornTailShapes(t *testing.T) {
	// What a crash can leave after the last complete record of the last
	// segment: zeros (a file system that grew the file before writing
	// its blocks), bytes of records whose headers never made it, a record
	// with a hole of zeros where a block was not written. None holds an
	// intact record, so all of it is cut and the acknowledged log stays.
	big := Entry{Zxid: 6, Data: bytes.Repeat([]byte("big record "), 1200)} // ~13 KiB
	for _, tc := range []struct {
		name   string
		mangle func(b []byte, last int) []byte // last: where the unsynced records start
		keep   []uint64
	}{
		{"zeros after the last record", func(b []byte, _ int) []byte { return append(b, make([]byte, 4096)...) }, upto(6)},
		{"unsynced record zeroed", func(b []byte, last int) []byte {
			return append(b[:last], make([]byte, len(b)-last)...)
		}, upto(5)},
		{"header zeroed, data written", func(b []byte, last int) []byte {
			clear(b[last : last+recordHeaderSize])
			return b
		}, upto(5)},
		{"hole in the data", func(b []byte, last int) []byte {
			clear(b[last+4096 : last+8192])
			return b
		}, upto(5)},
		{"garbage after the last record", func(b []byte, _ int) []byte {
			return append(b, []byte("not a record, and no record in it either")...)
		}, upto(6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 0)
			ackEach(t, s, 1, 5)
			path := s.active().path
			last := int(fileSize(t, path))
			if err := s.Append(big); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			b, _ := os.ReadFile(path)
			writeFile(t, path, tc.mangle(b, last))
			s = openT(t, dir, 0)
			wantZxids(t, s, 0, tc.keep)
			s = reopenT(t, s) // the repair is clean: a second open changes nothing
			wantZxids(t, s, 0, tc.keep)
		})
	}
}

func TestFileStoreKeepsWholeUnsyncedRecords(t *testing.T) {
	// Records written whole but never synced are kept (the operating
	// system may well have written them), and open puts a sync mark after
	// them so that they are protected like acknowledged ones from now on.
	dir := t.TempDir()
	path := crashAfterUnsynced(t, dir, 0, 3, 8)
	before := fileSize(t, path)
	s := openT(t, dir, 0)
	wantZxids(t, s, 0, upto(8))
	if got := fileSize(t, path); got != before+markSize {
		t.Fatalf("segment has %d bytes after open, want %d plus a sync mark", got, before)
	}
	_ = s.Close()
	flipByte(t, path, offsetOf(t, path, 8))
	refuse(t, dir, 0, path)
}

func TestFileStoreSyncWritesOneMarkPerSync(t *testing.T) {
	s := openT(t, t.TempDir(), 0)
	appendSync(t, s, seq(1, 3))
	path := s.active().path
	want := int64(3*recordSize(seq(1, 1)[0]) + markSize)
	if got := fileSize(t, path); got != want {
		t.Fatalf("after one sync: %d bytes, want %d", got, want)
	}
	if err := s.Sync(); err != nil { // nothing new: no second mark
		t.Fatal(err)
	}
	if got := fileSize(t, path); got != want {
		t.Fatalf("after an idle sync: %d bytes, want %d", got, want)
	}
}

func TestFileStoreChainBreakAtTheEndIsDamage(t *testing.T) {
	// A record with good checksums was written whole, so no crash
	// explains one that does not follow its predecessor, even as the very
	// last thing in the file.
	for _, tc := range []struct {
		name string
		prev uint64
		e    Entry
	}{
		{"wrong prev", 3, Entry{Zxid: 6}},
		{"zxid going back", 5, Entry{Zxid: 4}},
		{"zxid repeated", 5, Entry{Zxid: 5}},
		{"mark after the wrong entry", 4, Entry{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 0)
			appendSync(t, s, seq(1, 5))
			path := s.active().path
			_ = s.Close()
			b, _ := os.ReadFile(path)
			at := int64(len(b))
			if tc.e.Zxid == 0 {
				b = appendMark(b, tc.prev)
			} else {
				b = appendRecord(b, tc.prev, tc.e)
			}
			writeFile(t, path, b)
			if ce := refuse(t, dir, 0, path); ce.Offset != at {
				t.Fatalf("error at byte %d, want %d", ce.Offset, at)
			}
		})
	}
}

func TestFileStoreFirstRecordMustFollowSegmentBase(t *testing.T) {
	// The first record of a segment chains to the segment's base: a
	// segment whose name was changed no longer fits its records.
	dir := t.TempDir()
	s := openT(t, dir, 0)
	if err := s.InstallSnapshot(Snapshot{Zxid: 10, Data: []byte("ten")}); err != nil {
		t.Fatal(err)
	}
	appendSync(t, s, seq(11, 12))
	path := s.active().path
	_ = s.Close()
	b, _ := os.ReadFile(path)
	writeFile(t, path, appendRecord(nil, 9, Entry{Zxid: 11})) // intact, but after 9
	_ = b
	if ce := refuse(t, dir, 0, path); ce.Offset != 0 {
		t.Fatalf("error at byte %d, want 0", ce.Offset)
	}
}

func TestZeroBytesHoldNoRecord(t *testing.T) {
	// Zeros are what a crash most often leaves: they must never pass for
	// a record, or for a sync mark.
	if _, _, problem := readRecord(make([]byte, 64)); problem == "" {
		t.Fatal("an all-zero header passed its checksum")
	}
	if at := findIntactRecord(make([]byte, 1<<16), 0); at >= 0 {
		t.Fatalf("found a record at byte %d of zeros", at)
	}
}

// restoreFiles writes back files saved by saveFiles.
func restoreFiles(t *testing.T, saved map[string][]byte) {
	t.Helper()
	for path, b := range saved {
		writeFile(t, path, b)
	}
}

// saveFiles returns the content of the given files.
func saveFiles(t *testing.T, paths ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = b
	}
	return out
}

func TestFileStoreInterruptedCompactionLeftovers(t *testing.T) {
	// Compact moves the manifest's first segment, then deletes the
	// segments before it; a crash, and a file system persisting the
	// deletions in any order, can leave any of them. They are leftovers.
	for _, keep := range [][]int{{0}, {1}, {0, 2}, {0, 1, 2}} {
		t.Run(fmt.Sprint(keep), func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 100)
			ackEach(t, s, 1, 30)
			cover := s.segs[3].base
			if err := s.SaveSnapshot(Snapshot{Zxid: cover}); err != nil {
				t.Fatal(err)
			}
			var old []string
			for _, i := range keep {
				old = append(old, s.segs[i].path)
			}
			saved := saveFiles(t, old...)
			if err := s.Compact(cover); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			restoreFiles(t, saved) // the deletions did not reach the disk
			s = openT(t, dir, 100)
			wantZxids(t, s, cover, upto(30)[cover:])
			for _, p := range old {
				if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("leftover %s not deleted: %v", p, err)
				}
			}
		})
	}
}

func TestFileStoreInterruptedInstallSnapshot(t *testing.T) {
	// InstallSnapshot renames the snapshot file (new generation), then
	// deletes the old segments, creates the new one and writes the
	// manifest. A crash anywhere in between must neither let the old log
	// reappear, even its entries above the snapshot (ZOOKEEPER-2832), nor
	// be taken for damage.
	for _, tc := range []struct {
		name            string
		oldSegs         bool // the deletions did not reach the disk
		newSeg          bool // the new segment did
		newManifest     bool // the manifest did
		wantNewSegFiles int
	}{
		{"only the snapshot file", true, false, false, 1},
		{"old segments deleted", false, false, false, 1},
		{"new segment created", false, true, false, 1},
		{"old segments back after the manifest", true, true, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 64)
			ackEach(t, s, 1, 20)
			_ = s.Close()
			s = openT(t, dir, 64)
			oldSegs := saveFiles(t, segFiles(t, dir)...)
			oldManifest := saveFiles(t, filepath.Join(dir, manifestFile))
			if err := s.InstallSnapshot(Snapshot{Zxid: 5, Data: []byte("leader")}); err != nil {
				t.Fatal(err)
			}
			newSeg := s.active().path
			_ = s.Close()
			if tc.oldSegs {
				restoreFiles(t, oldSegs)
			}
			if !tc.newSeg {
				if err := os.Remove(newSeg); err != nil {
					t.Fatal(err)
				}
			}
			if !tc.newManifest {
				restoreFiles(t, oldManifest)
			}
			s = openT(t, dir, 64)
			if got := s.LastZxid(); got != 5 {
				t.Fatalf("LastZxid = %d, want the snapshot's 5", got)
			}
			wantZxids(t, s, 5, nil)
			files := segFiles(t, dir)
			if len(files) != 1 || !strings.HasSuffix(files[0], segmentName(1, 5)) {
				t.Fatalf("segments after recovery: %v", files)
			}
			appendSync(t, s, seq(6, 7))
			s = reopenT(t, s)
			wantZxids(t, s, 5, []uint64{6, 7})
		})
	}
}

func TestFileStoreInterruptedRoll(t *testing.T) {
	// A roll creates the next segment, makes it durable, then names it in
	// the manifest; nothing is written to it before. A crash before the
	// manifest leaves an empty segment past the manifest's last.
	dir := t.TempDir()
	s := openT(t, dir, 100)
	ackEach(t, s, 1, 5)
	// The synced file too: the crash comes before the Sync of the
	// record that rolled, so its point is at most that of an earlier one.
	manifest := saveFiles(t, filepath.Join(dir, manifestFile), filepath.Join(dir, syncedFile))
	n := len(s.segs)
	for z := uint64(6); len(s.segs) == n; z++ {
		appendSync(t, s, named(z, z))
	}
	newSeg := s.active().path
	_ = s.Close()
	restoreFiles(t, manifest)
	if err := os.Truncate(newSeg, 0); err != nil {
		t.Fatal(err)
	}
	// What the old last segment holds is all there is: the records in
	// the new one were written after the roll returned, which it did not.
	s = openT(t, dir, 100)
	if _, err := os.Stat(newSeg); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("leftover segment not deleted: %v", err)
	}
	got, err := s.Entries(0, 0)
	if err != nil || len(got) < 5 || !slices.Equal(zxidsOf(got)[:5], upto(5)) {
		t.Fatalf("log after an interrupted roll: %v, %v", zxidsOf(got), err)
	}
}

func TestFileStoreInterruptedTruncation(t *testing.T) {
	// TruncateAfter moves the manifest's last segment back, deletes the
	// later ones, then cuts. A crash after the manifest leaves the later
	// segments (leftovers) and the uncut segment: the log is then a
	// prefix of the old one, longer than the cut, as if the truncation
	// had not reached the disk.
	dir := t.TempDir()
	s := openT(t, dir, 200)
	ackEach(t, s, 1, 30)
	k := 2 // the cut falls after the first record of segment k
	if len(s.segs[k].idx) < 2 || len(s.segs) < k+3 {
		t.Fatalf("segment %d has %d records of %d segments; the test needs more", k, len(s.segs[k].idx), len(s.segs))
	}
	cutAfter := s.segs[k].idx[0].zxid
	keptUpTo := s.segs[k].last()
	all := saveFiles(t, segFiles(t, dir)...)
	if err := s.TruncateAfter(cutAfter); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	restoreFiles(t, all)
	s = openT(t, dir, 200)
	wantZxids(t, s, 0, upto(keptUpTo))
	if n := len(segFiles(t, dir)); n != k+1 {
		t.Fatalf("%d segments after recovery, want %d", n, k+1)
	}
	// Truncating again finishes the job.
	if err := s.TruncateAfter(cutAfter); err != nil {
		t.Fatal(err)
	}
	s = reopenT(t, s)
	wantZxids(t, s, 0, upto(cutAfter))
}

func TestFileStoreInterruptedCreation(t *testing.T) {
	// Creation writes the first segment, the epochs and snapshot files,
	// then the manifest. Before the manifest, the directory holds no data
	// and is simply created again.
	dir := t.TempDir()
	s := openT(t, dir, 0)
	_ = s.Close()
	if err := os.Remove(filepath.Join(dir, manifestFile)); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, 0)
	wantZxids(t, s, 0, nil)
	appendSync(t, s, seq(1, 2))
	s = reopenT(t, s)
	wantZxids(t, s, 0, upto(2))
}

func TestFileStoreLegalEmptyLogs(t *testing.T) {
	// An empty log is legal after an epoch was established with nothing
	// written yet, and after a SNAP install: neither may be taken for a
	// log whose segments were deleted.
	t.Run("epoch with no entries", func(t *testing.T) {
		s := openT(t, t.TempDir(), 0)
		if err := s.SetEpochs(1, 1); err != nil {
			t.Fatal(err)
		}
		s = reopenT(t, s)
		if a, c := s.Epochs(); a != 1 || c != 1 || s.LastZxid() != 0 {
			t.Fatalf("epochs %d/%d, last %d", a, c, s.LastZxid())
		}
	})
	t.Run("snapshot install with no entries", func(t *testing.T) {
		s := openT(t, t.TempDir(), 0)
		appendSync(t, s, seq(1, 3))
		if err := s.SetEpochs(2, 2); err != nil {
			t.Fatal(err)
		}
		if err := s.InstallSnapshot(Snapshot{Zxid: 1<<32 | 7, Data: []byte("snap")}); err != nil {
			t.Fatal(err)
		}
		s = reopenT(t, s)
		if s.LastZxid() != 1<<32|7 || s.FirstZxid() != 0 {
			t.Fatalf("last %x first %x", s.LastZxid(), s.FirstZxid())
		}
	})
}

func TestFileStoreTruncateDeletesLaterSegmentsAndSnapshot(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, 64)
	appendSync(t, s, seq(1, 20))
	if err := s.SaveSnapshot(Snapshot{Zxid: 15}); err != nil {
		t.Fatal(err)
	}
	if err := s.TruncateAfter(4); err != nil {
		t.Fatal(err)
	}
	// Two records per segment: 1-2, 3-4, 5-6 (base 4, cut whole), ...
	if n := len(segFiles(t, dir)); n != 3 {
		t.Fatalf("%d segment files after truncating into the third", n)
	}
	b, _ := os.ReadFile(filepath.Join(dir, snapshotFile))
	st, problem := decodeSnapshotFile(b)
	if problem != "" || st.snap != nil {
		t.Fatalf("snapshot file after truncation: %+v, %s", st, problem)
	}
	s = reopenT(t, s)
	wantZxids(t, s, 0, upto(4))
}

func TestFileStoreCompactEverythingLeavesOneEmptySegment(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, 64)
	appendSync(t, s, seq(1, 20))
	if err := s.SaveSnapshot(Snapshot{Zxid: 20}); err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(20); err != nil {
		t.Fatal(err)
	}
	if files := segFiles(t, dir); len(files) != 1 || !strings.HasSuffix(files[0], segmentName(0, 20)) {
		t.Fatalf("segments after compacting everything: %v", files)
	}
	if f := s.FirstZxid(); f != 0 {
		t.Fatalf("FirstZxid = %d, want 0", f)
	}
	s = reopenT(t, s)
	appendSync(t, s, seq(21, 21))
	s = reopenT(t, s)
	wantZxids(t, s, 20, []uint64{21})
}

func TestFileStoreEntriesDetectsBitRotAfterOpen(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, 0)
	appendSync(t, s, seq(1, 5))
	flipByte(t, s.segs[0].path, s.segs[0].idx[3].off+recordHeaderSize)
	_, err := s.Entries(0, 0)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != s.segs[0].path || ce.Offset != s.segs[0].idx[3].off {
		t.Fatalf("Entries over a flipped bit: %v, want a *CorruptError at record 4", err)
	}
	if _, err := s.Entries(0, 3); err != nil {
		t.Fatalf("Entries before the flipped bit: %v", err)
	}
}

func TestFileStoreFailedWriteIsSticky(t *testing.T) {
	s := openT(t, t.TempDir(), 0)
	appendSync(t, s, seq(1, 2))
	_ = s.active().f.Close() // every write from now on fails
	if err := s.Append(seq(3, 3)...); err == nil {
		t.Fatal("Append on a closed file succeeded")
	}
	if err := s.Sync(); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("Sync after a failed write: %v, want the sticky failure", err)
	}
	if err := s.SetEpochs(1, 1); err == nil {
		t.Fatal("SetEpochs after a failed write succeeded")
	}
	if s.LastZxid() != 0 {
		t.Fatal("broken store still reports a last zxid")
	}
}

func TestFileStoreOpenRejectsDamagedMetaFiles(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		data       []byte
	}{
		{"epochs garbage", epochsFile, []byte("garbage")},
		{"epochs bit flip", epochsFile, flipped(encodeEpochs(epochsState{accepted: 3, current: 2, attempt: 4}), 5)},
		{"epochs too large", epochsFile, make([]byte, 100)},
		{"epochs attempt bit flip", epochsFile, flipped(encodeEpochs(epochsState{accepted: 3, current: 2, attempt: 4}), 13)},
		{"snapshot garbage", snapshotFile, []byte("garbage")},
		{"snapshot bit flip", snapshotFile, flipped(encodeSnapshotFile(snapshotState{gen: 1, snap: &Snapshot{Zxid: 9, Data: []byte("abc")}}), 20)},
		{"snapshot truncated", snapshotFile, encodeSnapshotFile(snapshotState{gen: 1, snap: &Snapshot{Zxid: 9, Data: []byte("abc")}})[:30]},
		{"manifest garbage", manifestFile, []byte("garbage")},
		{"manifest bit flip", manifestFile, flipped(encodeManifest(manifestState{gen: 1, first: 2, last: 3}), 9)},
		{"manifest first above last", manifestFile, encodeManifest(manifestState{gen: 0, first: 9, last: 3})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 0)
			appendSync(t, s, seq(1, 3))
			_ = s.Close()
			path := filepath.Join(dir, tc.file)
			writeFile(t, path, tc.data)
			refuse(t, dir, 0, path)
		})
	}
}

func TestFileStoreOpenCleansTempFilesAndIgnoresStrangers(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "epochs.123"+tmpSuffix), []byte("half written"))
	writeFile(t, filepath.Join(dir, "README"), []byte("not ours"))
	writeFile(t, filepath.Join(dir, "zz-notahex.seg"), []byte("not a segment"))
	s := openT(t, dir, 0)
	if _, err := os.Stat(filepath.Join(dir, "epochs.123"+tmpSuffix)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temp file survived open: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "README")); err != nil {
		t.Fatalf("unrelated file removed: %v", err)
	}
	wantZxids(t, s, 0, nil)
}

func TestFileStoreEpochsAndSnapshotSurviveReopen(t *testing.T) {
	s := openT(t, t.TempDir(), 0)
	appendSync(t, s, seq(1, 3))
	if err := s.SetEpochs(7, 6); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSnapshot(Snapshot{Zxid: 2, Data: []byte("two")}); err != nil {
		t.Fatal(err)
	}
	s = reopenT(t, s)
	if a, c := s.Epochs(); a != 7 || c != 6 {
		t.Fatalf("Epochs = %d,%d", a, c)
	}
	if snap, ok := s.Snapshot(); !ok || snap.Zxid != 2 || string(snap.Data) != "two" {
		t.Fatalf("Snapshot = %+v, %v", snap, ok)
	}
}

func TestSegmentNames(t *testing.T) {
	name := segmentName(3, 0xabc)
	if gen, base, ok := parseSegmentName(name); !ok || gen != 3 || base != 0xabc {
		t.Fatalf("parse(%q) = %d, %d, %v", name, gen, base, ok)
	}
	for _, bad := range []string{
		"", ".seg", "0000000000000003-0000000000000abc.log",
		"0000000000000003_0000000000000abc.seg", "000000000000003-00000000000000abc.seg",
		"000000000000000g-0000000000000abc.seg",
	} {
		if _, _, ok := parseSegmentName(bad); ok {
			t.Errorf("parseSegmentName(%q) accepted", bad)
		}
	}
}

func TestDecodeSnapshotFileRejectsInconsistentHeader(t *testing.T) {
	good := encodeSnapshotFile(snapshotState{gen: 2, snap: &Snapshot{Zxid: 9, Data: []byte("abc")}})
	if st, problem := decodeSnapshotFile(good); problem != "" || st.gen != 2 || st.snap.Zxid != 9 || string(st.snap.Data) != "abc" {
		t.Fatalf("round trip: %+v, %s", st, problem)
	}
	none := encodeSnapshotFile(snapshotState{gen: 4})
	if st, problem := decodeSnapshotFile(none); problem != "" || st.gen != 4 || st.snap != nil {
		t.Fatalf("round trip without snapshot: %+v, %s", st, problem)
	}
	// Headers that pass the CRC but contradict themselves.
	for name, mutate := range map[string]func(b []byte){
		"unknown flag":        func(b []byte) { b[12] = 0x80 },
		"length mismatch":     func(b []byte) { b[21]++ },
		"zxid without a flag": func(b []byte) { b[12], b[13] = 0, 1 },
	} {
		b := slices.Clone(good)
		if name == "zxid without a flag" {
			b = slices.Clone(none)
		}
		mutate(b)
		b = append(b[:len(b)-4], 0, 0, 0, 0)
		resealCRC(b)
		if _, problem := decodeSnapshotFile(b); problem == "" {
			t.Errorf("%s: accepted", name)
		}
	}
}

// resealCRC rewrites the trailing CRC of a meta file after a mutation.
func resealCRC(b []byte) {
	sum := crc32c(b[:len(b)-4])
	b[len(b)-4], b[len(b)-3], b[len(b)-2], b[len(b)-1] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)
}

// writeFile writes a file or fails the test.
func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// flipByte inverts one byte of a file in place.
func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0xff
	writeFile(t, path, b)
}

// flipped returns b with byte i inverted.
func flipped(b []byte, i int) []byte {
	b = slices.Clone(b)
	b[i] ^= 0xff
	return b
}

func TestFileStoreTornSyncedSlot(t *testing.T) {
	// A crash while Sync writes the synced file spoils the slot being
	// written; the other names an earlier point, which the log reaches.
	// The next Sync writes the spoiled slot again.
	dir := t.TempDir()
	s := openT(t, dir, 0)
	ackEach(t, s, 1, 5)
	newest := int64(s.synced.num%2) * syncedBlockSize
	_ = s.Close()
	path := filepath.Join(dir, syncedFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	clear(b[newest+10 : newest+syncedBlockSize])
	writeFile(t, path, b)
	if _, zxid, spoiled, p := decodeSyncedFile(b); p != "" || zxid != 4 || spoiled == "" {
		t.Fatalf("torn newer slot: point %d, spoiled %q, problem %q; want the older slot's 4", zxid, spoiled, p)
	}

	s = openT(t, dir, 0)
	if got, err := s.Entries(0, 0); err != nil || !slices.Equal(zxidsOf(got), upto(5)) {
		t.Fatalf("log after a torn synced slot: %v, %v", zxidsOf(got), err)
	}
	appendSync(t, s, named(6, 6))
	_ = s.Close()
	b, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 2 {
		slot := b[k*syncedBlockSize : k*syncedBlockSize+syncedSlotSize]
		if p := checkMetaFile(slot, syncedMagic, syncedSlotSize); p != "" {
			t.Fatalf("slot %d still spoiled after a Sync: %s", k, p)
		}
	}
	if _, zxid, _, p := decodeSyncedFile(b); p != "" || zxid != 6 {
		t.Fatalf("synced point %d (%s), want 6", zxid, p)
	}
}

func TestSyncedSlotsMustSitInTheirPlaces(t *testing.T) {
	// Slot n%2 holds number n. Swapped blocks (a copy gone wrong) are
	// two valid checksums in the wrong places: neither is believed.
	b := initialSyncedFile()
	if _, _, spoiled, p := decodeSyncedFile(b); p != "" || spoiled != "" {
		t.Fatalf("initial file: spoiled %q, problem %q", spoiled, p)
	}
	swapped := append(bytes.Clone(b[syncedBlockSize:]), b[:syncedBlockSize]...)
	if _, _, _, p := decodeSyncedFile(swapped); !strings.Contains(p, "in place") {
		t.Fatalf("swapped slots: problem %q, want both out of place", p)
	}
}

func TestFileStoreCutsLowerTheSyncedPoint(t *testing.T) {
	// TruncateAfter and InstallSnapshot shorten the log on purpose; each
	// lowers the synced point to where the log will end first, so the
	// next open, whether or not a crash interrupted them, finds no lost
	// entries. The cut after zxid 5 ends the log at 3: 5 is no entry.
	epoch2 := uint64(1) << 32
	entries := append(named(1, 3), named(epoch2|1, epoch2|3)...)
	cases := []struct {
		name string
		cut  func(*FileStore) error
		want uint64
	}{
		{"truncate", func(s *FileStore) error { return s.TruncateAfter(5) }, 3},
		{"install", func(s *FileStore) error { return s.InstallSnapshot(Snapshot{Zxid: 2, Data: []byte("at 2")}) }, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 0)
			appendSync(t, s, entries)
			if err := tc.cut(s); err != nil {
				t.Fatal(err)
			}
			if s.synced.zxid != tc.want {
				t.Fatalf("synced point %#x after the cut, want %#x", s.synced.zxid, tc.want)
			}
			_ = s.Close()
			s = openT(t, dir, 0)
			if got := s.LastZxid(); got != tc.want {
				t.Fatalf("reopened log ends at %#x, want %#x", got, tc.want)
			}
		})
	}
}

func TestFileStoreCutsLowerTheSyncedPointFirst(t *testing.T) {
	// The point goes down before the cut, so a failure (or a crash)
	// between the two leaves the log whole and the point low, which
	// opens; the other order would leave the log cut and the point high,
	// which is refused as lost entries. A closed synced file makes the
	// lowering fail.
	cases := []struct {
		name string
		cut  func(*FileStore) error
	}{
		{"truncate", func(s *FileStore) error { return s.TruncateAfter(5) }},
		{"install", func(s *FileStore) error { return s.InstallSnapshot(Snapshot{Zxid: 2, Data: []byte("at 2")}) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 0)
			ackEach(t, s, 1, 10)
			_ = s.synced.f.Close()
			if err := tc.cut(s); err == nil {
				t.Fatal("the cut succeeded though the synced point could not be lowered")
			}
			_ = s.Close()
			s = openT(t, dir, 0)
			if got, err := s.Entries(0, 0); err != nil || !slices.Equal(zxidsOf(got), upto(10)) {
				t.Fatalf("log after a failed lowering: %v, %v; want it whole", zxidsOf(got), err)
			}
		})
	}
}

func TestOpenFileStoreMakesItsDirectoryDurable(t *testing.T) {
	// A new store two levels down: the directory above each new one is
	// fsynced, so a power loss cannot take the store's directory away
	// after it acknowledged writes. Again at the next open, for the
	// directory above the store's.
	root := t.TempDir()
	dir := filepath.Join(root, "data", "n0")
	var synced []string
	diskEvent = func(kind diskEventKind, path string) {
		if kind == diskDirSynced {
			synced = append(synced, path)
		}
	}
	t.Cleanup(func() { diskEvent = nil })
	s := openT(t, dir, 0)
	_ = s.Close()
	for _, want := range []string{root, filepath.Join(root, "data")} {
		if !slices.Contains(synced, want) {
			t.Errorf("creating %s fsynced %v, not %s", dir, synced, want)
		}
	}
	synced = nil
	s = openT(t, dir, 0)
	_ = s.Close()
	if !slices.Contains(synced, filepath.Join(root, "data")) {
		t.Errorf("reopening %s fsynced %v, not the directory above it", dir, synced)
	}
}
