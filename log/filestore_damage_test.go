package log

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Damage a crash cannot produce must stop the store from opening, with a
// *CorruptError naming the file and the byte, and without touching the
// files. These tests play each kind of damage through the public API and
// plain file operations only; the records carry unique data so a test can
// find one in a segment without knowing the record layout.

// recData is the data of record z: unique in every segment.
func recData(z uint64) string { return fmt.Sprintf("<record %06d>", z) }

// named returns entries from..to carrying recData.
func named(from, to uint64) []Entry {
	var out []Entry
	for z := from; z <= to; z++ {
		out = append(out, Entry{Zxid: z, Data: []byte(recData(z))})
	}
	return out
}

// offsetOf is the offset of record z's data in the file at path.
func offsetOf(t *testing.T, path string, z uint64) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pat := []byte(recData(z))
	i := bytes.Index(b, pat)
	if i < 0 || bytes.LastIndex(b, pat) != i {
		t.Fatalf("record %d found %d times in %s", z, bytes.Count(b, pat), path)
	}
	return int64(i)
}

// segmentHolding is the segment file that holds record z.
func segmentHolding(t *testing.T, dir string, z uint64) string {
	t.Helper()
	for _, p := range segFiles(t, dir) {
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(recData(z))) {
			return p
		}
	}
	t.Fatalf("no segment holds record %d", z)
	return ""
}

// ackEach appends from..to one at a time, each synced on its own: every
// record is acknowledged when the next is written.
func ackEach(t *testing.T, s *FileStore, from, to uint64) {
	t.Helper()
	for z := from; z <= to; z++ {
		appendSync(t, s, named(z, z))
	}
}

// snapshotDir returns every file of dir with its content.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[de.Name()] = string(b)
	}
	return out
}

// refuse opens dir, expects a *CorruptError about file (a path), and
// checks that the refused open changed nothing in dir.
func refuse(t *testing.T, dir string, segSize int64, file string) *CorruptError {
	t.Helper()
	before := snapshotDir(t, dir)
	s, err := OpenFileStore(dir, FileOptions{SegmentSize: segSize})
	if err == nil {
		got, _ := s.Entries(0, 0)
		_ = s.Close()
		t.Fatalf("damaged store opened, log %v", zxidsOf(got))
	}
	var ce *CorruptError
	if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) {
		t.Fatalf("open: %v, want a *CorruptError", err)
	}
	if ce.File != file {
		t.Fatalf("error names %s, want %s (%v)", ce.File, file, err)
	}
	if after := snapshotDir(t, dir); !maps.Equal(after, before) {
		t.Fatalf("refused open changed the directory")
	}
	t.Logf("refused: %v", err)
	return ce
}

// recordBounds returns where the start of record z must lie in the file
// at path: after the data of record z-1 (or at 0), at or before the data
// of record z. Call it before damaging the file.
func recordBounds(t *testing.T, path string, z uint64) (lo, hi int64) {
	t.Helper()
	hi = offsetOf(t, path, z)
	if b, _ := os.ReadFile(path); z > 1 && bytes.Contains(b, []byte(recData(z-1))) {
		lo = offsetOf(t, path, z-1) + int64(len(recData(z-1)))
	}
	return lo, hi
}

// wantAt checks that the error points into [lo, hi].
func wantAt(t *testing.T, ce *CorruptError, lo, hi int64) {
	t.Helper()
	if ce.Offset < lo || ce.Offset > hi {
		t.Fatalf("error at byte %d, want the start of the damaged record, in [%d, %d]", ce.Offset, lo, hi)
	}
}

func TestDamageFlippedByteMidSegmentIsRefused(t *testing.T) {
	// The case of the issue: one flipped byte in the middle of a segment
	// of acknowledged records. Cutting there loses every later record.
	dir := t.TempDir()
	s := openT(t, dir, 0)
	ackEach(t, s, 1, 30)
	_ = s.Close()
	seg := segmentHolding(t, dir, 15)
	lo, hi := recordBounds(t, seg, 15)
	flipByte(t, seg, hi+3)
	wantAt(t, refuse(t, dir, 0, seg), lo, hi)
}

func TestDamageHeaderBytesAreRefused(t *testing.T) {
	// A flipped header byte can make a record claim another length; the
	// records after it must still be found, so the damage is not
	// mistaken for a torn end. Flip each of the first 8 bytes of the
	// record's header in turn.
	for i := int64(0); i < 8; i++ {
		t.Run(fmt.Sprint("byte", i), func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 0)
			ackEach(t, s, 1, 20)
			_ = s.Close()
			seg := segmentHolding(t, dir, 10)
			lo, hi := recordBounds(t, seg, 10)
			flipByte(t, seg, lo+i)
			wantAt(t, refuse(t, dir, 0, seg), lo, hi)
		})
	}
}

func TestDamageFirstRecordIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, 0)
	ackEach(t, s, 1, 5)
	_ = s.Close()
	seg := segmentHolding(t, dir, 1)
	lo, hi := recordBounds(t, seg, 1)
	flipByte(t, seg, hi)
	wantAt(t, refuse(t, dir, 0, seg), lo, hi)
}

func TestDamageLastAcknowledgedRecordIsRefused(t *testing.T) {
	// The last record of the log, synced: nothing follows it but what
	// Sync wrote to vouch for it, so a flipped byte in it is damage, not
	// a torn write.
	dir := t.TempDir()
	s := openT(t, dir, 0)
	ackEach(t, s, 1, 10)
	_ = s.Close()
	seg := segmentHolding(t, dir, 10)
	lo, hi := recordBounds(t, seg, 10)
	flipByte(t, seg, hi+5)
	wantAt(t, refuse(t, dir, 0, seg), lo, hi)
}

func TestDamageCutThroughLastAcknowledgedWriteIsRefused(t *testing.T) {
	// The end of the log gone from inside the last acknowledged record
	// on, its sync mark with it: the segment alone looks like a write torn
	// by a crash (or, cut between records, like a log that never had
	// record 10), and only the synced file shows that record 10 was
	// acknowledged. Cut short, overwritten with zeros to the end, or cut
	// where record 10 starts; and, with a snapshot saved at record 10 (an
	// idle node's usual state), cut inside record 8: the snapshot must
	// not count as the end of the log.
	cases := []struct {
		name string
		snap bool
		cut  func(t *testing.T, seg string, b []byte) []byte
	}{
		{"cut", false, func(t *testing.T, seg string, b []byte) []byte { return b[:offsetOf(t, seg, 10)+3] }},
		{"zeroed", false, func(t *testing.T, seg string, b []byte) []byte {
			clear(b[offsetOf(t, seg, 10)+3:])
			return b
		}},
		{"between records", false, func(t *testing.T, seg string, b []byte) []byte {
			lo, _ := recordBounds(t, seg, 10)
			return b[:lo] // record 9 whole, the mark after it gone
		}},
		{"below a snapshot", true, func(t *testing.T, seg string, b []byte) []byte { return b[:offsetOf(t, seg, 8)+3] }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 0)
			ackEach(t, s, 1, 10)
			if tc.snap {
				if err := s.SaveSnapshot(Snapshot{Zxid: 10, Data: []byte("state at 10")}); err != nil {
					t.Fatal(err)
				}
			}
			_ = s.Close()
			seg := segmentHolding(t, dir, 10)
			b, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, seg, tc.cut(t, seg, b))
			ce := refuse(t, dir, 0, seg)
			if !strings.Contains(ce.Problem, "a Sync had made it durable up to "+zxidString(10)) {
				t.Fatalf("the refusal does not say the synced file told: %v", ce)
			}
		})
	}
}

func TestDamageNewerSyncedSlotAfterACutNamesTheSyncedFile(t *testing.T) {
	// TruncateAfter lowered the point (newer slot) below what the older
	// slot says; damage to the newer slot leaves the older one, which the
	// log no longer reaches. Refused, and the synced file named: the
	// segment is intact.
	dir := t.TempDir()
	s := openT(t, dir, 0)
	ackEach(t, s, 1, 10)
	if err := s.TruncateAfter(5); err != nil {
		t.Fatal(err)
	}
	newer := int64(s.synced.num%2) * syncedBlockSize
	_ = s.Close()
	path := filepath.Join(dir, syncedFile)
	flipByte(t, path, newer+6)
	ce := refuse(t, dir, 0, path)
	if !strings.Contains(ce.Problem, "newer slot is damaged") {
		t.Fatalf("the refusal does not say the newer slot is damaged: %v", ce)
	}
}

func TestDamageSyncedFileIsRefused(t *testing.T) {
	// Both slots spoiled: nothing says how far the log was synced. One
	// slot spoiled is what a torn write of it leaves
	// (TestFileStoreTornSyncedSlot).
	dir := t.TempDir()
	s := openT(t, dir, 0)
	ackEach(t, s, 1, 5)
	_ = s.Close()
	path := filepath.Join(dir, syncedFile)
	flipByte(t, path, 6)
	flipByte(t, path, syncedBlockSize+6)
	refuse(t, dir, 0, path)
}

func TestDamageInNonLastSegmentIsRefused(t *testing.T) {
	// Every segment but the last was fsynced whole before the next was
	// created, so nothing in it can be torn: a bad record there is
	// damage even when it is the segment's last.
	dir := t.TempDir()
	s := openT(t, dir, 100)
	ackEach(t, s, 1, 30)
	_ = s.Close()
	files := segFiles(t, dir)
	if len(files) < 4 {
		t.Fatalf("%d segments, want several", len(files))
	}
	victim := files[1]
	b, _ := os.ReadFile(victim)
	flipByte(t, victim, int64(len(b))-3)
	refuse(t, dir, 100, victim)
}

func TestDamageTruncatedNonLastSegmentIsRefused(t *testing.T) {
	for _, cut := range []int64{1, 5, 40} {
		t.Run(fmt.Sprint("cut", cut), func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 100)
			ackEach(t, s, 1, 30)
			_ = s.Close()
			victim := segFiles(t, dir)[1]
			fi, _ := os.Stat(victim)
			if err := os.Truncate(victim, fi.Size()-cut); err != nil {
				t.Fatal(err)
			}
			refuse(t, dir, 100, victim)
		})
	}
}

func TestDamageMissingSegmentIsRefused(t *testing.T) {
	// Deleting any segment, or all of them, is refused and the error
	// names the file that is missing.
	for _, tc := range []struct {
		name string
		del  func(files []string) (deleted []string, named string)
	}{
		{"first", func(f []string) ([]string, string) { return f[:1], f[0] }},
		{"middle", func(f []string) ([]string, string) { return f[2:3], f[2] }},
		{"last", func(f []string) ([]string, string) { return f[len(f)-1:], f[len(f)-1] }},
		{"all", func(f []string) ([]string, string) { return f, f[0] }},
		{"all but the first", func(f []string) ([]string, string) { return f[1:], f[1] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 100)
			ackEach(t, s, 1, 30)
			// A snapshot covering the first segment, never compacted:
			// deleting that segment loses nothing the snapshot lacks,
			// but it is still not something a crash does.
			if err := s.SaveSnapshot(Snapshot{Zxid: 10, Data: []byte("state at 10")}); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			files := segFiles(t, dir)
			deleted, named := tc.del(files)
			for _, f := range deleted {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
			refuse(t, dir, 100, named)
		})
	}
}

func TestDamageEpochWithoutItsLogIsRefused(t *testing.T) {
	// A peer that reached epoch 1 and then lost every segment file looks
	// like a peer with an empty log; the store must know better.
	for _, entries := range []uint64{0, 5} {
		t.Run(fmt.Sprintf("%d entries", entries), func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 0)
			if err := s.SetEpochs(1, 1); err != nil {
				t.Fatal(err)
			}
			if entries > 0 {
				ackEach(t, s, 1, entries)
			}
			_ = s.Close()
			files := segFiles(t, dir)
			for _, f := range files {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
			refuse(t, dir, 0, files[0])
		})
	}
}

func TestDamageRenamedSegmentIsRefused(t *testing.T) {
	// A segment whose name no longer fits the chain (another base, a
	// generation the store never started) is damage, not a leftover.
	dir := t.TempDir()
	s := openT(t, dir, 100)
	ackEach(t, s, 1, 30)
	_ = s.Close()
	files := segFiles(t, dir)
	victim := files[2]
	gen, base, _ := parseSegmentName(filepath.Base(victim))
	for _, tc := range []struct {
		name    string
		newName string
		blamed  string // the file the error names
	}{
		// The chain then misses the segment under its old name.
		{"other base", segmentName(gen, base+1), victim},
		{"newer generation", segmentName(gen+5, base), filepath.Join(dir, segmentName(gen+5, base))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			moved := filepath.Join(dir, tc.newName)
			if err := os.Rename(victim, moved); err != nil {
				t.Fatal(err)
			}
			defer os.Rename(moved, victim)
			refuse(t, dir, 100, tc.blamed)
		})
	}
}

func TestDamageRemovedRecordIsRefused(t *testing.T) {
	// Cut one whole record out of the middle of a segment: every record
	// left is intact, but the zxid chain has a hole.
	dir := t.TempDir()
	s := openT(t, dir, 0)
	var ends []int64
	for z := uint64(1); z <= 10; z++ {
		if err := s.Append(named(z, z)...); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(s.active().path)
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, fi.Size())
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	seg := s.active().path
	_ = s.Close()
	b, _ := os.ReadFile(seg)
	// ends[i] is where record i+1 ends: record 6 is b[ends[4]:ends[5]].
	writeFile(t, seg, append(b[:ends[4]:ends[4]], b[ends[5]:]...))
	ce := refuse(t, dir, 0, seg)
	if ce.Offset != ends[4] {
		t.Fatalf("error at byte %d, want %d where record 7 now starts", ce.Offset, ends[4])
	}
}

func TestDamageMetaFileMissingIsRefused(t *testing.T) {
	for _, name := range []string{epochsFile, snapshotFile, manifestFile, syncedFile} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, 0)
			ackEach(t, s, 1, 5)
			if err := s.SetEpochs(2, 1); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			path := filepath.Join(dir, name)
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			refuse(t, dir, 0, path)
		})
	}
}

func TestDamageSnapshotOlderThanLogStartIsRefused(t *testing.T) {
	// The log was compacted behind a snapshot at 20; a snapshot file put
	// back from before (at 10) cannot rebuild what lies between.
	dir := t.TempDir()
	s := openT(t, dir, 100)
	ackEach(t, s, 1, 30)
	if err := s.SaveSnapshot(Snapshot{Zxid: 10, Data: []byte("at 10")}); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(filepath.Join(dir, snapshotFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSnapshot(Snapshot{Zxid: 20, Data: []byte("at 20")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(20); err != nil {
		t.Fatal(err)
	}
	if s.FirstZxid() <= 11 {
		t.Fatalf("compaction kept the log from %d; the test needs it to start after 11", s.FirstZxid())
	}
	_ = s.Close()
	path := filepath.Join(dir, snapshotFile)
	writeFile(t, path, old)
	refuse(t, dir, 100, path)
}
