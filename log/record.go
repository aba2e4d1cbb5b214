package log

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// A log record on disk is
//
//	length  uint32 LE   number of payload bytes (>= 8)
//	crc     uint32 LE   CRC-32C of the length field and the payload
//	payload             zxid uint64 LE, then the entry's data
//
// The CRC covers the length field too, so a flipped length bit is caught
// even when the bytes it then frames happen to look plausible.
const (
	recordHeaderSize = 8
	zxidSize         = 8
	// maxPayload bounds the length field a reader believes.
	maxPayload = zxidSize + MaxEntrySize
)

// castagnoli is the CRC-32C table (hardware-accelerated on amd64/arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// recordSize is how many bytes Entry e takes on disk.
func recordSize(e Entry) int { return recordHeaderSize + zxidSize + len(e.Data) }

// appendRecord appends the framed record of e to buf.
func appendRecord(buf []byte, e Entry) []byte {
	start := len(buf)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(zxidSize+len(e.Data)))
	buf = binary.LittleEndian.AppendUint32(buf, 0) // CRC, filled below
	buf = binary.LittleEndian.AppendUint64(buf, e.Zxid)
	buf = append(buf, e.Data...)
	crc := recordCRC(buf[start:start+4], buf[start+recordHeaderSize:])
	binary.LittleEndian.PutUint32(buf[start+4:], crc)
	return buf
}

// recordCRC is the checksum stored in a record's header.
func recordCRC(lengthField, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(lengthField, castagnoli), castagnoli, payload)
}

// errEndOfRecords is how a scanner says the segment ended cleanly.
var errEndOfRecords = errors.New("end of records")

// recordScanner walks the records of one segment from the start, checking
// each one: framing, length bounds, CRC, and that zxids rise above the
// segment's base. The first record failing a check ends the scan; the
// caller truncates the segment there.
type recordScanner struct {
	r    *bufio.Reader
	off  int64  // offset of the next record
	size int64  // bytes in the segment; no record may reach past it
	prev uint64 // zxid of the previous record, or the segment's base
	buf  []byte // reused payload buffer
}

// newRecordScanner scans size bytes from r, whose records must have zxids
// above base.
func newRecordScanner(r io.Reader, size int64, base uint64) *recordScanner {
	return &recordScanner{r: bufio.NewReaderSize(r, 1<<16), size: size, prev: base}
}

// next checks the next record and returns its zxid, offset and data. The
// data aliases a buffer reused by the following call. At the clean end of
// the segment the error is errEndOfRecords; any other error describes the
// damage, which starts at s.off.
func (s *recordScanner) next() (zxid uint64, off int64, data []byte, err error) {
	off = s.off
	left := s.size - off
	if left == 0 {
		return 0, off, nil, errEndOfRecords
	}
	if left < recordHeaderSize {
		return 0, off, nil, fmt.Errorf("torn header: %d bytes left", left)
	}
	var hdr [recordHeaderSize]byte
	if _, err := io.ReadFull(s.r, hdr[:]); err != nil {
		return 0, off, nil, fmt.Errorf("reading header: %w", err)
	}
	n := int64(binary.LittleEndian.Uint32(hdr[0:4]))
	if n < zxidSize || n > maxPayload {
		return 0, off, nil, fmt.Errorf("bad length %d", n)
	}
	if n > left-recordHeaderSize {
		return 0, off, nil, fmt.Errorf("torn payload: length %d, %d bytes left", n, left-recordHeaderSize)
	}
	if int64(cap(s.buf)) < n {
		s.buf = make([]byte, n)
	}
	payload := s.buf[:n]
	if _, err := io.ReadFull(s.r, payload); err != nil {
		return 0, off, nil, fmt.Errorf("reading payload: %w", err)
	}
	if got, want := recordCRC(hdr[0:4], payload), binary.LittleEndian.Uint32(hdr[4:8]); got != want {
		return 0, off, nil, fmt.Errorf("crc mismatch: computed %#08x, stored %#08x", got, want)
	}
	zxid = binary.LittleEndian.Uint64(payload)
	if zxid <= s.prev {
		return 0, off, nil, fmt.Errorf("zxid %#x does not follow %#x", zxid, s.prev)
	}
	s.prev = zxid
	s.off += recordHeaderSize + n
	return zxid, off, payload[zxidSize:], nil
}

// decodeRecord checks the record that starts at b[0] and was indexed as
// holding wantZxid; it is how reads catch bit rot after open. It returns
// the entry (its data aliasing b) and the record's size.
func decodeRecord(b []byte, wantZxid uint64) (Entry, int, error) {
	if len(b) < recordHeaderSize+zxidSize {
		return Entry{}, 0, fmt.Errorf("%w: record %#x: short read", ErrCorrupt, wantZxid)
	}
	n := int(binary.LittleEndian.Uint32(b[0:4]))
	if n < zxidSize || n > len(b)-recordHeaderSize {
		return Entry{}, 0, fmt.Errorf("%w: record %#x: bad length %d", ErrCorrupt, wantZxid, n)
	}
	payload := b[recordHeaderSize : recordHeaderSize+n]
	if recordCRC(b[0:4], payload) != binary.LittleEndian.Uint32(b[4:8]) {
		return Entry{}, 0, fmt.Errorf("%w: record %#x: crc mismatch", ErrCorrupt, wantZxid)
	}
	zxid := binary.LittleEndian.Uint64(payload)
	if zxid != wantZxid {
		return Entry{}, 0, fmt.Errorf("%w: record holds zxid %#x, index says %#x", ErrCorrupt, zxid, wantZxid)
	}
	return Entry{Zxid: zxid, Data: payload[zxidSize:]}, recordHeaderSize + n, nil
}
