//go:build linux

package net

import (
	"os"
	"syscall"
)

// sysProcAttr puts each node in its own process group, so that Ctrl-C at
// the terminal reaches only the workbench (which then tears the nodes
// down), and asks the kernel to SIGKILL the node if the workbench dies
// without tearing down.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killTree sends SIGKILL to the node's process group (the node and any
// children it started), then to the node itself.
func killTree(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}

// killedBySIGKILL reports whether a process ended by SIGKILL.
func killedBySIGKILL(st *os.ProcessState) bool {
	ws, ok := st.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// pauseTree and resumeTree send SIGSTOP and SIGCONT to the node's process
// group, so children of the node stop and go on with it.
func pauseTree(p *os.Process) error  { return syscall.Kill(-p.Pid, syscall.SIGSTOP) }
func resumeTree(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGCONT) }
