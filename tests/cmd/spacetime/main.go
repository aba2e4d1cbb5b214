// Command spacetime regenerates the space-time diagrams of docs/ from
// real simulation runs (package diagram has the scenarios and the
// renderer):
//
//	go run ./tests/cmd/spacetime                   # writes docs/diagrams/*.svg
//	go run ./tests/cmd/spacetime -only lagging-diff -trace
//	go run ./tests/cmd/spacetime -list
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
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "spacetime: unexpected argument %q\n", fs.Arg(0))
		return 2
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

// write runs one scenario and writes its SVG (and trace, if asked).
func write(s diagram.Scenario, dir string, trace bool, stdout io.Writer) error {
	res, err := s.Run()
	if err != nil {
		return err
	}
	path := filepath.Join(dir, s.Name+".svg")
	svg, drawErr := res.Draw()
	if err := os.WriteFile(path, svg, 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	if drawErr != nil {
		// Written anyway, to look at.
		return fmt.Errorf("%s: %w", path, drawErr)
	}
	if !trace {
		return nil
	}
	for _, out := range []struct {
		ext   string
		write func(io.Writer) error
	}{{".trace.txt", res.Trace.WriteText}, {".trace.jsonl", res.Trace.WriteJSONL}} {
		p := filepath.Join(dir, s.Name+out.ext)
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		err = out.write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, p)
	}
	return nil
}
