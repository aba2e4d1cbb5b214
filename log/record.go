package log

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// A segment is a sequence of records. A record is a header and the
// entry's data:
//
//	hcrc  uint32 LE  CRC-32C of the 24 header bytes after it
//	size  uint32 LE  number of data bytes
//	zxid  uint64 LE  the entry's zxid; 0 in a sync mark
//	prev  uint64 LE  zxid of the entry before it in the log, or the
//	                 segment's base for its first record
//	dcrc  uint32 LE  CRC-32C of the data
//	data  size bytes
//
// The header carries its own checksum so that a reader can trust a
// header, and so the size it gives, before reading the data. That is what
// lets recovery look, byte by byte, for intact records after a bad one
// (segment.scan): a flipped size field cannot hide the records behind it.
//
// prev chains every record to the one before it, across segments too. A
// record missing from the middle of the log, even one cut out cleanly
// between intact neighbours, breaks the chain; rising zxids alone would
// not show it, since a log's zxids may legitimately skip.
//
// A sync mark is a header with zxid 0, no data, and prev = the zxid of
// the entry before it. Sync writes one after the entries it makes
// durable, in the same fsync, so that every acknowledged entry has an
// intact record after it: damage to the last acknowledged entry then
// shows as a bad record followed by a good one, which a torn write never
// leaves (doc.go, "Torn writes and damage").
const (
	recordHeaderSize = 28
	// markSize is the size of a sync mark on disk.
	markSize = recordHeaderSize
)

// castagnoli is the CRC-32C table (hardware-accelerated on amd64/arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crc32c is the CRC-32C of b.
func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// recordHeader is a decoded record header.
type recordHeader struct {
	size       uint32
	zxid, prev uint64
	dcrc       uint32
}

// isMark reports whether the record is a sync mark.
func (h recordHeader) isMark() bool { return h.zxid == 0 }

// recordSize is how many bytes Entry e takes on disk.
func recordSize(e Entry) int { return recordHeaderSize + len(e.Data) }

// appendHeader appends the header h, with its checksum, to buf.
func appendHeader(buf []byte, h recordHeader) []byte {
	start := len(buf)
	buf = binary.LittleEndian.AppendUint32(buf, 0) // hcrc, filled below
	buf = binary.LittleEndian.AppendUint32(buf, h.size)
	buf = binary.LittleEndian.AppendUint64(buf, h.zxid)
	buf = binary.LittleEndian.AppendUint64(buf, h.prev)
	buf = binary.LittleEndian.AppendUint32(buf, h.dcrc)
	binary.LittleEndian.PutUint32(buf[start:], crc32c(buf[start+4:]))
	return buf
}

// appendRecord appends the record of e, which follows the entry prev, to
// buf.
func appendRecord(buf []byte, prev uint64, e Entry) []byte {
	buf = appendHeader(buf, recordHeader{size: uint32(len(e.Data)), zxid: e.Zxid, prev: prev, dcrc: crc32c(e.Data)})
	return append(buf, e.Data...)
}

// appendMark appends a sync mark after the entry prev to buf.
func appendMark(buf []byte, prev uint64) []byte {
	return appendHeader(buf, recordHeader{prev: prev, dcrc: crc32c(nil)})
}

// readRecord checks the record that starts at b[0] on its own: a whole
// header, its checksum, a size within bounds and within b, and the data's
// checksum. It does not check how the record chains to its neighbours.
// On success n is the record's size on disk and the data is
// b[recordHeaderSize:n]; otherwise problem says what is wrong.
func readRecord(b []byte) (h recordHeader, n int, problem string) {
	if len(b) < recordHeaderSize {
		return h, 0, fmt.Sprintf("incomplete record header: %d of %d bytes", len(b), recordHeaderSize)
	}
	if got, want := crc32c(b[4:recordHeaderSize]), binary.LittleEndian.Uint32(b); got != want {
		return h, 0, fmt.Sprintf("record header checksum mismatch (computed %#08x, stored %#08x)", got, want)
	}
	h = recordHeader{
		size: binary.LittleEndian.Uint32(b[4:]),
		zxid: binary.LittleEndian.Uint64(b[8:]),
		prev: binary.LittleEndian.Uint64(b[16:]),
		dcrc: binary.LittleEndian.Uint32(b[24:]),
	}
	switch {
	case h.size > MaxEntrySize:
		return h, 0, fmt.Sprintf("record size %d above the limit %d", h.size, MaxEntrySize)
	case h.isMark() && h.size != 0:
		return h, 0, fmt.Sprintf("sync mark with %d data bytes", h.size)
	case int64(h.size) > int64(len(b)-recordHeaderSize):
		return h, 0, fmt.Sprintf("incomplete record: %d data bytes, %d left in the file", h.size, len(b)-recordHeaderSize)
	}
	n = recordHeaderSize + int(h.size)
	if got := crc32c(b[recordHeaderSize:n]); got != h.dcrc {
		return h, 0, fmt.Sprintf("record data checksum mismatch (computed %#08x, stored %#08x)", got, h.dcrc)
	}
	return h, n, ""
}

// chainProblem says what is wrong with a record that passed readRecord
// but does not follow last, the zxid of the entry before it; "" if it
// does. Such a record was written whole, so no crash explains it.
func chainProblem(h recordHeader, last uint64) string {
	switch {
	case h.prev != last:
		what := "record " + zxidString(h.zxid)
		if h.isMark() {
			what = "sync mark"
		}
		return fmt.Sprintf("%s says it follows %s, but the entry before it is %s: the zxid chain is broken (records missing or out of place)",
			what, zxidString(h.prev), zxidString(last))
	case !h.isMark() && h.zxid <= last:
		return fmt.Sprintf("record %s does not rise above %s", zxidString(h.zxid), zxidString(last))
	}
	return ""
}

// findIntactRecord returns the offset of the first place at or after from
// where b holds an intact record (readRecord accepts it), or -1. It tries
// every byte offset, so no length field, damaged or not, can make it skip
// one. Its cost is a 24-byte checksum per byte, paid only when a torn tail
// is found at open.
func findIntactRecord(b []byte, from int) int {
	for p := from; p+recordHeaderSize <= len(b); p++ {
		if crc32c(b[p+4:p+recordHeaderSize]) != binary.LittleEndian.Uint32(b[p:]) {
			continue
		}
		if _, _, problem := readRecord(b[p:]); problem == "" {
			return p
		}
	}
	return -1
}

// zxidString renders a zxid as epoch:counter for operators.
func zxidString(z uint64) string { return fmt.Sprintf("%#x (e%d:c%d)", z, z>>32, uint32(z)) }
