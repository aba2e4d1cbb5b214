package net

import (
	"bufio"
	"fmt"
	"os"
	"sync"
	"time"
)

// nodeLog is one node's stderr log, LogDir/<node>.log (M:db.clj
// node-logs/<node>.log), kept open across the node's processes: a
// restarted process appends to it, after a marker line saying what the
// workbench did. A nil *nodeLog (no LogDir) ignores everything.
type nodeLog struct {
	mu     sync.Mutex
	f      *os.File
	bw     *bufio.Writer
	closed bool // later writes are dropped (a nemesis op racing teardown)
}

// markerPrefix starts every line the workbench itself writes in a node log.
const markerPrefix = "=== workbench: "

// openNodeLog creates the log file.
func openNodeLog(path string) (*nodeLog, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &nodeLog{f: f, bw: bufio.NewWriterSize(f, 32<<10)}, nil
}

// line appends one stderr line; flush writes the buffer out (the stderr
// loop flushes whenever no further line is already waiting, so the file
// is current whenever the node pauses).
func (l *nodeLog) line(b []byte, flush bool) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.bw.Write(b)
	l.bw.WriteByte('\n')
	if flush {
		l.bw.Flush()
	}
}

// mark appends a marker line and flushes, e.g.
//
//	=== workbench: killed (SIGKILL) at 2024-12-04T10:15:42.123-06:00 (run time 12.345 s) ===
//
// The wall-clock time lines up with the node's own timestamps; the run
// time (omitted when runTime < 0, before the run began) with history.txt.
func (l *nodeLog) mark(wall time.Time, runTime time.Duration, text string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	fmt.Fprintf(l.bw, "%s%s at %s", markerPrefix, text, wall.Format("2006-01-02T15:04:05.000Z07:00"))
	if runTime >= 0 {
		fmt.Fprintf(l.bw, " (run time %.3f s)", runTime.Seconds())
	}
	l.bw.WriteString(" ===\n")
	l.bw.Flush()
}

// close flushes and closes the file.
func (l *nodeLog) close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	err := l.bw.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}
