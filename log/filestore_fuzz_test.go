package log

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Damage modes FuzzFileLogRecovery applies to one file of the store.
const (
	damageTruncate  = iota // cut the file at pos
	damageFlipBits         // xor bits into the byte at pos
	damageAppend           // append extra to the file
	damageReplace          // the whole file is extra
	damageOverwrite        // extra overwrites the file from pos
	damageZero             // zero len(extra)+1 bytes from pos
	damageDelete           // delete the file
	damageTear             // a crash's tear of the unacknowledged tail (see tear)
	damageModes
)

// FuzzFileLogRecovery writes a log through a FileStore, acknowledging
// (Sync) the first records in batches and writing the rest without a
// Sync, closes it the way a crash leaves it, damages one of its files
// (a segment or a meta file), and opens it again. The outcome must be
// one of:
//
//   - open fails with a *CorruptError (ErrCorrupt) and the directory is
//     untouched; never allowed for damageTear, which is only what a crash
//     does;
//   - open succeeds and the log is a prefix of what was written, intact
//     and in order, that holds every acknowledged record, and every
//     record that lies wholly before the first damaged byte. Damage that
//     destroys the last acknowledged records together with the sync mark
//     after them looks like a torn write to the segment; the synced file
//     (synced.go) is what tells, so that loss is not allowed either.
//
// After a successful open the store must take an append that a reopen
// finds. The seed corpus runs with plain go test; explore with
// go test ./log/ -run '^$' -fuzz FuzzFileLogRecovery -fuzztime 60s.
func FuzzFileLogRecovery(f *testing.F) {
	type seed struct {
		nrec, acked, batch uint8
		small              bool
		mode, file         uint8
		pos                uint16
		bits               uint8
		extra              []byte
	}
	for _, sd := range []seed{
		{30, 30, 1, false, damageFlipBits, 0, 300, 0x04, nil},         // the issue: a byte mid-segment
		{30, 30, 1, false, damageFlipBits, 0, 1000, 0x01, nil},        // the last acknowledged record
		{30, 30, 3, true, damageFlipBits, 2, 60, 0x80, nil},           // a segment that is not the last
		{20, 12, 2, false, damageFlipBits, 0, 900, 0x10, nil},         // an unacknowledged record
		{20, 12, 2, false, damageTruncate, 0, 700, 0, nil},            // into acknowledged records
		{20, 20, 4, true, damageTruncate, 1, 50, 0, nil},              // a segment that is not the last
		{8, 5, 1, false, damageAppend, 0, 0, 0, make([]byte, 9)},      // zeros after the end
		{8, 5, 1, false, damageAppend, 0, 0, 0, []byte("garbage!")},   // garbage after the end
		{8, 8, 1, false, damageReplace, 0, 0, 0, []byte("no log")},    // a segment replaced
		{15, 10, 2, false, damageOverwrite, 0, 200, 0, []byte{1, 2}},  // acknowledged bytes overwritten
		{15, 10, 2, false, damageZero, 0, 100, 0, make([]byte, 40)},   // acknowledged bytes zeroed
		{30, 30, 2, true, damageDelete, 0, 0, 0, nil},                 // the first segment
		{30, 30, 2, true, damageDelete, 255, 0, 0, nil},               // the last segment
		{30, 30, 2, true, damageDelete, 2, 0, 0, nil},                 // a middle segment
		{12, 12, 1, false, damageTruncate, 255, 250, 0, nil},          // cut inside the last acknowledged record
		{12, 12, 0x80, false, damageTruncate, 255, 200, 0, nil},       // the same, below a snapshot at the last one
		{12, 8, 2, false, damageZero, 255, 200, 0, make([]byte, 400)}, // zeros over the last acknowledged records and their mark
		{30, 30, 2, true, damageDelete, 251, 0, 0, nil},               // the synced file
		{30, 30, 2, true, damageFlipBits, 251, 3, 0x02, nil},          // the synced file's first slot
		{30, 30, 2, true, damageTruncate, 251, 512, 0, nil},           // the synced file cut short
		{30, 30, 2, true, damageDelete, 252, 0, 0, nil},               // the epochs file
		{30, 30, 2, true, damageDelete, 254, 0, 0, nil},               // the manifest
		{30, 30, 2, true, damageFlipBits, 253, 10, 0x01, nil},         // the snapshot file
		{20, 10, 3, false, damageTear, 0, 37, 0, nil},                 // torn: cut short
		{20, 10, 3, false, damageTear, 0, 90, 1, nil},                 // torn: zeros to the end
		{20, 10, 3, false, damageTear, 0, 5, 2, nil},                  // torn: a hole in one record
		{25, 7, 1, true, damageTear, 0, 400, 1, nil},                  // torn, several segments
		{0, 0, 1, false, damageDelete, 0, 0, 0, nil},                  // the empty store's segment
		{0, 0, 1, false, damageDelete, 254, 0, 0, nil},                // the empty store's manifest
	} {
		f.Add(sd.nrec, sd.acked, sd.batch, sd.small, sd.mode, sd.file, sd.pos, sd.bits, sd.extra)
	}
	f.Fuzz(func(t *testing.T, nrec, acked, batch uint8, small bool, mode, file uint8, pos uint16, bits uint8, extra []byte) {
		n := int(nrec % 40)
		a := int(acked) % (n + 1)
		opts := FileOptions{}
		if small {
			opts.SegmentSize = 200
		}
		dir := t.TempDir()
		// batch: the low two bits are the Sync batch size less one; bit
		// 7 asks for a snapshot at the last acknowledged record, which
		// must not stand in for entries lost below it.
		writeFuzzLog(t, dir, opts, n, a, 1+int(batch%4), batch&0x80 != 0)

		target := fuzzTarget(t, dir, file)
		path := filepath.Join(dir, target)
		segs := layoutOf(t, dir)
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := mode % damageModes
		isLastSeg := len(segs) > 0 && segs[len(segs)-1].name == target
		if m == damageTear && !isLastSeg {
			m = damageFlipBits // tears happen only in the last segment
		}
		var damaged []byte
		if m == damageTear {
			damaged = tear(orig, segs[len(segs)-1], a, int(pos), bits)
		} else {
			damaged = damage(orig, m, int(pos), bits, extra)
		}
		if m == damageDelete {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(path, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		firstBad := commonPrefix(orig, damaged)
		if m == damageDelete {
			firstBad = 0
		}

		before := snapshotDir(t, dir)
		s, err := OpenFileStore(dir, opts)
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("open: %v, want a *CorruptError", err)
			}
			if m == damageTear {
				t.Fatalf("open refused a torn tail: %v", err)
			}
			if after := snapshotDir(t, dir); !maps.Equal(after, before) {
				t.Fatalf("refused open changed the directory")
			}
			return
		}
		got, err := s.Entries(0, 0)
		if err != nil {
			t.Fatalf("Entries: %v", err)
		}
		for i, e := range got {
			if want := fuzzEntry(i); i >= n || e.Zxid != want.Zxid || !bytes.Equal(e.Data, want.Data) {
				t.Fatalf("entry %d is %#x, not what was written", i, e.Zxid)
			}
		}
		// Which records had to survive.
		unchanged := m != damageDelete && bytes.Equal(orig, damaged)
		metaHit := !isSegmentName(target)
		for _, sg := range segs {
			for _, r := range sg.records {
				if r.mark || r.index < len(got) {
					continue
				}
				switch {
				case unchanged || metaHit:
					t.Fatalf("record %d lost, though no segment was changed", r.index)
				case !isLastSeg:
					t.Fatalf("record %d lost after damage to %s, which is not the last segment", r.index, target)
				case sg.name < target:
					t.Fatalf("record %d lost, in %s before the damaged %s", r.index, sg.name, target)
				case sg.name == target && r.end <= firstBad:
					t.Fatalf("record %d lost, ending at byte %d before the damage at %d", r.index, r.end, firstBad)
				case r.index < a:
					t.Fatalf("acknowledged record %d lost to damage %d at byte %d of %s, and open did not refuse", r.index, m, firstBad, target)
				}
			}
		}
		if m == damageTear {
			// Exactly the records a crash left whole are kept.
			want := 0
			for _, sg := range segs {
				for _, r := range sg.records {
					if !r.mark && (sg.name != target || r.end <= firstBad) {
						want = r.index + 1
					}
				}
			}
			if len(got) != want {
				t.Fatalf("after a tear at byte %d: %d entries, want %d", firstBad, len(got), want)
			}
		}

		// The repaired log takes an append that a reopen finds.
		next := Entry{Zxid: s.LastZxid() + 1, Data: []byte("after repair")}
		if err := s.Append(next); err != nil {
			t.Fatalf("Append after repair: %v", err)
		}
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		s, err = OpenFileStore(dir, opts)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer s.Close()
		again, err := s.Entries(0, 0)
		if err != nil || len(again) != len(got)+1 || again[len(got)].Zxid != next.Zxid {
			t.Fatalf("after append and reopen: %d entries (%v), want %d ending at %#x", len(again), err, len(got)+1, next.Zxid)
		}
	})
}

// fuzzLogs caches the files writeFuzzLog produced for each shape of log,
// so that an exec copies them instead of paying for the fsyncs again.
var fuzzLogs sync.Map // fuzzShape -> map[string][]byte

// fuzzShape is what writeFuzzLog's output depends on.
type fuzzShape struct {
	segSize         int64
	n, acked, batch int
	snap            bool
}

// writeFuzzLog puts in dir the store that results from writing n entries
// to a new store, the first acked of them synced in batches, the rest
// appended without a Sync (with snap, a snapshot saved at the last
// synced one in between), and closing it without syncing: a crash whose
// page cache survived.
func writeFuzzLog(t *testing.T, dir string, opts FileOptions, n, acked, batch int, snap bool) {
	t.Helper()
	snap = snap && acked > 0
	shape := fuzzShape{opts.SegmentSize, n, acked, batch, snap}
	if files, ok := fuzzLogs.Load(shape); ok {
		for name, b := range files.(map[string][]byte) {
			writeFile(t, filepath.Join(dir, name), b)
		}
		return
	}
	s, err := OpenFileStore(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	var es []Entry
	for i := 0; i < n; i++ {
		es = append(es, fuzzEntry(i))
	}
	for i := 0; i < acked; i += batch {
		if err := s.Append(es[i:min(i+batch, acked)]...); err != nil {
			t.Fatal(err)
		}
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if snap {
		if err := s.SaveSnapshot(Snapshot{Zxid: es[acked-1].Zxid, Data: []byte("state")}); err != nil {
			t.Fatal(err)
		}
	}
	if acked < n {
		if err := s.Append(es[acked:]...); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Close()
	files := map[string][]byte{}
	for name, b := range snapshotDir(t, dir) {
		files[name] = []byte(b)
	}
	fuzzLogs.Store(shape, files)
}

// fuzzEntry is entry i of the fuzz log: zxids cross an epoch at 10, data
// lengths vary from 0 to 22 bytes.
func fuzzEntry(i int) Entry {
	z := uint64(i + 1)
	if i >= 10 {
		z = 1<<32 | uint64(i-9)
	}
	return Entry{Zxid: z, Data: bytes.Repeat([]byte{byte(i)}, (i*7)%23)}
}

// fuzzTarget picks the file of dir a damage hits: 255 the last segment,
// 251-254 a meta file, anything else one of all of them (the segments in
// log order, then the meta files).
func fuzzTarget(t *testing.T, dir string, file uint8) string {
	t.Helper()
	var segs []string
	for _, p := range segFiles(t, dir) {
		segs = append(segs, filepath.Base(p))
	}
	meta := []string{syncedFile, epochsFile, snapshotFile, manifestFile}
	switch {
	case file == 255:
		return segs[len(segs)-1]
	case file >= 251:
		return meta[file-251]
	}
	all := append(segs, meta...)
	return all[int(file)%len(all)]
}

// fuzzSegment is one segment file of the undamaged log, decoded by a
// walker independent of the store's reader.
type fuzzSegment struct {
	name    string
	records []fuzzRecord
}

// fuzzRecord is one record of a segment: an entry (index into the
// written entries) or a sync mark, and the bytes it occupies.
type fuzzRecord struct {
	mark       bool
	index      int
	start, end int
}

// layoutOf decodes every segment of an undamaged dir, checking each
// record's checksums and chain with its own code.
func layoutOf(t *testing.T, dir string) []fuzzSegment {
	t.Helper()
	table := crc32.MakeTable(crc32.Castagnoli)
	var out []fuzzSegment
	index := 0
	for _, p := range segFiles(t, dir) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sg := fuzzSegment{name: filepath.Base(p)}
		for off := 0; off < len(b); {
			if off+28 > len(b) {
				t.Fatalf("%s: short header at %d", p, off)
			}
			size := int(binary.LittleEndian.Uint32(b[off+4:]))
			zxid := binary.LittleEndian.Uint64(b[off+8:])
			end := off + 28 + size
			if end > len(b) || crc32.Checksum(b[off+4:off+28], table) != binary.LittleEndian.Uint32(b[off:]) ||
				crc32.Checksum(b[off+28:end], table) != binary.LittleEndian.Uint32(b[off+24:]) {
				t.Fatalf("%s: the writer left a bad record at %d", p, off)
			}
			r := fuzzRecord{mark: zxid == 0, start: off, end: end}
			if !r.mark {
				if want := fuzzEntry(index); zxid != want.Zxid || !bytes.Equal(b[off+28:end], want.Data) {
					t.Fatalf("%s: record at %d is %#x, want entry %d", p, off, zxid, index)
				}
				r.index = index
				index++
			}
			sg.records = append(sg.records, r)
			off = end
		}
		out = append(out, sg)
	}
	return out
}

// syncedEnd is where the last acknowledged record of the segment, or the
// sync mark after it, ends: a crash cannot touch what lies before.
func (sg fuzzSegment) syncedEnd(acked int) int {
	end := 0
	for _, r := range sg.records {
		if r.mark || r.index < acked {
			end = r.end
		}
	}
	return end
}

// isSegmentName reports whether name is a segment's (names of segments
// sort in log order).
func isSegmentName(name string) bool {
	_, _, ok := parseSegmentName(name)
	return ok
}

// damage returns a damaged copy of b.
func damage(b []byte, mode uint8, pos int, bits uint8, extra []byte) []byte {
	out := bytes.Clone(b)
	switch mode {
	case damageTruncate:
		if len(out) > 0 {
			out = out[:pos%len(out)]
		}
	case damageFlipBits:
		if len(out) > 0 {
			out[pos%len(out)] ^= bits | 1 // always change something
		}
	case damageAppend:
		out = append(out, extra...)
	case damageReplace:
		out = bytes.Clone(extra)
	case damageOverwrite:
		if len(out) > 0 {
			pos %= len(out)
			out = append(out[:pos], extra...)
			if len(out) < len(b) {
				out = append(out, b[len(out):]...)
			}
		}
	case damageZero:
		if len(out) > 0 {
			pos %= len(out)
			clear(out[pos:min(len(out), pos+len(extra)+1)])
		}
	}
	return out
}

// tear returns b, the last segment sg, as a crash may leave it when
// everything after its first acked entries (and the sync marks written
// with them) was written but not acknowledged: cut short at a point t
// after those (bits%3 == 0), zeros from t on
// (1), or a hole of zeros from t, within the record there, with nothing
// after that record (2: the blocks of one write reached the disk in any
// order, those of later writes not at all). Intact records after a torn
// one are not modelled: the store refuses them as damage, a false alarm
// it accepts (doc.go).
func tear(b []byte, sg fuzzSegment, acked, pos int, bits uint8) []byte {
	synced := sg.syncedEnd(acked)
	t := synced + pos%(len(b)-synced+1)
	out := bytes.Clone(b)
	switch bits % 3 {
	case 0:
		return out[:t]
	case 1:
		clear(out[t:])
		return out
	}
	end := len(out)
	for _, r := range sg.records {
		if r.start <= t && t < r.end {
			end = r.end
		}
	}
	clear(out[t:min(end, t+1+int(bits)*4)])
	return out[:end]
}

// commonPrefix is the offset of the first byte where a and b differ (the
// shorter length if one is a prefix of the other).
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
