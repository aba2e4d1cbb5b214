package net

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// nodeProc is one process of a node (M:process.clj start-node!): the
// process, its three pipes, the loops that move its messages and its
// stderr, and crash detection. A node killed and restarted by the nemesis
// gets a new nodeProc; its link (mailbox, fault count) and log carry over.
type nodeProc struct {
	id      string
	link    *nodeLink
	cmd     *exec.Cmd
	stdin   *os.File // our ends of the pipes
	stdout  *os.File
	stderr  *os.File
	log     *nodeLog  // the node's log, shared by its processes; nil without a LogDir
	echo    io.Writer // LogStderr copies, nil when off
	tail    lineTail  // last stderr lines, for crash reports
	faults  *faultLog
	logf    func(string, ...any)
	cpu     *atomic.Int64 // nil: not counted
	started time.Time

	killing    atomic.Bool   // we sent SIGKILL: a SIGKILL exit is not a crash
	exited     chan struct{} // closed once the process has been reaped
	exitDesc   string        // "exit status 2", "signal: killed"; set before exited closes
	stderrDone chan struct{} // closed when stderr reached end of input
	quit       chan struct{} // closed by finish: the delivery loop returns
	loops      sync.WaitGroup

	finishOnce sync.Once
	finishErr  error
}

// launchOptions are the per-run settings launch needs.
type launchOptions struct {
	bin    string
	args   []string
	dir    string // the process's working directory
	log    *nodeLog
	echo   io.Writer
	logf   func(string, ...any)
	faults *faultLog
	cpu    *atomic.Int64 // the CPU time of reaped processes, ns, is added here
}

// launch starts the node binary with cwd = o.dir, the environment
// inherited and three pipes, and starts its goroutines: delivery (stdin),
// reader (stdout), stderr logger, and a waiter that reports crashes.
func launch(link *nodeLink, o launchOptions) (*nodeProc, error) {
	p := &nodeProc{
		id:         link.id,
		link:       link,
		log:        o.log,
		echo:       o.echo,
		faults:     o.faults,
		logf:       o.logf,
		cpu:        o.cpu,
		exited:     make(chan struct{}),
		stderrDone: make(chan struct{}),
		quit:       make(chan struct{}),
	}
	var child [3]*os.File
	var ours [3]*os.File
	closeAll := func() {
		for _, f := range append(child[:], ours[:]...) {
			if f != nil {
				f.Close()
			}
		}
	}
	for i := range child {
		r, w, err := os.Pipe()
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("node %s: pipe: %w", link.id, err)
		}
		if i == 0 { // stdin: the child reads
			child[i], ours[i] = r, w
		} else {
			child[i], ours[i] = w, r
		}
	}
	cmd := exec.Command(o.bin, o.args...)
	cmd.Dir = o.dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = child[0], child[1], child[2]
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		closeAll()
		return nil, fmt.Errorf("node %s: start %s: %w", link.id, o.bin, err)
	}
	p.started = time.Now()
	for _, f := range child {
		f.Close() // the child has its copies; EOF must come when it exits
	}
	p.cmd = cmd
	p.stdin, p.stdout, p.stderr = ours[0], ours[1], ours[2]

	p.loops.Add(3)
	go func() { defer p.loops.Done(); link.deliverLoop(p.stdin, p.quit) }()
	go func() { defer p.loops.Done(); link.readLoop(p.stdout) }()
	go func() { defer p.loops.Done(); p.stderrLoop() }()
	go p.wait()
	return p, nil
}

// stderrLoop appends every stderr line to the node's log (flushed whenever
// no further line is already waiting, so the file is current whenever the
// node pauses), keeps the last lines for crash reports, and with LogStderr
// copies each line, prefixed with the node id, to the echo writer.
func (p *nodeProc) stderrLoop() {
	defer close(p.stderrDone)
	lr := newLineReader(p.stderr)
	for {
		line, err := lr.next()
		if err != nil {
			return
		}
		p.tail.add(line)
		p.log.line(line, !lr.buffered())
		if p.echo != nil {
			msg := make([]byte, 0, len(p.id)+len(line)+10)
			msg = append(append(append(msg, p.id...), " stderr: "...), line...)
			p.echo.Write(append(msg, '\n'))
		}
	}
}

// wait reaps the process. An exit we did not cause is a crash.
func (p *nodeProc) wait() {
	_ = p.cmd.Wait()
	st := p.cmd.ProcessState
	p.exitDesc = st.String()
	if p.cpu != nil {
		p.cpu.Add(int64(st.UserTime() + st.SystemTime()))
	}
	if !(p.killing.Load() && killedBySIGKILL(st)) {
		// Give stderr a moment to drain so the report has the last words.
		select {
		case <-p.stderrDone:
		case <-time.After(time.Second):
		}
		f := Fault{
			Node:   p.id,
			Time:   time.Since(p.link.net.epoch),
			Kind:   FaultCrash,
			Detail: fmt.Sprintf("process ended (%s) before the end of the test; last stderr lines:\n%s", p.exitDesc, p.tail.String()),
		}
		p.faults.add(f)
		p.logf("WARNING: node %s crashed at %v: %s", p.id, f.Time, p.exitDesc)
		p.log.mark(time.Now(), -1, "process exited by itself ("+p.exitDesc+"): a crash")
	}
	close(p.exited)
}

// hasExited reports whether the process has been reaped.
func (p *nodeProc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL to the node's process group.
func (p *nodeProc) kill() {
	p.killing.Store(true)
	killTree(p.cmd.Process)
}

// pause and resume stop and continue the node's process group.
func (p *nodeProc) pause() error  { return pauseTree(p.cmd.Process) }
func (p *nodeProc) resume() error { return resumeTree(p.cmd.Process) }

// finish waits (until deadline) for the killed process to be reaped, closes
// the pipes and ends the delivery loop, so every loop returns. It does not
// close the node's log, which outlives the process. Later calls return the
// first call's result.
func (p *nodeProc) finish(deadline time.Time) error {
	p.finishOnce.Do(func() { p.finishErr = p.doFinish(deadline) })
	return p.finishErr
}

func (p *nodeProc) doFinish(deadline time.Time) error {
	var err error
	select {
	case <-p.exited:
	case <-time.After(time.Until(deadline)):
		err = fmt.Errorf("node %s (pid %d) was not reaped within the teardown timeout after SIGKILL", p.id, p.cmd.Process.Pid)
	}
	close(p.quit)
	p.stdin.Close()
	p.stdout.Close()
	p.stderr.Close()
	done := make(chan struct{})
	go func() { p.loops.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Until(deadline) + time.Second):
		if err == nil {
			err = fmt.Errorf("node %s: I/O goroutines did not finish", p.id)
		}
	}
	return err
}
