package net

import (
	"bufio"
	"io"
	"math/rand/v2"
	"time"
)

// lenientFaultCap bounds how many faults one node records in lenient mode,
// where reading goes on after each bad line.
const lenientFaultCap = 100

// nodeLink connects one node's stdin and stdout to the network: a delivery
// loop (M:process.clj stdin-thread) and a reader loop (stdout-thread). It
// knows nothing of processes, so benchmarks and tests can drive it with
// in-process pipes.
type nodeLink struct {
	id      string
	net     *network
	mb      *mailbox
	gate    *gate
	faults  *faultLog
	logf    func(string, ...any)
	lenient bool
	rng     *rand.Rand // latency draws for the messages this node sends

	// faultCount is how many faults were recorded so far, over all of the
	// node's processes (one reader goroutine at a time touches it).
	faultCount int
}

// deliverLoop writes this node's messages to its stdin, one at a time in
// deadline order, until the network shuts down. It takes the head as soon
// as there is one, drops it if a partition says so at that moment, sleeps
// until its deadline (holding up everything behind it, M:net.clj recv!),
// counts it and writes it. Writes to a dead process fail and the message
// is lost, as in Maelstrom; it still counts as delivered because the
// journal records the delivery before the write. It also returns when
// quit (the end of this process, nil for none) closes. While the node is
// restarting, messages from nodes and services are dropped, so the new
// process reads its init first.
func (l *nodeLink) deliverLoop(w io.Writer, quit <-chan struct{}) {
	bw := bufio.NewWriterSize(w, 64<<10)
	t := newStoppedTimer()
	var line []byte
	broken := false
	for {
		// Flush before anything that may wait (an empty queue, a deadline
		// in the future); batch writes only while the head is already due.
		if !broken && bw.Buffered() > 0 && !l.mb.headDue(l.net.now()) {
			broken = bw.Flush() != nil
		}
		e, why := l.mb.take(nil, l.net.stop, quit)
		if why != takeOK {
			return
		}
		if l.net.dropped(e) || (!e.client && l.gate != nil && !l.gate.serving.Load()) {
			continue
		}
		if !l.net.waitDeadline(e, t, quit) {
			return
		}
		l.net.counts.received(e)
		if broken {
			continue
		}
		line = appendDelivery(line[:0], e)
		if _, err := bw.Write(line); err != nil {
			broken = true
		}
		if cap(line) > 8<<20 {
			line = nil // do not pin one huge message's buffer for the whole run
		}
	}
}

// readLoop reads this node's stdout and sends each message into the network
// (M:process.clj stdout-thread, parse-msg). Unless lenient, the first
// malformed line or message to an unknown member stops it for good: the
// node's later output is never read, and once the pipe fills the node
// blocks (docs/running.md#one-message-per-line-or-maelstrom-stops-reading).
// It returns at end of output.
func (l *nodeLink) readLoop(r io.Reader) {
	lr := newLineReader(r)
	for {
		line, err := lr.next()
		if err != nil {
			return
		}
		if !l.handleLine(line) && !l.lenient {
			return // for the rest of the test: see the fault log
		}
	}
}

// handleLine parses and sends one line; it reports whether all went well.
func (l *nodeLink) handleLine(line []byte) bool {
	m, err := parseNodeLine(line)
	if err != nil {
		l.fault(FaultMalformedLine, line, err)
		return false
	}
	if err := l.net.sendBytes(m.src, m.dest, m.body, l.rng); err != nil {
		if l.gate != nil && l.net.excused(l.id, string(m.dest)) {
			l.gate.stale.Add(1)
			return true
		}
		l.fault(FaultUnknownDestination, line, err)
		return false
	}
	return true
}

// fault records and loudly logs a bad line.
func (l *nodeLink) fault(kind string, line []byte, cause error) {
	l.faultCount++
	if l.lenient && l.faultCount > lenientFaultCap {
		if l.faultCount == lenientFaultCap+1 {
			l.logf("node %s: more than %d bad stdout lines; not recording further ones", l.id, lenientFaultCap)
		}
		return
	}
	f := Fault{
		Node:   l.id,
		Time:   time.Duration(l.net.now()),
		Kind:   kind,
		Line:   truncate(line, maxFaultLine),
		Detail: cause.Error(),
	}
	l.faults.add(f)
	if l.lenient {
		l.logf("node %s: %s at %v (lenient: still reading its stdout): %s\n  line: %s", l.id, kind, f.Time, f.Detail, f.Line)
		return
	}
	l.logf("WARNING: node %s: %s at %v: %s\n  line: %s\n  As Maelstrom does (docs/running.md, \"What Maelstrom requires of a node\"), the workbench now stops reading this node's stdout for the rest of the test: nothing it prints from here on is delivered.", l.id, kind, f.Time, f.Detail, f.Line)
}
