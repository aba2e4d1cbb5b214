package main

import (
	"os"
	"syscall"
)

// setPipeSize is Linux's F_SETPIPE_SZ fcntl command (F_LINUX_SPECIFIC_BASE
// + 7 in <fcntl.h>); the syscall package does not name it.
const setPipeSize = 1031

// stdoutPipeBytes is what the node asks its stdout pipe to hold: 1 MiB,
// the most an unprivileged process may ask for by default
// (/proc/sys/fs/pipe-max-size).
const stdoutPipeBytes = 1 << 20

// growStdoutPipe asks for a larger stdout pipe, when stdout is one. A
// pipe holds 64 KiB by default; a final-phase poll reply of a megabyte
// then blocks the node's event loop in write until the reader has taken
// all but the last 64 KiB of it, and a leader blocked so for a few
// hundred milliseconds on a loaded machine is taken for dead by its
// followers (docs/tuning.md, "Polls a step at a time"). Failure changes
// nothing but that: the pipe keeps its size.
func growStdoutPipe() {
	syscall.Syscall(syscall.SYS_FCNTL, os.Stdout.Fd(), setPipeSize, stdoutPipeBytes)
}
