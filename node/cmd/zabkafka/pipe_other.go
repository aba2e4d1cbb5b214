//go:build !linux

package main

// growStdoutPipe does nothing: only Linux lets a process resize a pipe.
func growStdoutPipe() {}
