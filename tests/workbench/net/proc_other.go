//go:build !linux

package net

import (
	"errors"
	"os"
	"syscall"
)

// sysProcAttr: no process group tricks outside Linux.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killTree kills the node process.
func killTree(p *os.Process) { _ = p.Kill() }

// killedBySIGKILL reports whether a process ended by a signal.
func killedBySIGKILL(st *os.ProcessState) bool { return !st.Exited() }

// errNoPause: the pause nemesis needs Linux's process groups and signals.
var errNoPause = errors.New("pausing a node is only supported on Linux")

func pauseTree(*os.Process) error  { return errNoPause }
func resumeTree(*os.Process) error { return errNoPause }
