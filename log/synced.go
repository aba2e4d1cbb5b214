package log

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
)

// The synced file: how far Syncs have made the log durable.
//
// A sync mark after the last acknowledged entry is what tells that entry
// from a torn write, but only while the mark is there. Damage that
// removes the end of the last segment from inside the last acknowledged
// write onward (the file cut there, or overwritten from there on) leaves
// exactly what a crash during that write leaves, and the segment alone
// cannot tell the two apart. So the store also keeps, in a file of its
// own, the synced point: the zxid the segments reached (logEnd) when a
// Sync last finished. A snapshot does not count: one saved at the last
// entry must not hide a log cut short below it. A log that opens shorter
// than the point has lost entries the store acknowledged, and open
// refuses it.
//
// Sync writes the file in place after the segments' fsync, and fsyncs
// it, before it returns: a crash leaves the file at most one Sync behind
// the log, never ahead of it. Writing in place can tear, so the file
// holds two slots, each in a 512-byte block of its own, written in turn
// and numbered: a tear spoils only the slot being written, and the other
// names an earlier synced point, which the log still reaches. Open takes
// the valid slot with the higher number; a file with no valid slot, or of
// the wrong size, or missing, is damage. Operations that shorten the log
// on purpose (TruncateAfter, InstallSnapshot) lower the point durably
// before they cut, so a crash in between never leaves a point the log
// does not reach.
const (
	syncedFile      = "synced"
	syncedMagic     = "ZKD1"
	syncedSlotSize  = 4 + 8 + 8 + 4 // magic, number, zxid, crc
	syncedBlockSize = 512
	syncedFileSize  = 2 * syncedBlockSize
)

// syncedPoint is the synced file, open for writing, and what it says:
// num is the number of the slot written last, zxid the synced point.
type syncedPoint struct {
	f    *os.File
	num  uint64
	zxid uint64
}

// encodeSyncedSlot lays out one slot.
func encodeSyncedSlot(num, zxid uint64) []byte {
	b := make([]byte, 0, syncedSlotSize)
	b = append(b, syncedMagic...)
	b = binary.LittleEndian.AppendUint64(b, num)
	b = binary.LittleEndian.AppendUint64(b, zxid)
	return binary.LittleEndian.AppendUint32(b, crc32c(b))
}

// decodeSyncedFile picks the synced point out of the file's content: the
// valid slot with the higher number (a slot is valid if its checksum
// holds and its number fits its place). spoiled says what is wrong with
// the other slot if it is not valid: a torn write of it, or damage.
// problem says what is wrong if neither slot is valid or the size is
// wrong.
func decodeSyncedFile(b []byte) (num, zxid uint64, spoiled, problem string) {
	if len(b) != syncedFileSize {
		return 0, 0, "", fmt.Sprintf("%d bytes, want %d", len(b), syncedFileSize)
	}
	found := false
	var problems [2]string
	for k := range 2 {
		slot := b[k*syncedBlockSize : k*syncedBlockSize+syncedSlotSize]
		if p := checkMetaFile(slot, syncedMagic, syncedSlotSize); p != "" {
			problems[k] = p
			continue
		}
		n := binary.LittleEndian.Uint64(slot[4:])
		if n%2 != uint64(k) {
			problems[k] = fmt.Sprintf("slot numbered %d in place %d", n, k)
			continue
		}
		if !found || n > num {
			num, zxid, found = n, binary.LittleEndian.Uint64(slot[12:]), true
		}
	}
	if !found {
		return 0, 0, "", fmt.Sprintf("no valid slot (first: %s; second: %s)", problems[0], problems[1])
	}
	return num, zxid, problems[0] + problems[1], ""
}

// initialSyncedFile is the synced file of a new store: the point 0 in
// both slots, numbered 0 and 1. Slot n%2 holds number n, so each write
// replaces the older slot.
func initialSyncedFile() []byte {
	b := make([]byte, syncedFileSize)
	copy(b, encodeSyncedSlot(0, 0))
	copy(b[syncedBlockSize:], encodeSyncedSlot(1, 0))
	return b
}

// openSynced opens the synced file of dir for writing; num and zxid are
// what readMeta decoded from it.
func openSynced(dir string, num, zxid uint64) (*syncedPoint, error) {
	f, err := os.OpenFile(filepath.Join(dir, syncedFile), os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return &syncedPoint{f: f, num: num, zxid: zxid}, nil
}

// set makes zxid the synced point: it writes the next slot in turn and
// fsyncs the file. On error the point on disk is the old one or the new
// one, never a third.
func (p *syncedPoint) set(zxid uint64) error {
	num := p.num + 1
	at := int64(num%2) * syncedBlockSize
	if _, err := p.f.WriteAt(encodeSyncedSlot(num, zxid), at); err != nil {
		return err
	}
	noteDisk(diskWrote, p.f.Name())
	if err := p.f.Sync(); err != nil {
		return err
	}
	noteDisk(diskFsynced, p.f.Name())
	p.num, p.zxid = num, zxid
	return nil
}

// close closes the file; a nil point is fine.
func (p *syncedPoint) close() error {
	if p == nil || p.f == nil {
		return nil
	}
	return p.f.Close()
}
