package transcript

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zabkafka/tests/sim"
)

var rewrite = flag.Bool("rewrite", false, "write each transcript's actual output into its file instead of comparing")

// TestTranscripts runs every transcript in testdata and compares each
// command's output with the output written under it. With -rewrite it
// writes the actual outputs into the files instead.
func TestTranscripts(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no transcripts in testdata (%v)", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			f, got, err := RunFile(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if *rewrite {
				if err := os.WriteFile(path, []byte(f.Format(got)), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for i, b := range f.Blocks {
				if got[i] != b.Want {
					t.Errorf("%s:%d: %s\n%s\n(go test ./tests/transcript -rewrite writes the new output into the file)",
						path, b.Line, b.Command, diff(b.Want, got[i]))
				}
			}
		})
	}
}

// diff shows where two outputs part: the common lines before, then the
// rest of each.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	for _, l := range w[max(0, i-3):i] {
		b.WriteString("  " + l + "\n")
	}
	for _, l := range w[i:] {
		b.WriteString("- " + l + "\n")
	}
	for _, l := range g[i:] {
		b.WriteString("+ " + l + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// TestFormatGivesBackTheFile: formatting a parsed transcript with its
// own outputs reproduces it, so -rewrite changes only outputs.
func TestFormatGivesBackTheFile(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(string(b))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Format(nil); got != string(b) {
			t.Errorf("%s: formatting gives another text:\n%s", path, diff(string(b), got))
		}
	}
	// Outputs replace the expected text, and an empty one leaves the
	// separator alone.
	f, err := Parse("# c\na\n----\nold\n\n# tail\n")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Format([]string{"new\nlines"}), "# c\na\n----\nnew\nlines\n\n# tail\n"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
	if got, want := f.Format([]string{""}), "# c\na\n----\n\n# tail\n"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, text := range []string{
		"start\nstatus\n----\n", // a command without its separator
		"----\nout\n",           // a separator without a command
		"start",                 // a command at the end of the file
		"start\n----\n\n----\n", // a separator after a blank line
	} {
		if _, err := Parse(text); err == nil {
			t.Errorf("Parse(%q) succeeded", text)
		}
	}
	if _, err := parseArgs("drop a= b"); err == nil {
		t.Error("an empty value was accepted")
	}
	if _, err := parseArgs("drop to=1 to=2"); err == nil {
		t.Error("a key given twice was accepted")
	}
}

// TestDeterministic runs every transcript twice in one process: the
// outputs must be the same, so nothing (a map's order, state left by an
// earlier run) leaks into them.
func TestDeterministic(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, path := range paths {
		_, a, err := RunFile(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, b, _ := RunFile(path, Options{})
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: block %d differs between two runs:\n%s", path, i, diff(a[i], b[i]))
			}
		}
	}
}

// TestWatchSeesEveryRun: Options.Watch is called with each World a
// start builds, and the Runner's Filter is in place by then.
func TestWatchSeesEveryRun(t *testing.T) {
	f, err := Parse("start\n----\n\nrun until=stable\n----\n\nstart peers=5\n----\n")
	if err != nil {
		t.Fatal(err)
	}
	var peers []int
	Run(f, Options{Watch: func(w *sim.World) {
		if w.Net.Filter == nil {
			t.Error("Watch called before the Runner installed its Filter")
		}
		peers = append(peers, len(w.IDs()))
	}})
	if len(peers) != 2 || peers[0] != 3 || peers[1] != 5 {
		t.Errorf("Watch saw worlds of %v peers, want [3 5]", peers)
	}
}

// TestGoldenCatchesBrokenCore replays the correct run of two bug
// transcripts on a core or World with the bug put back (the twin's
// fault or knob on the first start): the output must part from the
// golden text, with a VIOLATION line, which is what makes the
// transcripts regression tests.
func TestGoldenCatchesBrokenCore(t *testing.T) {
	for _, tc := range []struct{ file, start string }{
		{"zk-4643-epoch-after-history.txt", "start fault=epochs-before-history"},
		{"late-stale-sync.txt", "start knob=accept-stale-sync-sessions"},
		{"zk-3911-ack-after-durable-sync.txt", "start fault=send-before-sync"},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(string(b))
		if err != nil {
			t.Fatal(err)
		}
		if f.Blocks[0].Command != "start" {
			t.Fatalf("%s: the first command is %q, not a plain start", tc.file, f.Blocks[0].Command)
		}
		f.Blocks[0].Command = tc.start
		got := Run(f, Options{})
		parted := false
		for i, bl := range f.Blocks {
			if got[i] != bl.Want && strings.Contains(got[i], "VIOLATION") {
				parted = true
				break
			}
		}
		if !parted {
			t.Errorf("%s: with %q no output shows a violation the golden text lacks", tc.file, tc.start)
		}
	}
}
