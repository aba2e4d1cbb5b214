package log

import "fmt"

// CorruptError is the damage a FileStore found in one of its files: which
// file, where in it, and what is wrong. It wraps ErrCorrupt. A store that
// reports one at open refuses to start rather than guess: the operator's
// remedy is in docs/running.md ("A node whose log is damaged").
type CorruptError struct {
	// File is the path of the damaged file, or of the file that should
	// be there and is not.
	File string
	// Offset is the byte offset in File where the damage starts, or -1
	// when the problem concerns the file as a whole (it is missing, or
	// does not fit with the others).
	Offset int64
	// Problem says what is wrong, in words for the operator.
	Problem string
}

// Error renders the damage as "log: corrupt data: <file> at byte <n>: <problem>".
func (e *CorruptError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("%v: %s: %s", ErrCorrupt, e.File, e.Problem)
	}
	return fmt.Sprintf("%v: %s at byte %d: %s", ErrCorrupt, e.File, e.Offset, e.Problem)
}

// Unwrap makes errors.Is(err, ErrCorrupt) hold.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// corruptAt builds the error for damage at byte off of file.
func corruptAt(file string, off int64, format string, args ...any) *CorruptError {
	return &CorruptError{File: file, Offset: off, Problem: fmt.Sprintf(format, args...)}
}

// corruptFile builds the error for a problem with file as a whole.
func corruptFile(file string, format string, args ...any) *CorruptError {
	return corruptAt(file, -1, format, args...)
}
