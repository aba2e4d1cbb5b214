package net

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// lineReader splits a node's output into lines the way Java's
// BufferedReader.readLine does (Maelstrom reads stdout and stderr with it,
// M:process.clj stdout-thread): a line ends at "\n", "\r" or "\r\n", has
// no length limit, and a final unterminated line is returned at end of
// input.
type lineReader struct {
	r       *bufio.Reader
	long    []byte   // accumulates a line longer than r's buffer
	pending [][]byte // further lines of the last chunk, split at lone "\r"
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line without its terminator. The slice is valid
// only until the following call. At end of input it returns io.EOF (or the
// read error) once every complete or final partial line has been returned.
func (lr *lineReader) next() ([]byte, error) {
	if len(lr.pending) > 0 {
		l := lr.pending[0]
		lr.pending = lr.pending[1:]
		return l, nil
	}
	chunk, err := lr.readToNewline()
	if err != nil && len(chunk) == 0 {
		return nil, err
	}
	atEOF := err != nil
	if !atEOF {
		chunk = chunk[:len(chunk)-1] // drop "\n"
	}
	if bytes.IndexByte(chunk, '\r') < 0 {
		return chunk, nil
	}
	// "\r\n" and a final "\r" end a line without starting an empty one.
	chunk = bytes.TrimSuffix(chunk, []byte{'\r'})
	parts := bytes.Split(chunk, []byte{'\r'})
	lr.pending = parts[1:]
	return parts[0], nil
}

// buffered reports whether more input is already buffered, i.e. whether
// the next call can return without waiting for the writer.
func (lr *lineReader) buffered() bool { return len(lr.pending) > 0 || lr.r.Buffered() > 0 }

// readToNewline returns bytes up to and including the next "\n", or what is
// left before end of input together with the error.
func (lr *lineReader) readToNewline() ([]byte, error) {
	if cap(lr.long) > 8<<20 {
		lr.long = nil // do not pin one huge line's buffer for the whole run
	}
	b, err := lr.r.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return b, err
	}
	lr.long = append(lr.long[:0], b...)
	for {
		b, err = lr.r.ReadSlice('\n')
		lr.long = append(lr.long, b...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return lr.long, err
		}
	}
}
