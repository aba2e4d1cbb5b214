package net

import (
	"strings"
	"sync"
)

// tailLines and tailLineMax bound the stderr kept for crash reports
// (Maelstrom keeps the last 32 lines, M:process.clj debug-buffer-size).
const (
	tailLines   = 32
	tailLineMax = 1000
)

// lineTail keeps the last lines written to it.
type lineTail struct {
	mu    sync.Mutex
	lines []string
}

func (t *lineTail) add(line []byte) {
	s := truncate(line, tailLineMax)
	t.mu.Lock()
	if len(t.lines) == tailLines {
		copy(t.lines, t.lines[1:])
		t.lines = t.lines[:tailLines-1]
	}
	t.lines = append(t.lines, s)
	t.mu.Unlock()
}

// String returns the kept lines, one per line.
func (t *lineTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
