package log

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The two small files of a FileStore directory besides its segments. Both
// are replaced whole with writeFileAtomic and end with a CRC-32C of
// everything before it; a file that fails its check was not written by a
// crash (the rename is atomic) but damaged afterwards, so opening the
// store fails with ErrCorrupt instead of guessing.
const (
	epochsFile   = "epochs"
	snapshotFile = "snapshot"

	epochsMagic   = "ZKE2"
	snapshotMagic = "ZKS1"

	epochsFileSize = 4 + 4 + 4 + 8 + 4 // magic, accepted, current, follow attempt, crc
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

// decodeEpochs parses the epochs file.
func decodeEpochs(b []byte) (epochsState, error) {
	if len(b) != epochsFileSize || string(b[:4]) != epochsMagic {
		return epochsState{}, fmt.Errorf("%w: %s: bad size or magic", ErrCorrupt, epochsFile)
	}
	body := len(b) - 4
	if crc32c(b[:body]) != binary.LittleEndian.Uint32(b[body:]) {
		return epochsState{}, fmt.Errorf("%w: %s: crc mismatch", ErrCorrupt, epochsFile)
	}
	return epochsState{
		accepted: binary.LittleEndian.Uint32(b[4:]),
		current:  binary.LittleEndian.Uint32(b[8:]),
		attempt:  binary.LittleEndian.Uint64(b[12:]),
	}, nil
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

// decodeSnapshotFile parses the snapshot file; the snapshot's data aliases b.
func decodeSnapshotFile(b []byte) (snapshotState, error) {
	if len(b) < snapshotHeaderSize+4 || string(b[:4]) != snapshotMagic {
		return snapshotState{}, fmt.Errorf("%w: %s: bad size or magic", ErrCorrupt, snapshotFile)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32c(body) != sum {
		return snapshotState{}, fmt.Errorf("%w: %s: crc mismatch", ErrCorrupt, snapshotFile)
	}
	st := snapshotState{gen: binary.LittleEndian.Uint64(b[4:])}
	flags := b[12]
	zxid := binary.LittleEndian.Uint64(b[13:])
	n := binary.LittleEndian.Uint64(b[21:])
	if n != uint64(len(body)-snapshotHeaderSize) || flags&^snapshotHasData != 0 {
		return snapshotState{}, fmt.Errorf("%w: %s: bad length or flags", ErrCorrupt, snapshotFile)
	}
	if flags&snapshotHasData != 0 {
		st.snap = &Snapshot{Zxid: zxid, Data: body[snapshotHeaderSize:]}
	} else if n != 0 || zxid != 0 {
		return snapshotState{}, fmt.Errorf("%w: %s: data without a snapshot", ErrCorrupt, snapshotFile)
	}
	return st, nil
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
		return nil, false, fmt.Errorf("%w: %s: %d bytes", ErrCorrupt, name, fi.Size())
	}
	data, err = os.ReadFile(path)
	return data, err == nil, err
}

// crc32c is the CRC-32C of b.
func crc32c(b []byte) uint32 { return recordCRC(nil, b) }
