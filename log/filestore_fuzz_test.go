package log

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// Damage modes FuzzFileLogRecovery applies to a valid segment.
const (
	damageTruncate  = iota // cut the file at pos
	damageFlipBits         // xor bits into the byte at pos
	damageAppend           // append extra after the last record
	damageReplace          // the whole file is extra
	damageOverwrite        // extra overwrites the file from pos
	damageModes
)

// FuzzFileLogRecovery writes a segment of valid records, damages it
// (truncation, bit flips, garbage appended, overwritten or instead), and
// opens the store on it. Opening must not panic or fail; every record
// returned must carry a valid CRC at its place in the damaged file; every
// record that ends before the first damaged byte must be kept; and the
// repaired store must take appends that survive a reopen.
//
// The seed corpus runs with plain go test; explore with
// go test ./log/ -run '^$' -fuzz FuzzFileLogRecovery -fuzztime 30s.
func FuzzFileLogRecovery(f *testing.F) {
	f.Add(uint8(8), uint8(damageTruncate), uint16(50), uint8(0), []byte(nil))
	f.Add(uint8(8), uint8(damageTruncate), uint16(3), uint8(0), []byte(nil))
	f.Add(uint8(8), uint8(damageFlipBits), uint16(30), uint8(0x01), []byte(nil))
	f.Add(uint8(8), uint8(damageFlipBits), uint16(0), uint8(0x80), []byte(nil))  // length field of record 0
	f.Add(uint8(8), uint8(damageFlipBits), uint16(5), uint8(0x10), []byte(nil))  // CRC of record 0
	f.Add(uint8(8), uint8(damageFlipBits), uint16(12), uint8(0x02), []byte(nil)) // zxid of record 0
	f.Add(uint8(5), uint8(damageAppend), uint16(0), uint8(0), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(uint8(5), uint8(damageAppend), uint16(0), uint8(0), []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4})
	f.Add(uint8(0), uint8(damageReplace), uint16(0), uint8(0), []byte("arbitrary bytes, not a segment"))
	f.Add(uint8(3), uint8(damageOverwrite), uint16(20), uint8(0), []byte{9, 0, 0, 0})
	f.Add(uint8(15), uint8(damageOverwrite), uint16(200), uint8(0), bytes.Repeat([]byte{0}, 64))
	f.Fuzz(func(t *testing.T, nrec uint8, mode uint8, pos uint16, bits uint8, extra []byte) {
		orig, ends := buildSegment(int(nrec % 32))
		damaged := damage(orig, mode%damageModes, int(pos), bits, extra)
		firstBad := commonPrefix(orig, damaged)

		dir := t.TempDir()
		path := filepath.Join(dir, segmentName(0, 0))
		if err := os.WriteFile(path, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := OpenFileStore(dir, FileOptions{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		got, err := s.Entries(0, 0)
		if err != nil {
			t.Fatalf("Entries: %v", err)
		}
		verifyAgainstBytes(t, damaged, got)
		kept := 0
		for kept < len(ends) && ends[kept] <= firstBad {
			kept++
		}
		if len(got) < kept {
			t.Fatalf("kept %d records, but %d end before the damage at byte %d", len(got), kept, firstBad)
		}
		for i := 0; i < kept; i++ {
			if want := origEntry(i); got[i].Zxid != want.Zxid || !bytes.Equal(got[i].Data, want.Data) {
				t.Fatalf("record %d changed: zxid %#x, want %#x", i, got[i].Zxid, want.Zxid)
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
		s, err = OpenFileStore(dir, FileOptions{})
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

// origEntry is record i of the fuzz segment: zxids cross an epoch at 10,
// data lengths vary from 0 to 22 bytes.
func origEntry(i int) Entry {
	z := uint64(i + 1)
	if i >= 10 {
		z = 1<<32 | uint64(i-9)
	}
	return Entry{Zxid: z, Data: bytes.Repeat([]byte{byte(i)}, (i*7)%23)}
}

// buildSegment encodes n records and returns the bytes and the offset at
// which each record ends.
func buildSegment(n int) ([]byte, []int) {
	var b []byte
	ends := make([]int, n)
	for i := range ends {
		b = appendRecord(b, origEntry(i))
		ends[i] = len(b)
	}
	return b, ends
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
	}
	return out
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

// verifyAgainstBytes walks the damaged file independently of the store's
// reader and checks that the returned entries are its leading records,
// each with a correct CRC and rising zxids.
func verifyAgainstBytes(t *testing.T, file []byte, got []Entry) {
	t.Helper()
	table := crc32.MakeTable(crc32.Castagnoli)
	off, prev := 0, uint64(0)
	for i, e := range got {
		if off+8 > len(file) {
			t.Fatalf("entry %d lies beyond the file", i)
		}
		n := int(binary.LittleEndian.Uint32(file[off:]))
		if n < 8 || off+8+n > len(file) {
			t.Fatalf("entry %d: bad frame length %d at %d", i, n, off)
		}
		framed := append(bytes.Clone(file[off:off+4]), file[off+8:off+8+n]...)
		if crc32.Checksum(framed, table) != binary.LittleEndian.Uint32(file[off+4:]) {
			t.Fatalf("entry %d returned although its CRC fails", i)
		}
		zxid := binary.LittleEndian.Uint64(file[off+8:])
		if zxid != e.Zxid || !bytes.Equal(file[off+16:off+8+n], e.Data) || zxid <= prev {
			t.Fatalf("entry %d (%#x) does not match the file record %#x after %#x", i, e.Zxid, zxid, prev)
		}
		prev, off = zxid, off+8+n
	}
}
