package log

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The three small files of a FileStore directory besides its segments.
// Each is replaced whole with writeFileAtomic and ends with a CRC-32C of
// everything before it; a file that fails its check was not written by a
// crash (the rename is atomic) but damaged afterwards, so opening the
// store fails with ErrCorrupt instead of guessing. All three exist from
// the moment the store is created (the manifest last), so a missing one
// is damage too.
const (
	epochsFile   = "epochs"
	snapshotFile = "snapshot"
	manifestFile = "manifest"

	epochsMagic   = "ZKE2"
	snapshotMagic = "ZKS1"
	manifestMagic = "ZKM1"

	epochsFileSize   = 4 + 4 + 4 + 8 + 4 // magic, accepted, current, follow attempt, crc
	manifestFileSize = 4 + 8 + 8 + 8 + 4 // magic, generation, first base, last base, crc
	// snapshotHeaderSize: magic, generation, flags, zxid, data length.
	snapshotHeaderSize = 4 + 8 + 1 + 8 + 8
	snapshotHasData    = 1 // flags bit: the file holds a snapshot
)

// epochsState is the content of the epochs file: the two epochs and the
// last follow attempt number (Store.FollowAttempt). They share one file
// because each is a few bytes written rarely, and one atomic replace
// keeps them consistent with each other.
type epochsState struct {
	accepted, current uint32
	attempt           uint64
}

// encodeEpochs lays out the epochs file.
func encodeEpochs(st epochsState) []byte {
	b := make([]byte, 0, epochsFileSize)
	b = append(b, epochsMagic...)
	b = binary.LittleEndian.AppendUint32(b, st.accepted)
	b = binary.LittleEndian.AppendUint32(b, st.current)
	b = binary.LittleEndian.AppendUint64(b, st.attempt)
	return binary.LittleEndian.AppendUint32(b, crc32c(b))
}

// decodeEpochs parses the epochs file; problem says what is wrong with it.
func decodeEpochs(b []byte) (st epochsState, problem string) {
	if p := checkMetaFile(b, epochsMagic, epochsFileSize); p != "" {
		return epochsState{}, p
	}
	return epochsState{
		accepted: binary.LittleEndian.Uint32(b[4:]),
		current:  binary.LittleEndian.Uint32(b[8:]),
		attempt:  binary.LittleEndian.Uint64(b[12:]),
	}, ""
}

// checkMetaFile checks a meta file's magic, size (if size > 0) and
// trailing checksum.
func checkMetaFile(b []byte, magic string, size int) string {
	switch {
	case len(b) < len(magic)+4 || string(b[:len(magic)]) != magic:
		return fmt.Sprintf("not a %s file (bad magic or too short: %d bytes)", magic, len(b))
	case size > 0 && len(b) != size:
		return fmt.Sprintf("%d bytes, want %d", len(b), size)
	}
	body := len(b) - 4
	if got, want := crc32c(b[:body]), binary.LittleEndian.Uint32(b[body:]); got != want {
		return fmt.Sprintf("checksum mismatch (computed %#08x, stored %#08x)", got, want)
	}
	return ""
}

// manifestState is the content of the manifest: which segments the log
// is made of. gen is the log generation (see snapshotState); first and
// last are the bases of the first and the last segment. Every segment in
// between must be there too, each starting where the one before it ends,
// so a missing segment, even the last one or all of them, is damage the
// store can name. Segments outside [first, last] are leftovers of an
// operation a crash interrupted: the manifest is always updated before
// segments are deleted and after a new segment is durable, so nothing
// outside it holds anything the store vouched for.
type manifestState struct {
	gen, first, last uint64
}

// encodeManifest lays out the manifest file.
func encodeManifest(st manifestState) []byte {
	b := make([]byte, 0, manifestFileSize)
	b = append(b, manifestMagic...)
	b = binary.LittleEndian.AppendUint64(b, st.gen)
	b = binary.LittleEndian.AppendUint64(b, st.first)
	b = binary.LittleEndian.AppendUint64(b, st.last)
	return binary.LittleEndian.AppendUint32(b, crc32c(b))
}

// decodeManifest parses the manifest file; problem says what is wrong.
func decodeManifest(b []byte) (st manifestState, problem string) {
	if p := checkMetaFile(b, manifestMagic, manifestFileSize); p != "" {
		return manifestState{}, p
	}
	st = manifestState{
		gen:   binary.LittleEndian.Uint64(b[4:]),
		first: binary.LittleEndian.Uint64(b[12:]),
		last:  binary.LittleEndian.Uint64(b[20:]),
	}
	if st.first > st.last {
		return manifestState{}, fmt.Sprintf("first segment base %#x above the last one's %#x", st.first, st.last)
	}
	return st, ""
}

// snapshotState is the content of the snapshot file: the log generation
// and, unless TruncateAfter discarded it, the snapshot.
//
// The generation names the log that goes with the snapshot. Every
// InstallSnapshot starts a new generation, and segments carry theirs in
// their file names, so the rename that installs the snapshot is also the
// moment the old log stops counting: segments of an older generation are
// deleted at open. That is how state and log are replaced in one atomic
// step (ZOOKEEPER-2832).
type snapshotState struct {
	gen  uint64
	snap *Snapshot
}

// encodeSnapshotFile lays out the snapshot file.
func encodeSnapshotFile(st snapshotState) []byte {
	var flags byte
	var zxid uint64
	var data []byte
	if st.snap != nil {
		flags, zxid, data = snapshotHasData, st.snap.Zxid, st.snap.Data
	}
	b := make([]byte, 0, snapshotHeaderSize+len(data)+4)
	b = append(b, snapshotMagic...)
	b = binary.LittleEndian.AppendUint64(b, st.gen)
	b = append(b, flags)
	b = binary.LittleEndian.AppendUint64(b, zxid)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(data)))
	b = append(b, data...)
	return binary.LittleEndian.AppendUint32(b, crc32c(b))
}

// decodeSnapshotFile parses the snapshot file, whose data aliases b;
// problem says what is wrong with it.
func decodeSnapshotFile(b []byte) (st snapshotState, problem string) {
	if len(b) < snapshotHeaderSize+4 {
		return snapshotState{}, fmt.Sprintf("too short: %d bytes", len(b))
	}
	if p := checkMetaFile(b, snapshotMagic, 0); p != "" {
		return snapshotState{}, p
	}
	body := b[:len(b)-4]
	st = snapshotState{gen: binary.LittleEndian.Uint64(b[4:])}
	flags := b[12]
	zxid := binary.LittleEndian.Uint64(b[13:])
	n := binary.LittleEndian.Uint64(b[21:])
	if n != uint64(len(body)-snapshotHeaderSize) || flags&^snapshotHasData != 0 {
		return snapshotState{}, "bad length or flags"
	}
	if flags&snapshotHasData != 0 {
		st.snap = &Snapshot{Zxid: zxid, Data: body[snapshotHeaderSize:]}
	} else if n != 0 || zxid != 0 {
		return snapshotState{}, "data without a snapshot"
	}
	return st, ""
}

// readMetaFile reads dir/name; ok is false if it does not exist. limit
// bounds how large a file is believed to be.
func readMetaFile(dir, name string, limit int64) (data []byte, ok bool, err error) {
	path := filepath.Join(dir, name)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if fi.Size() > limit {
		return nil, false, corruptFile(path, "%d bytes, more than such a file can hold (%d)", fi.Size(), limit)
	}
	data, err = os.ReadFile(path)
	return data, err == nil, err
}
