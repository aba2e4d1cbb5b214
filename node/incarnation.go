package node

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A node tags each client operation with (its name, its incarnation, a
// sequence number counted from 1 in each run), and the kafka state machine
// applies each such identity once (log.Op, log.Kafka.Apply). The state
// machine takes a higher incarnation of an origin for a new run, and the
// lower one's operations for stale, so every run must have a higher
// incarnation than every earlier run of the same node, and it must not
// reuse one: its operations would be taken for duplicates of the earlier
// run's and answered with their offsets.
//
// The incarnation is the clock at start in nanoseconds, raised above the
// last one recorded in the node's data directory, and recorded there
// (durably) before the node answers init. The record alone covers a clock
// that steps back between two runs; the clock alone covers a node that
// runs without --data-dir, or whose directory was lost (it also lost its
// log, so nothing else of the earlier run survives either). A node
// without --data-dir whose clock went back over a restart gets an
// incarnation the state machine considers stale: its writes are refused
// with errors, never applied twice.

// incarnationFile holds, in the node's data directory, the last
// incarnation started there, in decimal.
const incarnationFile = "incarnation"

// startIncarnation returns this run's incarnation and records it in dir
// ("" records nothing).
func startIncarnation(dir string, now time.Time) (uint64, error) {
	inc := uint64(max(now.UnixNano(), 1))
	if dir == "" {
		return inc, nil
	}
	path := filepath.Join(dir, incarnationFile)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return 0, err
	default:
		prev, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || prev == math.MaxUint64 {
			// Written atomically, so never torn: something else wrote
			// it. Guessing could reuse an incarnation.
			return 0, fmt.Errorf("%s holds %.40q, not an incarnation", path, b)
		}
		inc = max(inc, prev+1)
	}
	if err := writeFileSynced(dir, incarnationFile, []byte(strconv.FormatUint(inc, 10)+"\n")); err != nil {
		return 0, fmt.Errorf("record incarnation: %w", err)
	}
	return inc, nil
}

// writeFileSynced replaces dir/name with data durably and atomically: a
// temp file written and fsynced, renamed over name, the directory fsynced.
// A crash leaves the old file or the new one. The temp file's ".tmp"
// suffix is one the log's open removes if a crash leaves it behind
// (log.OpenFileStore runs first on the same directory).
func writeFileSynced(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, name+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
