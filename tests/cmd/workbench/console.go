package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"zabkafka/tests/workbench"
)

// console writes the workbench's log lines and, on a terminal, keeps one
// progress line at the bottom of stderr that log lines never garble.
type console struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	progress string // the progress line on screen, "" if none
}

// newConsole writes to w; tty says whether w is a terminal.
func newConsole(w io.Writer, tty bool) *console { return &console{w: w, tty: tty} }

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Logf writes one log line, above the progress line.
func (c *console) Logf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
	fmt.Fprintf(c.w, "%s INFO [workbench] %s\n", time.Now().Format("2006-01-02 15:04:05.000"), fmt.Sprintf(format, args...))
	c.redraw()
}

// Progress replaces the progress line (terminals only).
func (c *console) Progress(p workbench.Progress) {
	if !c.tty {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
	c.progress = progressLine(p)
	c.redraw()
}

// Done removes the progress line.
func (c *console) Done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
	c.progress = ""
}

// clear erases the progress line from the screen.
func (c *console) clear() {
	if c.tty && c.progress != "" {
		fmt.Fprint(c.w, "\r\033[K")
	}
}

// redraw puts the progress line back.
func (c *console) redraw() {
	if c.tty && c.progress != "" {
		fmt.Fprint(c.w, c.progress)
	}
}

// progressLine renders a progress snapshot on one line.
func progressLine(p workbench.Progress) string {
	part := "healed"
	if p.Partition != "" {
		part = p.Partition
	}
	line := fmt.Sprintf("[%s %5.1f/%.0fs] ok %d  info %d  fail %d  | partition: %s",
		p.Phase, p.Elapsed.Seconds(), p.TimeLimit.Seconds(), p.OK, p.Info, p.Fail, part)
	if len(p.Down) > 0 {
		line += " | down: " + strings.Join(p.Down, " ")
	}
	if len(p.Paused) > 0 {
		line += " | paused: " + strings.Join(p.Paused, " ")
	}
	const width = 150
	if len(line) > width {
		line = line[:width-3] + "..."
	}
	return strings.TrimSpace(line)
}
