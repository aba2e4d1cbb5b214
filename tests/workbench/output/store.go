package output

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// TimestampLayout is Jepsen's store folder name: the run's start time in
// ISO 8601 basic format with milliseconds and the zone offset, e.g.
// 20241204T101530.123-0600 (J:jepsen/src/jepsen/store.clj).
const TimestampLayout = "20060102T150405.000-0700"

// Store is one run's folder.
type Store struct {
	Root string // the store root, e.g. ./store
	Dir  string // Root/<workload>/<timestamp>
}

// NewStore creates Root/<workload>/<timestamp of start>/ and points the
// symlinks Root/latest, Root/current and Root/<workload>/latest at it, as
// Jepsen does. A second run started within the same millisecond gets a
// numbered suffix rather than sharing a folder.
func NewStore(root, workload string, start time.Time) (*Store, error) {
	base := filepath.Join(root, workload)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	name := start.Format(TimestampLayout)
	dir := filepath.Join(base, name)
	for i := 1; ; i++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) || i > 100 {
			return nil, fmt.Errorf("store: %w", err)
		}
		name = fmt.Sprintf("%s-%d", start.Format(TimestampLayout), i)
		dir = filepath.Join(base, name)
	}
	s := &Store{Root: root, Dir: dir}
	links := []struct{ at, target string }{
		{filepath.Join(root, "latest"), filepath.Join(workload, name)},
		{filepath.Join(root, "current"), filepath.Join(workload, name)},
		{filepath.Join(base, "latest"), name},
	}
	for _, l := range links {
		if err := relink(l.at, l.target); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	return s, nil
}

// relink points the symlink at to target (relative to the link's folder),
// replacing an older link in one rename so a reader never sees it missing.
func relink(at, target string) error {
	tmp := at + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, at)
}

// Path returns the path of a file in the run's folder.
func (s *Store) Path(name string) string { return filepath.Join(s.Dir, name) }

// NodeLogDir is where each node's stderr goes (node-logs/<node>.log, as
// M:src/maelstrom/db.clj names it).
func (s *Store) NodeLogDir() string { return s.Path("node-logs") }
