package node

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	stdlog "log"
	"log/slog"
	"time"
)

// maxLine bounds one input line. Lines of any realistic length are read
// (a final-phase poll lists every key ever written, far beyond the
// library's 64 KiB scanner limit: Maelstrom's demo/go/node.go); only a line
// so long that holding it could exhaust memory is skipped, and logged.
const maxLine = 256 << 20

// maxDrain bounds how many queued lines one loop iteration takes before it
// processes them, so timers still run under a flood of input.
const maxDrain = 4096

// Run is the node's process: it reads Maelstrom messages from in, one per
// line, writes messages to out, and logs to errw, until in ends (nil) or
// ctx is cancelled. One goroutine reads lines; this one runs the event
// loop that owns the Server, so no two inputs ever touch protocol state
// at once and every input is handled in arrival order.
func Run(ctx context.Context, cfg Config, in io.Reader, out io.Writer, errw io.Writer) error {
	// The maelstrom library logs every message it sends or receives with
	// the standard logger; Maelstrom writes each stderr line to disk.
	// Silence it: our own leveled log goes to errw.
	stdlog.SetOutput(io.Discard)
	logger := slog.New(slog.NewTextHandler(errw, &slog.HandlerOptions{Level: cfg.LogLevel}))
	s, err := NewServer(cfg, out, logger)
	if err != nil {
		return err
	}
	defer s.Close()

	lines := make(chan []byte, 1024)
	go readLines(in, lines, logger, maxLine)

	nextTick := time.Now().Add(cfg.Tick)
	timer := time.NewTimer(cfg.Tick)
	defer timer.Stop()
	for {
		wake := nextTick
		if at, ok := s.NextWake(); ok && at.Before(wake) {
			wake = at
		}
		timer.Reset(time.Until(wake))

		eof := false
		var woke time.Time
		select {
		case <-ctx.Done():
			s.Process(time.Now())
			return ctx.Err()
		case line, ok := <-lines:
			woke = time.Now()
			if !ok {
				eof = true
				break
			}
			s.HandleLine(line, woke)
			eof = drainLines(lines, s, woke)
		case <-timer.C:
			woke = time.Now()
		}

		now := time.Now()
		if !now.Before(nextTick) {
			s.Tick(now)
			// One tick per iteration: after a stall (GC, a starved
			// CPU) logical time resumes rather than bursting the
			// missed ticks, which would fire timeouts all at once.
			nextTick = nextTick.Add(cfg.Tick)
			if now.After(nextTick) {
				nextTick = now.Add(cfg.Tick)
			}
		}
		s.Process(now)
		s.noteBusy(time.Since(woke))
		if eof {
			// Answer the polls still being read in steps: nothing
			// else can come in now.
			for len(s.polls) > 0 {
				s.Process(time.Now())
			}
			return nil
		}
	}
}

// drainLines handles the lines already waiting, without blocking. It
// reports whether the input has ended.
func drainLines(lines <-chan []byte, s *Server, now time.Time) (eof bool) {
	for i := 0; i < maxDrain; i++ {
		select {
		case line, ok := <-lines:
			if !ok {
				return true
			}
			s.HandleLine(line, now)
		default:
			return false
		}
	}
	return false
}

// readLines sends each line of r (without its line ending; blank lines
// skipped) to out, and closes out when r ends or fails. A line longer
// than limit is skipped whole.
func readLines(r io.Reader, out chan<- []byte, logger *slog.Logger, limit int) {
	defer close(out)
	br := bufio.NewReaderSize(r, 1<<20)
	var line []byte
	skipping := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !skipping && len(chunk) > 0 {
			if len(line)+len(chunk) > limit {
				logger.Warn("skipping an input line longer than the limit", "limit", limit)
				skipping, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue // the line goes on
		case err == nil:
			if !skipping {
				emitLine(line, out)
			}
			line, skipping = nil, false
		default:
			if !skipping {
				emitLine(line, out) // a last line without a newline
			}
			if !errors.Is(err, io.EOF) {
				logger.Error("reading stdin failed", "err", err)
			}
			return
		}
	}
}

func emitLine(line []byte, out chan<- []byte) {
	line = bytes.TrimRight(line, "\r\n")
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	out <- line
}
