//go:build !linux

package net

import (
	"os"
	"syscall"
)

// sysProcAttr: no process group tricks outside Linux.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killTree kills the node process.
func killTree(p *os.Process) { _ = p.Kill() }

// killedBySIGKILL reports whether a process ended by a signal.
func killedBySIGKILL(st *os.ProcessState) bool { return !st.Exited() }
