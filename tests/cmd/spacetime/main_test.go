package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-nosuchflag"}, &out, &errb); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
	if code := run([]string{"extra"}, &out, &errb); code != 2 {
		t.Errorf("stray argument: exit %d", code)
	}
	if code := run([]string{"-only", "nosuch", "-out", t.TempDir()}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "no scenario") {
		t.Errorf("unknown scenario: exit %d, %q", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"-list"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "old-leader-trunc") {
		t.Errorf("-list: exit %d, %q", code, out.String())
	}
}

func TestWritesSVGAndTrace(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"-only", "first-election", "-trace", "-out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, name := range []string{"first-election.svg", "first-election.trace.txt", "first-election.trace.jsonl"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v (%d bytes)", name, err, len(b))
		}
	}
}

func TestUnwritableOutput(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-out", filepath.Join(file, "sub")}, &out, &errb); code != 1 {
		t.Fatalf("output under a file: exit %d", code)
	}
}

// TestDrawsARandomRun: -seed draws a window of tests/sim's random run
// of that seed, and -end picks where the window ends.
func TestDrawsARandomRun(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"-seed", "7", "-peers", "3", "-last", "5", "-end", "100", "-out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "seed-7.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "seed 7: ticks 95 to 100") {
		t.Errorf("the title does not name the window: %.300s", b)
	}
}

// TestDrawsATranscript: -transcript draws each run of a transcript, the
// second and later ones with a number; a missing file and a file that
// starts nothing fail.
func TestDrawsATranscript(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "story.txt")
	text := "start\n----\n\nrun until=stable\n----\n\nstart peers=5\n----\n\nrun until=stable\n----\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-transcript", path, "-out", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, name := range []string{"story.svg", "story-2.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !strings.Contains(string(b), "transcript story") {
			t.Errorf("%s: %v, or no title", name, err)
		}
	}
	if code := run([]string{"-transcript", filepath.Join(dir, "nosuch.txt"), "-out", dir}, &out, &errb); code != 1 {
		t.Errorf("missing transcript: exit %d", code)
	}
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"-transcript", empty, "-out", dir}, &out, &errb); code != 1 {
		t.Errorf("a transcript that starts nothing: exit %d", code)
	}
	if code := run([]string{"-transcript", path, "-seed", "3"}, &out, &errb); code != 2 {
		t.Errorf("-transcript with -seed: exit %d", code)
	}
}
