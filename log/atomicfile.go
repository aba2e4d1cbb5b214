package log

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// tmpSuffix marks files being written by writeFileAtomic. One left behind
// by a crash is garbage: OpenFileStore removes it.
const tmpSuffix = ".tmp"

// writeFileAtomic replaces dir/name with data so that a crash leaves
// either the old file or the new one, never a mix, and the new one is
// durable on return: temp file in the same directory, write, fsync,
// rename, fsync the directory (as ZooKeeper's QuorumPeer.writeLongToFile
// writes its epoch files, with AtomicFileWritingIdiom).
func writeFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, name+".*"+tmpSuffix)
	if err != nil {
		return err
	}
	tmp := f.Name()
	noteDisk(diskCreated, tmp)
	defer func() {
		if err != nil {
			_ = os.Remove(tmp) // best effort: a leftover is removed at open
		}
	}()
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	noteDisk(diskWrote, tmp)
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	noteDisk(diskFsynced, tmp)
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	noteDisk(diskRenamed, filepath.Join(dir, name))
	return syncDir(dir)
}

// syncDir fsyncs a directory, making the creation, removal and renaming of
// its entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	if serr != nil {
		return serr
	}
	noteDisk(diskDirSynced, dir)
	return cerr
}

// removeTempFiles deletes what interrupted atomic writes left in dir.
func removeTempFiles(dir string, logger *slog.Logger) error {
	names, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, de := range names {
		if !de.IsDir() && strings.HasSuffix(de.Name(), tmpSuffix) {
			logger.Warn("deleting a temp file of an interrupted write", "file", de.Name())
			if err := os.Remove(filepath.Join(dir, de.Name())); err != nil {
				return err
			}
			noteDisk(diskRemoved, filepath.Join(dir, de.Name()))
		}
	}
	return nil
}
