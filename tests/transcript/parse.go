package transcript

import (
	"fmt"
	"strings"
)

// separator sits between a command and its expected output.
const separator = "----"

// File is a parsed transcript: its commands, each with the text written
// before it and the output it expects.
type File struct {
	Blocks []Block
	// Tail is the text after the last block (comments, blank lines).
	Tail string
}

// Block is one command of a transcript.
type Block struct {
	// Before is the comment and blank lines before the command,
	// verbatim, each ending in a newline.
	Before string
	// Line is the command's line number, counting from 1.
	Line int
	// Command is the command line as written.
	Command string
	// Want is the expected output: its lines joined by newlines, without
	// a trailing one.
	Want string
}

// Parse reads a transcript. Lines starting with '#' are comments; a
// command is one line, followed by a line "----" and its expected
// output, which runs to the next blank line or the end of the file.
func Parse(text string) (*File, error) {
	lines := strings.Split(text, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1] // the newline ending the last line
	}
	f := &File{}
	var before strings.Builder
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			before.WriteString(line + "\n")
			continue
		}
		if line == separator {
			return nil, fmt.Errorf("line %d: %q without a command before it", i+1, separator)
		}
		b := Block{Before: before.String(), Line: i + 1, Command: line}
		before.Reset()
		if i+1 >= len(lines) || lines[i+1] != separator {
			return nil, fmt.Errorf("line %d: command %q is not followed by a %q line", i+1, line, separator)
		}
		i += 2
		var want []string
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			want = append(want, lines[i])
		}
		// lines[i], if there is one, is the blank line ending the output:
		// it belongs to the block, not to the text before the next one.
		b.Want = strings.Join(want, "\n")
		f.Blocks = append(f.Blocks, b)
	}
	f.Tail = before.String()
	return f, nil
}

// Format writes the transcript back with outputs[i] as the output of
// block i (its Want where outputs is short). Formatting a parsed file with
// its own Wants gives back the text it was parsed from, as long as that
// ended every output with one blank line (or the end of the file) and
// ended in a newline.
func (f *File) Format(outputs []string) string {
	var b strings.Builder
	for i, bl := range f.Blocks {
		out := bl.Want
		if i < len(outputs) {
			out = outputs[i]
		}
		b.WriteString(bl.Before)
		b.WriteString(bl.Command + "\n" + separator + "\n")
		if out != "" {
			b.WriteString(out + "\n")
		}
		if i < len(f.Blocks)-1 || f.Tail != "" {
			b.WriteString("\n")
		}
	}
	b.WriteString(f.Tail)
	return b.String()
}

// args is a command line split into the command, its positional
// arguments and its key=value arguments.
type args struct {
	cmd   string
	pos   []string
	kv    map[string]string
	order []string // keys in the order written, for error messages
	used  map[string]bool
}

func parseArgs(line string) (*args, error) {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	a := &args{cmd: fields[0], kv: map[string]string{}, used: map[string]bool{}}
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			a.pos = append(a.pos, f)
			continue
		}
		if k == "" || v == "" {
			return nil, fmt.Errorf("argument %q: want key=value", f)
		}
		if _, dup := a.kv[k]; dup {
			return nil, fmt.Errorf("argument %s given twice", k)
		}
		a.kv[k] = v
		a.order = append(a.order, k)
	}
	return a, nil
}

// get returns the value of key, marking it used.
func (a *args) get(key string) (string, bool) {
	v, ok := a.kv[key]
	if ok {
		a.used[key] = true
	}
	return v, ok
}

// unused reports the first key=value argument no command step asked
// for: a misspelt option must not be silently ignored.
func (a *args) unused() error {
	for _, k := range a.order {
		if !a.used[k] {
			return fmt.Errorf("%s does not take %s=", a.cmd, k)
		}
	}
	return nil
}
