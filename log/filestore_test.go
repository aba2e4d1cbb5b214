package log

import (
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
	s := openT(t, t.TempDir(), 64) // each record is 8+8+3 bytes: 3 per segment
	appendSync(t, s, seq(1, 20))
	files := segFiles(t, s.dir)
	if len(files) < 5 {
		t.Fatalf("%d segment files for 20 records of 19 bytes at 64 bytes per segment", len(files))
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

func TestFileStoreCutsTornTail(t *testing.T) {
	// A crash in the middle of the last write leaves part of a record.
	// Cutting at every byte of the last record must keep the nine before.
	whole := appendRecord(nil, Entry{Zxid: 10, Data: []byte("v10")})
	for cut := 1; cut < len(whole); cut++ {
		t.Run(fmt.Sprintf("cut%d", cut), func(t *testing.T) {
			s := openT(t, t.TempDir(), 0)
			appendSync(t, s, seq(1, 10))
			_ = s.Close()
			path := segFiles(t, s.dir)[0]
			fi, _ := os.Stat(path)
			if err := os.Truncate(path, fi.Size()-int64(cut)); err != nil {
				t.Fatal(err)
			}
			s = openT(t, s.dir, 0)
			wantZxids(t, s, 0, upto(9))
			// The torn bytes are gone from the file, so what is appended
			// now is readable after the next open.
			appendSync(t, s, seq(10, 11))
			s = reopenT(t, s)
			wantZxids(t, s, 0, upto(11))
		})
	}
}

func TestFileStoreCorruptRecordDropsEverythingAfter(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, 64)
	appendSync(t, s, seq(1, 20))
	victim := s.segs[2] // records 7..9 at 3 per segment
	off := victim.idx[1].off + recordHeaderSize + zxidSize
	_ = s.Close()
	flipByte(t, victim.path, off)
	s = openT(t, dir, 64)
	// Records before the damage stay, including the one before it in the
	// same segment; the damaged one and every later segment go.
	wantZxids(t, s, 0, upto(victim.idx[0].zxid))
	if n := len(segFiles(t, dir)); n != 3 {
		t.Fatalf("%d segment files after cutting in the third", n)
	}
}

func TestFileStoreZxidGoingBackwardsIsDamage(t *testing.T) {
	dir := t.TempDir()
	var b []byte
	for _, z := range []uint64{1, 2, 3, 2, 4} { // each record has a valid CRC
		b = appendRecord(b, Entry{Zxid: z})
	}
	writeFile(t, filepath.Join(dir, segmentName(0, 0)), b)
	s := openT(t, dir, 0)
	wantZxids(t, s, 0, []uint64{1, 2, 3})
}

func TestFileStoreRecordAtOrBelowSegmentBaseIsDamage(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, segmentName(0, 0)), appendRecord(nil, Entry{Zxid: 5}))
	writeFile(t, filepath.Join(dir, segmentName(0, 5)), appendRecord(appendRecord(nil, Entry{Zxid: 5}), Entry{Zxid: 6}))
	s := openT(t, dir, 0)
	wantZxids(t, s, 0, []uint64{5})
}

func TestFileStoreZeroFilledTail(t *testing.T) {
	// Some file systems expose zeroed blocks after a crash: a zero length
	// field is damage, not a record.
	dir := t.TempDir()
	b := appendRecord(nil, Entry{Zxid: 1, Data: []byte("x")})
	b = append(b, make([]byte, 4096)...)
	writeFile(t, filepath.Join(dir, segmentName(0, 0)), b)
	s := openT(t, dir, 0)
	wantZxids(t, s, 0, []uint64{1})
	if fi, _ := os.Stat(s.segs[0].path); fi.Size() != int64(recordSize(Entry{Data: []byte("x")})) {
		t.Fatalf("zeroed tail not cut: file has %d bytes", fi.Size())
	}
}

func TestFileStoreMissingMiddleSegmentDropsLaterOnes(t *testing.T) {
	// A break in the chain with no snapshot over it is damage: keep what
	// precedes it.
	dir := t.TempDir()
	s := openT(t, dir, 64)
	appendSync(t, s, seq(1, 20))
	last := s.segs[1].last()
	_ = s.Close()
	if err := os.Remove(s.segs[2].path); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, 64)
	wantZxids(t, s, 0, upto(last))
}

func TestFileStoreInterruptedCompactionLeftovers(t *testing.T) {
	// Compact deletes segments oldest first, but the file system may
	// persist the deletions in another order. A gap the snapshot covers
	// means the segments before it are leftovers, not that the ones
	// after it are damage.
	dir := t.TempDir()
	s := openT(t, dir, 64)
	appendSync(t, s, seq(1, 20))
	cover := s.segs[3].base
	if err := s.SaveSnapshot(Snapshot{Zxid: cover}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if err := os.Remove(s.segs[1].path); err != nil { // 0 and 2 survive
		t.Fatal(err)
	}
	s = openT(t, dir, 64)
	wantZxids(t, s, cover, upto(20)[cover:])
	if got := s.segs[0].base; got == 0 {
		t.Fatal("leftover first segment kept")
	}
}

func TestFileStoreInterruptedInstallSnapshot(t *testing.T) {
	// InstallSnapshot renames the snapshot file (new generation) before
	// deleting the old segments. A crash in between must not let the old
	// log, even its entries above the snapshot, reappear (ZOOKEEPER-2832).
	dir := t.TempDir()
	s := openT(t, dir, 64)
	appendSync(t, s, seq(1, 20))
	_ = s.Close()
	snap := &Snapshot{Zxid: 5, Data: []byte("leader")}
	if err := writeFileAtomic(dir, snapshotFile, encodeSnapshotFile(snapshotState{gen: 1, snap: snap})); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, 64)
	if got := s.LastZxid(); got != 5 {
		t.Fatalf("LastZxid = %d, want the snapshot's 5", got)
	}
	wantZxids(t, s, 5, nil)
	files := segFiles(t, dir)
	if len(files) != 1 || !strings.Contains(files[0], segmentName(1, 5)) {
		t.Fatalf("segments after recovery: %v", files)
	}
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
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if n := len(segFiles(t, dir)); n != 2 {
		t.Fatalf("%d segment files after truncating into the second", n)
	}
	b, _ := os.ReadFile(filepath.Join(dir, snapshotFile))
	st, err := decodeSnapshotFile(b)
	if err != nil || st.snap != nil {
		t.Fatalf("snapshot file after truncation: %+v, %v", st, err)
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
}

func TestFileStoreEntriesDetectsBitRotAfterOpen(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, 0)
	appendSync(t, s, seq(1, 5))
	flipByte(t, s.segs[0].path, s.segs[0].idx[3].off+recordHeaderSize+zxidSize)
	if _, err := s.Entries(0, 0); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Entries over a flipped bit: %v, want ErrCorrupt", err)
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, tc.file), tc.data)
			if _, err := OpenFileStore(dir, FileOptions{}); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("OpenFileStore: %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestFileStoreOpenRejectsLogWithoutItsSnapshot(t *testing.T) {
	// A log that starts after zxid 40 needs a snapshot at 40 or later;
	// without one the store cannot know the history before it.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, segmentName(0, 40)), appendRecord(nil, Entry{Zxid: 41}))
	if _, err := OpenFileStore(dir, FileOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("OpenFileStore: %v, want ErrCorrupt", err)
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
	if st, err := decodeSnapshotFile(good); err != nil || st.gen != 2 || st.snap.Zxid != 9 || string(st.snap.Data) != "abc" {
		t.Fatalf("round trip: %+v, %v", st, err)
	}
	none := encodeSnapshotFile(snapshotState{gen: 4})
	if st, err := decodeSnapshotFile(none); err != nil || st.gen != 4 || st.snap != nil {
		t.Fatalf("round trip without snapshot: %+v, %v", st, err)
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
		if _, err := decodeSnapshotFile(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
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
