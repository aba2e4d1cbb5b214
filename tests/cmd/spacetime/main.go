// Command spacetime regenerates the space-time diagrams of docs/ from
// real simulation runs (package diagram has the scenarios and the
// renderer):
//
//	go run ./tests/cmd/spacetime                   # writes docs/diagrams/*.svg
//	go run ./tests/cmd/spacetime -only lagging-diff -trace
//	go run ./tests/cmd/spacetime -list
//	go run ./tests/cmd/spacetime -seed 1252 -last 20 -out /tmp   # a random run
//	go run ./tests/cmd/spacetime -transcript tests/transcript/testdata/zk-1154-leader-only-entry.txt -out /tmp
//
// With -seed it draws the last -last ticks (before tick -end, if given)
// of tests/sim's random run of that seed (TestRandom's; -peers replaces
// the plan's peer count, which makes it another run) into
// seed-<N>.svg. Such a picture is not held to the readability check of
// the docs' diagrams; its problems are printed as warnings.
//
// With -transcript it runs a recovery transcript (package transcript)
// and draws each of its runs (each start command) whole: <name>.svg for
// the first, <name>-2.svg and on for the others, <name> being the file's
// name without ".txt". These are not held to the readability check
// either.
//
// With -trace it also writes each run's whole trace next to the SVG, as
// text (<name>.trace.txt) and JSON lines (<name>.trace.jsonl), for reading
// a diagram event by event. The docs test (tests/docs) checks that the
// committed SVGs are exactly what this command produces.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"zabkafka/tests/cmd/spacetime/diagram"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the exit, for testing: 0 on success, 1 when a
// scenario fails or a file cannot be written, 2 on bad flags.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("spacetime", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "docs/diagrams", "directory to write the SVGs into")
	only := fs.String("only", "", "draw just this scenario")
	trace := fs.Bool("trace", false, "also write each run's trace (.trace.txt, .trace.jsonl)")
	list := fs.Bool("list", false, "list the scenarios and exit")
	seed := fs.Int64("seed", 0, "draw tests/sim's random run of this seed instead of the scenarios")
	peers := fs.Int("peers", 0, "with -seed: peer count, replacing the seed's plan (another run)")
	last := fs.Int("last", 30, "with -seed: how many ticks to draw")
	end := fs.Int64("end", 0, "with -seed: the tick the window ends at (0: the end of the run)")
	script := fs.String("transcript", "", "draw the runs of this recovery transcript instead of the scenarios")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "spacetime: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })
	if seedSet && *script != "" {
		fmt.Fprintln(stderr, "spacetime: -seed and -transcript exclude each other")
		return 2
	}
	if *script != "" {
		return drawTranscript(*script, *out, *trace, stdout, stderr)
	}
	if seedSet {
		return drawSeed(*seed, *peers, diagram.RandomWindow{Ticks: *last, End: *end}, *out, *trace, stdout, stderr)
	}
	var chosen []diagram.Scenario
	for _, s := range diagram.Scenarios() {
		if *list {
			fmt.Fprintf(stdout, "%-22s %s\n", s.Name, s.Title)
			continue
		}
		if *only == "" || *only == s.Name {
			chosen = append(chosen, s)
		}
	}
	if *list {
		return 0
	}
	if len(chosen) == 0 {
		fmt.Fprintf(stderr, "spacetime: no scenario named %q (see -list)\n", *only)
		return 2
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "spacetime: %v\n", err)
		return 1
	}
	for _, s := range chosen {
		if err := write(s, *out, *trace, stdout); err != nil {
			fmt.Fprintf(stderr, "spacetime: %v\n", err)
			return 1
		}
	}
	return 0
}

// drawSeed draws a window of a random run.
func drawSeed(seed int64, peers int, w diagram.RandomWindow, dir string, trace bool, stdout, stderr io.Writer) int {
	res, err := diagram.RandomRun(seed, peers, w)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	var problems []string
	if err == nil {
		problems, err = save(res, dir, fmt.Sprintf("seed-%d", seed), trace, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "spacetime: %v\n", err)
		return 1
	}
	for _, p := range problems {
		fmt.Fprintf(stderr, "spacetime: warning: %s\n", p)
	}
	return 0
}

// drawTranscript draws every run of a recovery transcript.
func drawTranscript(path, dir string, trace bool, stdout, stderr io.Writer) int {
	runs, err := diagram.TranscriptRuns(path)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		fmt.Fprintf(stderr, "spacetime: %v\n", err)
		return 1
	}
	if len(runs) == 0 {
		fmt.Fprintf(stderr, "spacetime: %s starts no cluster\n", path)
		return 1
	}
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	for i, res := range runs {
		name := base
		if i > 0 {
			name = fmt.Sprintf("%s-%d", base, i+1)
		}
		problems, err := save(res, dir, name, trace, stdout)
		if err != nil {
			fmt.Fprintf(stderr, "spacetime: %v\n", err)
			return 1
		}
		for _, p := range problems {
			fmt.Fprintf(stderr, "spacetime: warning: %s.svg: %s\n", name, p)
		}
	}
	return 0
}

// write runs one scenario and writes its SVG (and trace, if asked).
func write(s diagram.Scenario, dir string, trace bool, stdout io.Writer) error {
	res, err := s.Run()
	if err != nil {
		return err
	}
	problems, err := save(res, dir, s.Name, trace, stdout)
	if err == nil && len(problems) > 0 {
		// Written anyway, to look at.
		err = fmt.Errorf("%s.svg is hard to read: %s", filepath.Join(dir, s.Name), strings.Join(problems, "; "))
	}
	return err
}

// save writes a result's SVG as <name>.svg in dir (and its trace, if
// asked), and returns what diagram.CheckSVG finds wrong with it.
func save(res diagram.Result, dir, name string, trace bool, stdout io.Writer) (problems []string, err error) {
	path := filepath.Join(dir, name+".svg")
	svg := res.SVG()
	if err := os.WriteFile(path, svg, 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintln(stdout, path)
	problems = diagram.CheckSVG(svg)
	if !trace {
		return problems, nil
	}
	for _, out := range []struct {
		ext   string
		write func(io.Writer) error
	}{{".trace.txt", res.Trace.WriteText}, {".trace.jsonl", res.Trace.WriteJSONL}} {
		p := filepath.Join(dir, name+out.ext)
		f, err := os.Create(p)
		if err != nil {
			return nil, err
		}
		err = out.write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(stdout, p)
	}
	return problems, nil
}
