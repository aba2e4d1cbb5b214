package net

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAllLines(t *testing.T, r io.Reader) []string {
	t.Helper()
	lr := newLineReader(r)
	var out []string
	for {
		l, err := lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("read: %v", err)
			}
			return out
		}
		out = append(out, string(l))
	}
}

func TestLineReaderTerminatorsLikeJavaReadLine(t *testing.T) {
	cases := map[string][]string{
		"a\nb\n":        {"a", "b"},
		"a\r\nb\r\n":    {"a", "b"},
		"a\rb\n":        {"a", "b"},
		"a\r\r\n":       {"a", ""},
		"\n\n":          {"", ""},
		"\r\n":          {""},
		"tail":          {"tail"},
		"a\ntail\r":     {"a", "tail"},
		"":              nil,
		"x\r\ry\rz\r\n": {"x", "", "y", "z"},
	}
	for in, want := range cases {
		// One byte at a time too: terminators split across reads.
		for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
			got := readAllLines(t, r)
			if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
				t.Errorf("%q: got %q want %q", in, got, want)
			}
		}
	}
}

func TestLineReaderLinesLongerThanOneMiB(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 3<<20+7)
	var in bytes.Buffer
	in.Write(long)
	in.WriteString("\nshort\n")
	in.Write(long[:1<<20+1])
	in.WriteString("\r\n")
	got := readAllLines(t, &in)
	if len(got) != 3 || len(got[0]) != len(long) || got[1] != "short" || len(got[2]) != 1<<20+1 {
		t.Fatalf("got %d lines of lengths %v", len(got), lens(got))
	}
}

func lens(ss []string) []int {
	var n []int
	for _, s := range ss {
		n = append(n, len(s))
	}
	return n
}
